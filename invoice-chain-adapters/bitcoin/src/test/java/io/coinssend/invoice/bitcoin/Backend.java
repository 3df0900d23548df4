package io.coinssend.invoice.bitcoin;

import io.coinssend.invoice.bitcoin.harness.FakeBitcoinCore;
import io.coinssend.invoice.bitcoin.harness.FakeEsplora;
import io.coinssend.invoice.bitcoin.harness.FakeServer;
import io.coinssend.invoice.bitcoin.harness.RegtestChain;

/** The two backends, each served from a {@link RegtestChain} by its fake server. */
enum Backend {
  BITCOIN_CORE {
    @Override
    FakeServer serve(RegtestChain chain) {
      return new FakeBitcoinCore(chain, USER, PASSWORD);
    }

    @Override
    BitcoinWatcher.Builder connect(BitcoinWatcher.Builder builder, FakeServer server) {
      return builder.bitcoinCore(server.uri(), RpcCredentials.userPassword(USER, PASSWORD));
    }
  },
  ESPLORA {
    @Override
    FakeServer serve(RegtestChain chain) {
      return new FakeEsplora(chain);
    }

    @Override
    BitcoinWatcher.Builder connect(BitcoinWatcher.Builder builder, FakeServer server) {
      return builder.esplora(server.uri());
    }
  };

  static final String USER = "alice";
  static final String PASSWORD = "s3cret-pw";

  abstract FakeServer serve(RegtestChain chain);

  abstract BitcoinWatcher.Builder connect(BitcoinWatcher.Builder builder, FakeServer server);
}
