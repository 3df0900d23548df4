package io.coinssend.invoice.evm;

import static java.util.Objects.requireNonNull;

import java.util.Locale;
import org.bitcoinj.base.BitcoinNetwork;
import org.bitcoinj.crypto.ChildNumber;
import org.bitcoinj.crypto.DeterministicKey;
import org.bitcoinj.crypto.HDKeyDerivation;

/**
 * An EVM account's extended public key, exported at {@code m/44'/60'/N'} (BIP44, coin type 60), from which one
 * receiving address per invoice is derived on the receive branch: {@code m/44'/60'/N'/0/i}.
 *
 * <p>Watch-only: private extended keys ({@code xprv}, {@code tprv}...) are refused, and so are keys that are not at
 * the account level (depth 3, hardened). The derivation is bitcoinj's BIP32 public derivation; the address is the
 * Keccak-256 of the child's public key (web3j), printed EIP-55. Immutable and thread-safe. {@link #toString()}
 * shows the fingerprint only.
 */
public final class EvmAccountKey {

  /** The largest derivation index (non-hardened BIP32 children). */
  public static final long MAX_INDEX = Integer.MAX_VALUE;

  private final DeterministicKey receiveBranch;
  private final String fingerprint;

  private EvmAccountKey(DeterministicKey account) {
    this.fingerprint = String.format(Locale.ROOT, "%08x", account.getFingerprint());
    this.receiveBranch = HDKeyDerivation.deriveChildKey(account, ChildNumber.ZERO);
  }

  /**
   * Parses an account-level extended public key ({@code xpub…}; {@code tpub…} is accepted too, the key material
   * being the same on every EVM chain).
   *
   * @throws IllegalArgumentException if it is a private key, malformed, of another kind (ypub, zpub...), or not an
   *     account-level key; the message never repeats the key
   */
  public static EvmAccountKey parse(String extendedPublicKey) {
    requireNonNull(extendedPublicKey, "extendedPublicKey");
    String text = extendedPublicKey.strip();
    String prefix = text.length() >= 4 ? text.substring(0, 4) : text;
    if (prefix.length() == 4 && prefix.endsWith("prv")) {
      throw new IllegalArgumentException("a " + prefix + " is a private key; this library is watch-only: give the"
          + " account's extended public key (xpub) exported at m/44'/60'/0'");
    }
    BitcoinNetwork network;
    if (prefix.equals("xpub")) {
      network = BitcoinNetwork.MAINNET;
    } else if (prefix.equals("tpub")) {
      network = BitcoinNetwork.TESTNET;
    } else {
      throw new IllegalArgumentException("expected an extended public key starting with xpub (or tpub), but it starts"
          + " with '" + prefix + "'; ypub/zpub keys are bitcoin script-type keys, not EVM account keys");
    }
    DeterministicKey key;
    try {
      key = DeterministicKey.deserializeB58(text, network);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not a valid extended public key: " + e.getMessage(), e);
    }
    if (!key.isPubKeyOnly()) {
      throw new IllegalArgumentException("the key holds a private key; this library is watch-only: give the"
          + " account's extended public key (xpub)");
    }
    if (key.getDepth() != 3 || !key.getChildNumber().isHardened()) {
      throw new IllegalArgumentException("expected an account-level key exported at m/44'/60'/N' (depth 3, hardened),"
          + " but the key has depth " + key.getDepth() + " and child " + key.getChildNumber());
    }
    return new EvmAccountKey(key);
  }

  /**
   * The receiving address at {@code m/44'/60'/N'/0/index}.
   *
   * @throws IllegalArgumentException if {@code index} is negative or above {@link #MAX_INDEX}
   */
  public EvmAddress address(long index) {
    if (index < 0 || index > MAX_INDEX) {
      throw new IllegalArgumentException("derivation index must be between 0 and " + MAX_INDEX + ", but was " + index);
    }
    DeterministicKey child = HDKeyDerivation.deriveChildKey(receiveBranch, new ChildNumber((int) index, false));
    return EvmAddress.ofPublicKey(child.decompress().getPubKey());
  }

  /** The BIP32 fingerprint of the account key (first 4 bytes of its HASH160), 8 hex digits; not secret. */
  public String fingerprint() {
    return fingerprint;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof EvmAccountKey k && k.receiveBranch.equals(receiveBranch);
  }

  @Override
  public int hashCode() {
    return receiveBranch.hashCode();
  }

  @Override
  public String toString() {
    return "EvmAccountKey[fingerprint " + fingerprint + "]";
  }
}
