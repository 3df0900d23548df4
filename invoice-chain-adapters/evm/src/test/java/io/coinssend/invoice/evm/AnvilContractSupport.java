package io.coinssend.invoice.evm;

import io.coinssend.invoice.Asset;
import java.math.BigInteger;
import java.net.URI;
import java.time.Duration;

/** What the anvil-backed tests share: the account key of the vectors, test tokens, and a fast-polling watcher. */
final class AnvilContractSupport {

  private AnvilContractSupport() {}

  /** VECTORS.md: account xpub m/44'/60'/0' of the mnemonic "abandon ×11 about". */
  static final EvmAccountKey KEY = EvmAccountKey.parse(EvmAccountKeyTest.ACCOUNT_XPUB);
  static final Asset ETH = EvmChain.ANVIL.nativeAsset();
  static final BigInteger SUPPLY = BigInteger.TEN.pow(30);

  /** Deploys a TestToken with {@code decimals} and returns it as an asset on anvil's chain. */
  static Asset deployToken(AnvilNode node, String symbol, int decimals) {
    return EvmChain.ANVIL.token(symbol, node.deployToken("Test " + symbol, symbol, decimals, SUPPLY), decimals);
  }

  /** A watcher of anvil polling every 100 ms, with short retries. */
  static EvmWatcher.Builder watcher(URI endpoint, Asset... assets) {
    return EvmWatcher.builder(EvmChain.ANVIL, endpoint, KEY)
        .assets(assets)
        .pollInterval(Duration.ofMillis(100))
        .requestTimeout(Duration.ofSeconds(5))
        .retries(3, Duration.ofMillis(50), Duration.ofMillis(500));
  }
}
