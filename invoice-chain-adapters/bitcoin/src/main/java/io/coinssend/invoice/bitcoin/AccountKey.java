package io.coinssend.invoice.bitcoin;

import static java.util.Objects.requireNonNull;

import io.coinssend.invoice.bitcoin.internal.Derivation;
import io.coinssend.invoice.bitcoin.internal.ExtendedKeys;
import io.coinssend.invoice.bitcoin.internal.Networks;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bitcoinj.base.Address;
import org.bitcoinj.crypto.DeterministicKey;

/**
 * A merchant's account-level extended public key ({@code xpub}/{@code zpub} on mainnet, {@code tpub}/{@code vpub} on
 * testnet, signet and regtest), from which one receiving address per invoice is derived on the receive branch
 * {@code 0/i}.
 *
 * <p>Parsing is strict: private keys ({@code xprv}…), keys of another network, unsupported versions ({@code ypub},
 * multisig) and malformed keys (the BIP32 test vector 5 cases) are rejected with an {@link IllegalArgumentException}
 * that says what is wrong and never repeats the key. A {@code zpub}/{@code vpub} declares native segwit, so only
 * P2WPKH addresses are derived from it; an {@code xpub}/{@code tpub} gives any {@link AddressType}.
 *
 * <p>Immutable and thread-safe. {@link #toString()} shows the network and fingerprint, not the key (an extended
 * public key reveals every address of the account).
 */
public final class AccountKey {

  private final BitcoinNetwork network;
  private final DeterministicKey key;
  private final DeterministicKey receiveBranch;
  private final String prefix;
  private final Optional<AddressType> declaredType;
  private final String fingerprint;

  private AccountKey(BitcoinNetwork network, ExtendedKeys.Parsed parsed) {
    this.network = network;
    this.key = parsed.key();
    this.receiveBranch = Derivation.child(parsed.key(), 0);
    this.prefix = parsed.prefix();
    this.declaredType = parsed.declaredType();
    this.fingerprint = ExtendedKeys.fingerprint(parsed.key());
  }

  /**
   * Parses an account-level extended public key for {@code network}.
   *
   * @throws IllegalArgumentException if it is not a valid extended public key of that network (see the class
   *     description)
   */
  public static AccountKey parse(String extendedPublicKey, BitcoinNetwork network) {
    requireNonNull(extendedPublicKey, "extendedPublicKey");
    requireNonNull(network, "network");
    return new AccountKey(network, ExtendedKeys.parse(extendedPublicKey, network));
  }

  /** The network this key is for. */
  public BitcoinNetwork network() {
    return network;
  }

  /** How the key was written: {@code xpub}, {@code zpub}, {@code tpub} or {@code vpub}. */
  public String prefix() {
    return prefix;
  }

  /** The address type the key's version declares ({@code zpub}/{@code vpub}: P2WPKH), or empty for any. */
  public Optional<AddressType> declaredType() {
    return declaredType;
  }

  /** The BIP32 fingerprint of this key (the first 4 bytes of HASH160 of its public key), as 8 hex digits. */
  public String fingerprint() {
    return fingerprint;
  }

  /** The depth of this key in its wallet's tree (3 for a BIP44/84/86 account key). */
  public int depth() {
    return key.getDepth();
  }

  /**
   * Checks that {@code type} may be derived from this key.
   *
   * @throws IllegalArgumentException if the key's version declares another type (a zpub asked for P2TR, say)
   */
  public AddressType checkType(AddressType type) {
    requireNonNull(type, "type");
    if (declaredType.isPresent() && declaredType.get() != type) {
      throw new IllegalArgumentException("a " + prefix + " key declares " + declaredType.get().id()
          + " addresses, so its wallet would not see " + type.id() + " payments; give the same account as "
          + (network == BitcoinNetwork.MAINNET ? "xpub" : "tpub") + " to derive " + type.id() + " addresses");
    }
    return type;
  }

  /**
   * The receiving address {@code 0/index} of {@code type}.
   *
   * @throws IllegalArgumentException if the index is negative or hardened (above 2^31 - 1), or the type does not
   *     fit the key ({@link #checkType})
   */
  public String address(AddressType type, long index) {
    checkType(type);
    return bitcoinjAddress(type, index).toString();
  }

  /** The first {@code count} receiving addresses ({@code 0/0} onwards), to check against the merchant's wallet. */
  public List<String> firstAddresses(AddressType type, int count) {
    if (count < 0 || count > 10_000) {
      throw new IllegalArgumentException("count must be between 0 and 10000, but was " + count);
    }
    checkType(type);
    List<String> addresses = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      addresses.add(address(type, i));
    }
    return addresses;
  }

  Address bitcoinjAddress(AddressType type, long index) {
    return Derivation.address(Derivation.child(receiveBranch, index), type, Networks.bitcoinj(network));
  }

  /** The key as a derivation-key component: network, fingerprint; never the key itself. */
  String identity() {
    return network.id() + ":" + fingerprint;
  }

  @Override
  public String toString() {
    return "AccountKey[" + network.id() + ", " + prefix + ", fingerprint " + fingerprint + ", depth " + depth() + "]";
  }
}
