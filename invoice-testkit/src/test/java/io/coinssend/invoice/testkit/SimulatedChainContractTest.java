package io.coinssend.invoice.testkit;

import io.coinssend.invoice.Asset;
import io.coinssend.invoice.spi.ChainWatcher;

class SimulatedChainContractTest extends ChainWatcherContract {

  private final SimulatedChain chain = SimulatedChain.create(java.time.Clock.systemUTC(), Asset.BTC_REGTEST);

  @Override
  protected ChainWatcher newWatcher() {
    return chain.newWatcher();
  }

  @Override
  protected ChainDriver driver() {
    return chain;
  }
}
