package io.coinssend.invoice.bitcoin.internal;

import io.coinssend.invoice.bitcoin.BitcoinNetwork;
import org.bitcoinj.core.NetworkParameters;

/** Maps the public {@link BitcoinNetwork} to bitcoinj's network. */
public final class Networks {

  private Networks() {}

  /** bitcoinj's network for {@code network}. */
  public static org.bitcoinj.base.BitcoinNetwork bitcoinj(BitcoinNetwork network) {
    return switch (network) {
      case MAINNET -> org.bitcoinj.base.BitcoinNetwork.MAINNET;
      case TESTNET -> org.bitcoinj.base.BitcoinNetwork.TESTNET;
      case SIGNET -> org.bitcoinj.base.BitcoinNetwork.SIGNET;
      case REGTEST -> org.bitcoinj.base.BitcoinNetwork.REGTEST;
    };
  }

  /** The hash of the network's genesis block, as explorers print it. */
  public static String genesisHash(BitcoinNetwork network) {
    return NetworkParameters.of(bitcoinj(network)).getGenesisBlock().getHashAsString();
  }

  /** Genesis of testnet4 (BIP94), which bitcoinj 0.17 does not know; testnet3's comes from bitcoinj. */
  public static final String TESTNET4_GENESIS = "00000000da84f2bafbbc53dee25a72ae507ff4914b867c565be350b0da8bf043";

  /** Whether a node reporting {@code chain} (Bitcoin Core's {@code getblockchaininfo.chain}) serves {@code network}. */
  public static boolean coreChainMatches(String chain, BitcoinNetwork network) {
    return switch (network) {
      case MAINNET -> "main".equals(chain);
      case TESTNET -> "test".equals(chain) || "testnet4".equals(chain);
      case SIGNET -> "signet".equals(chain);
      case REGTEST -> "regtest".equals(chain);
    };
  }
}
