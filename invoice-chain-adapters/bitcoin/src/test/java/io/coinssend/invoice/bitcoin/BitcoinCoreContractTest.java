package io.coinssend.invoice.bitcoin;

import io.coinssend.invoice.bitcoin.harness.FakeBitcoinCore;
import io.coinssend.invoice.bitcoin.harness.RegtestChain;
import io.coinssend.invoice.spi.ChainWatcher;
import io.coinssend.invoice.testkit.ChainDriver;
import io.coinssend.invoice.testkit.ChainWatcherContract;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;

/** The chain-watcher contract over Bitcoin Core's JSON-RPC, served from a bitcoinj-built regtest chain. */
class BitcoinCoreContractTest extends ChainWatcherContract {

  private final RegtestChain chain = new RegtestChain(Clock.systemUTC());
  private final FakeBitcoinCore node = new FakeBitcoinCore(chain, "alice", "s3cret");

  @Override
  protected ChainWatcher newWatcher() {
    return BitcoinWatcher.builder(AccountKey.parse(TestKeys.BIP84_VPUB, BitcoinNetwork.REGTEST))
        .bitcoinCore(node.uri(), RpcCredentials.userPassword("alice", "s3cret"))
        .pollInterval(Duration.ofMillis(40))
        .build();
  }

  @Override
  protected ChainDriver driver() {
    return chain;
  }

  @AfterEach
  void stopNode() {
    node.close();
  }
}
