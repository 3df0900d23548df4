package io.coinssend.invoice.bitcoin.internal;

import static java.util.Objects.requireNonNull;

import io.coinssend.invoice.bitcoin.AddressType;
import io.coinssend.invoice.bitcoin.BitcoinNetwork;
import java.util.HexFormat;
import java.util.Optional;
import org.bitcoinj.base.Base58;
import org.bitcoinj.base.exceptions.AddressFormatException;
import org.bitcoinj.crypto.DeterministicKey;

/**
 * Strict parsing of BIP32 extended public keys. bitcoinj accepts private keys and two of the BIP32 test vector 5
 * keys, and its messages do not say what is wrong; every check it skips is made here first, and every message says
 * what is wrong without repeating the key.
 */
public final class ExtendedKeys {

  private ExtendedKeys() {}

  /** What a serialized extended key's four version bytes declare (SLIP-132). */
  private enum Version {
    XPUB(0x0488B21E, "xpub", true, false, true, null),
    XPRV(0x0488ADE4, "xprv", true, true, true, null),
    YPUB(0x049D7CB2, "ypub", true, false, false, null),
    YPRV(0x049D7878, "yprv", true, true, false, null),
    ZPUB(0x04B24746, "zpub", true, false, true, AddressType.P2WPKH),
    ZPRV(0x04B2430C, "zprv", true, true, true, AddressType.P2WPKH),
    YPUB_MULTISIG(0x0295B43F, "Ypub", true, false, false, null),
    ZPUB_MULTISIG(0x02AA7ED3, "Zpub", true, false, false, null),
    TPUB(0x043587CF, "tpub", false, false, true, null),
    TPRV(0x04358394, "tprv", false, true, true, null),
    UPUB(0x044A5262, "upub", false, false, false, null),
    UPRV(0x044A4E28, "uprv", false, true, false, null),
    VPUB(0x045F1CF6, "vpub", false, false, true, AddressType.P2WPKH),
    VPRV(0x045F18BC, "vprv", false, true, true, AddressType.P2WPKH),
    UPUB_MULTISIG(0x024289EF, "Upub", false, false, false, null),
    VPUB_MULTISIG(0x02575483, "Vpub", false, false, false, null);

    final int bytes;
    final String prefix;
    final boolean mainnet;
    final boolean isPrivate;
    final boolean supported;
    final AddressType declared;

    Version(int bytes, String prefix, boolean mainnet, boolean isPrivate, boolean supported, AddressType declared) {
      this.bytes = bytes;
      this.prefix = prefix;
      this.mainnet = mainnet;
      this.isPrivate = isPrivate;
      this.supported = supported;
      this.declared = declared;
    }

    static Optional<Version> of(int bytes) {
      for (Version version : values()) {
        if (version.bytes == bytes) {
          return Optional.of(version);
        }
      }
      return Optional.empty();
    }
  }

  /**
   * A parsed extended public key.
   *
   * @param key the key, public only
   * @param prefix how it was written ({@code xpub}, {@code zpub}, {@code tpub} or {@code vpub})
   * @param declaredType the address type its version declares ({@code zpub}/{@code vpub}: P2WPKH), if any
   */
  public record Parsed(DeterministicKey key, String prefix, Optional<AddressType> declaredType) {
    public Parsed {
      requireNonNull(key, "key");
      requireNonNull(prefix, "prefix");
      requireNonNull(declaredType, "declaredType");
    }
  }

