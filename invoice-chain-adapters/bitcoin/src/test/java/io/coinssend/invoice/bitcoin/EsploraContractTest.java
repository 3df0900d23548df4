package io.coinssend.invoice.bitcoin;

/** The chain-watcher contract over the Esplora REST API, served from a bitcoinj-built regtest chain. */
class EsploraContractTest extends HarnessContract {

  @Override
  Backend backend() {
    return Backend.ESPLORA;
  }
}
