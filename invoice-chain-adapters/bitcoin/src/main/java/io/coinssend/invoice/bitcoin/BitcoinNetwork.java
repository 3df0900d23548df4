package io.coinssend.invoice.bitcoin;

import static java.util.Objects.requireNonNull;

import io.coinssend.invoice.Asset;
import java.util.Locale;

/**
 * The bitcoin networks a {@link BitcoinWatcher} can follow, each with its asset ({@link Asset#BTC},
 * {@link Asset#BTC_TESTNET}, {@link Asset#BTC_SIGNET}, {@link Asset#BTC_REGTEST}).
 */
public enum BitcoinNetwork {
  /** The bitcoin main network; extended keys {@code xpub}/{@code zpub}, addresses {@code bc1…}, {@code 1…}. */
  MAINNET(Asset.BTC),
  /** Testnet (testnet3 or testnet4); keys {@code tpub}/{@code vpub}, addresses {@code tb1…}, {@code m…}/{@code n…}. */
  TESTNET(Asset.BTC_TESTNET),
  /** Signet; the same key and address formats as testnet. */
  SIGNET(Asset.BTC_SIGNET),
  /** A local regression-test network; keys {@code tpub}/{@code vpub}, addresses {@code bcrt1…}. */
  REGTEST(Asset.BTC_REGTEST);

  private final Asset asset;

  BitcoinNetwork(Asset asset) {
    this.asset = asset;
  }

  /** The asset paid on this network. */
  public Asset asset() {
    return asset;
  }

  /** The network name used in chain keys and configuration: {@code mainnet}, {@code testnet}... */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The chain key of this network, for example {@code bitcoin:mainnet}. */
  public String chainKey() {
    return asset.chainKey();
  }

  /**
   * The network named {@code id} ({@code mainnet}, {@code testnet}, {@code signet} or {@code regtest}, in any case).
   *
   * @throws IllegalArgumentException for any other name
   */
  public static BitcoinNetwork of(String id) {
    requireNonNull(id, "id");
    for (BitcoinNetwork network : values()) {
      if (network.id().equalsIgnoreCase(id.trim())) {
        return network;
      }
    }
    throw new IllegalArgumentException(
        "bitcoin network must be mainnet, testnet, signet or regtest, but was '" + id + "'");
  }
}
