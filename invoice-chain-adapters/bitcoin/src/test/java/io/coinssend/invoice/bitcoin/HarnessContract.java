package io.coinssend.invoice.bitcoin;

import io.coinssend.invoice.bitcoin.harness.FakeServer;
import io.coinssend.invoice.bitcoin.harness.RegtestChain;
import io.coinssend.invoice.spi.ChainWatcher;
import io.coinssend.invoice.testkit.ChainDriver;
import io.coinssend.invoice.testkit.ChainWatcherContract;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;

/** The chain-watcher contract over one backend's wire format, served from a bitcoinj-built regtest chain. */
abstract class HarnessContract extends ChainWatcherContract {

  private final RegtestChain chain = new RegtestChain(Clock.systemUTC());
  private final FakeServer server = backend().serve(chain);

  abstract Backend backend();

  @Override
  protected ChainWatcher newWatcher() {
    return backend().connect(BitcoinWatcher.builder(AccountKey.parse(TestKeys.BIP84_VPUB, BitcoinNetwork.REGTEST)),
        server).pollInterval(Duration.ofMillis(40)).build();
  }

  @Override
  protected ChainDriver driver() {
    return chain;
  }

  @AfterEach
  void stopServer() {
    server.close();
  }
}
