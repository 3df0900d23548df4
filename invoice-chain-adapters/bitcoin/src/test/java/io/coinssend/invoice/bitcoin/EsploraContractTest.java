package io.coinssend.invoice.bitcoin;

import io.coinssend.invoice.bitcoin.harness.FakeEsplora;
import io.coinssend.invoice.bitcoin.harness.RegtestChain;
import io.coinssend.invoice.spi.ChainWatcher;
import io.coinssend.invoice.testkit.ChainDriver;
import io.coinssend.invoice.testkit.ChainWatcherContract;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;

/** The chain-watcher contract over the Esplora REST API, served from a bitcoinj-built regtest chain. */
class EsploraContractTest extends ChainWatcherContract {

  private final RegtestChain chain = new RegtestChain(Clock.systemUTC());
  private final FakeEsplora esplora = new FakeEsplora(chain);

  @Override
  protected ChainWatcher newWatcher() {
    return BitcoinWatcher.builder(AccountKey.parse(TestKeys.BIP84_VPUB, BitcoinNetwork.REGTEST))
        .esplora(esplora.uri())
        .pollInterval(Duration.ofMillis(40))
        .build();
  }

  @Override
  protected ChainDriver driver() {
    return chain;
  }

  @AfterEach
  void stopServer() {
    esplora.close();
  }
}
