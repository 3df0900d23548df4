package io.coinssend.invoice.bitcoin;

/** The chain-watcher contract over Bitcoin Core's JSON-RPC, served from a bitcoinj-built regtest chain. */
class BitcoinCoreContractTest extends HarnessContract {

  @Override
  Backend backend() {
    return Backend.BITCOIN_CORE;
  }
}