  /**
   * Parses an account-level extended public key for {@code network}.
   *
   * @throws IllegalArgumentException saying what is wrong: not Base58Check, a private key, a key of another network,
   *     an unsupported or unknown version, or an invalid key (the BIP32 test vector 5 cases)
   */
  public static Parsed parse(String text, BitcoinNetwork network) {
    requireNonNull(text, "extended public key");
    requireNonNull(network, "network");
    String trimmed = text.strip();
    byte[] data;
    try {
      data = Base58.decodeChecked(trimmed);
    } catch (AddressFormatException e) {
      throw new IllegalArgumentException("not a valid extended public key: its Base58Check encoding or checksum is"
          + " wrong (" + e.getMessage() + "); check for a typo or a truncated key");
    }
    if (data.length != 78) {
      throw new IllegalArgumentException(
          "not a valid extended public key: it must decode to 78 bytes, but decoded to " + data.length);
    }
    int versionBytes = readInt(data, 0);
    Version version = Version.of(versionBytes).orElseThrow(() -> new IllegalArgumentException(
        "not a valid extended public key: unknown version bytes 0x" + String.format("%08x", versionBytes)
            + "; expected " + expected(network)));
    if (version.isPrivate) {
      throw new IllegalArgumentException("this is an extended private key (" + version.prefix + "); the invoice"
          + " engine is watch-only and accepts only the account's extended public key (" + expected(network)
          + "). Do not share a private key; export the public key from the wallet instead");
    }
    if (!version.supported) {
      throw new IllegalArgumentException(version.prefix + " keys (nested segwit P2SH-P2WPKH or multisig) are not"
          + " supported; give the account key as " + expected(network));
    }
    boolean wantMainnet = network == BitcoinNetwork.MAINNET;
    if (version.mainnet != wantMainnet) {
      throw new IllegalArgumentException("this is a " + (version.mainnet ? "mainnet" : "testnet/signet/regtest")
          + " key (" + version.prefix + ") but the watcher is configured for " + network.id() + "; give a key of "
          + network.id() + " (" + expected(network) + ")");
    }
    int depth = data[4] & 0xff;
    int parentFingerprint = readInt(data, 5);
    int childNumber = readInt(data, 9);
    int keyPrefix = data[45] & 0xff;
    if (keyPrefix == 0x00) {
      throw new IllegalArgumentException("not a valid extended public key: its version says public (" + version.prefix
          + ") but it holds private key data (BIP32: pubkey version / prvkey mismatch)");
    }
    if (keyPrefix != 0x02 && keyPrefix != 0x03) {
      throw new IllegalArgumentException("not a valid extended public key: the public key starts with 0x"
          + String.format("%02x", keyPrefix) + ", but a compressed public key starts with 02 or 03"
          + " (BIP32: invalid pubkey prefix)");
    }
    if (depth == 0 && parentFingerprint != 0) {
      throw new IllegalArgumentException("not a valid extended public key: depth 0 (a master key) with a non-zero"
          + " parent fingerprint " + String.format("%08x", parentFingerprint));
    }
    if (depth == 0 && childNumber != 0) {
      throw new IllegalArgumentException("not a valid extended public key: depth 0 (a master key) with a non-zero"
          + " child index " + Integer.toUnsignedString(childNumber));
    }
    DeterministicKey key;
    try {
      // bitcoinj's signet parameters know tpub but not vpub; signet uses testnet's version bytes, and the key does not
      // keep its network, so testnet's parameters read it the same.
      BitcoinNetwork readAs = network == BitcoinNetwork.SIGNET ? BitcoinNetwork.TESTNET : network;
      key = DeterministicKey.deserializeB58(trimmed, Networks.bitcoinj(readAs));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not a valid extended public key: " + describe(e));
    }
    if (!key.isPubKeyOnly()) {
      throw new IllegalArgumentException(
          "this is an extended private key; the invoice engine accepts only public keys");
    }
    return new Parsed(key, version.prefix, Optional.ofNullable(version.declared));
  }

  private static String describe(RuntimeException e) {
    String message = e.getMessage();
    if (message == null || message.matches("[0-9a-fA-F]{16,}")) {
      return "the public key is not a valid point on secp256k1";
    }
    return message;
  }

  private static String expected(BitcoinNetwork network) {
    return network == BitcoinNetwork.MAINNET ? "xpub or zpub" : "tpub or vpub";
  }

  private static int readInt(byte[] data, int offset) {
    return (data[offset] & 0xff) << 24 | (data[offset + 1] & 0xff) << 16 | (data[offset + 2] & 0xff) << 8
        | (data[offset + 3] & 0xff);
  }

  /** The BIP32 fingerprint of {@code key} (first 4 bytes of HASH160 of its public key), as 8 hex digits. */
  public static String fingerprint(DeterministicKey key) {
    return HexFormat.of().formatHex(key.getIdentifier(), 0, 4);
  }
}
