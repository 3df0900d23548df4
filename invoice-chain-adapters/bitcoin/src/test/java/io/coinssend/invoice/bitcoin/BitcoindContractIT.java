package io.coinssend.invoice.bitcoin;

import io.coinssend.invoice.bitcoin.harness.BitcoindNode;
import io.coinssend.invoice.spi.ChainWatcher;
import io.coinssend.invoice.testkit.ChainDriver;
import io.coinssend.invoice.testkit.ChainWatcherContract;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * The chain-watcher contract against a real Bitcoin Core node on regtest, if a {@code bitcoind} binary is on the PATH.
 * Without one it skips with a message, in CI too (Bitcoin Core is not in the package registries this project uses).
 */
class BitcoindContractIT extends ChainWatcherContract {

  private static BitcoindNode node;

  @BeforeAll
  static void startNode() throws IOException {
    Optional<Path> binary = BitcoindNode.findBinary();
    if (binary.isPresent()) {
      node = BitcoindNode.start(binary.get());
    }
  }

  /** Each test (not just the class) reports the skip, so the reason shows in the test report. */
  @BeforeEach
  void requireNode() {
    Assumptions.assumeTrue(node != null, "skipped: no bitcoind on the PATH; install Bitcoin Core (bitcoind) to run"
        + " the watcher contract against a real regtest node");
  }

  @AfterAll
  static void stopNode() {
    if (node != null) {
      node.close();
    }
  }

  @Override
  protected ChainWatcher newWatcher() {
    return BitcoinWatcher.builder(AccountKey.parse(TestKeys.BIP84_VPUB, BitcoinNetwork.REGTEST))
        .bitcoinCore(node.rpcUri(), RpcCredentials.cookieFile(node.cookieFile()))
        .pollInterval(Duration.ofMillis(100))
        .build();
  }

  @Override
  protected ChainDriver driver() {
    return node;
  }

  @Override
  protected Duration timeout() {
    return Duration.ofSeconds(60);
  }
}
