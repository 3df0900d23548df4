package io.coinssend.invoice.bitcoin.internal;

import static java.util.Objects.requireNonNull;

import io.coinssend.invoice.bitcoin.AddressType;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.bitcoinj.base.Address;
import org.bitcoinj.base.Network;
import org.bitcoinj.base.ScriptType;
import org.bitcoinj.base.SegwitAddress;
import org.bitcoinj.crypto.ChildNumber;
import org.bitcoinj.crypto.DeterministicKey;
import org.bitcoinj.crypto.ECKey;
import org.bitcoinj.crypto.HDKeyDerivation;
import org.bitcoinj.script.ScriptBuilder;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.math.ec.ECPoint;

/** Non-hardened child derivation and addresses of every supported type, with the BIP86 taproot tweak. */
public final class Derivation {

  /** The largest non-hardened child index. */
  public static final long MAX_INDEX = Integer.MAX_VALUE;

  private static final byte[] TAP_TWEAK_TAG = sha256("TapTweak".getBytes(StandardCharsets.US_ASCII));

  private Derivation() {}

  /**
   * The non-hardened child {@code index} of {@code parent}.
   *
   * @throws IllegalArgumentException if the index is negative or above {@link #MAX_INDEX}
   */
  public static DeterministicKey child(DeterministicKey parent, long index) {
    requireNonNull(parent, "parent");
    if (index < 0 || index > MAX_INDEX) {
      throw new IllegalArgumentException(
          "derivation index must be between 0 and " + MAX_INDEX + " (non-hardened), but was " + index);
    }
    return HDKeyDerivation.deriveChildKey(parent, new ChildNumber((int) index, false));
  }

  /** The address of {@code key} of {@code type} on {@code network}. */
  public static Address address(ECKey key, AddressType type, Network network) {
    return switch (type) {
      case P2WPKH -> key.toAddress(ScriptType.P2WPKH, network);
      case P2PKH -> key.toAddress(ScriptType.P2PKH, network);
      case P2TR -> SegwitAddress.fromProgram(network, 1, taprootOutputKey(key.getPubKey()));
    };
  }

  /** The output script (scriptPubKey) paying {@code address}. */
  public static byte[] outputScript(Address address) {
    return ScriptBuilder.createOutputScript(address).program();
  }

  /**
   * The BIP86 taproot output key (x-only, 32 bytes) of a key-path-only output for the compressed public key
   * {@code publicKey}: Q = P + int(hashTapTweak(x(P)))·G, with P lifted to even Y (BIP341).
   */
  public static byte[] taprootOutputKey(byte[] publicKey) {
    ECDomainParameters curve = ECKey.ecDomainParameters();
    ECPoint p = curve.getCurve().decodePoint(publicKey).normalize();
    if (p.getAffineYCoord().testBitZero()) {
      p = p.negate().normalize();
    }
    byte[] x = p.getAffineXCoord().getEncoded();
    MessageDigest digest = newSha256();
    digest.update(TAP_TWEAK_TAG);
    digest.update(TAP_TWEAK_TAG);
    digest.update(x);
    BigInteger t = new BigInteger(1, digest.digest());
    if (t.compareTo(curve.getN()) >= 0) {
      throw new IllegalArgumentException("the taproot tweak of this key is out of range (BIP341); use another index");
    }
    ECPoint q = p.add(curve.getG().multiply(t)).normalize();
    if (q.isInfinity()) {
      throw new IllegalArgumentException("the taproot output key of this key is infinity (BIP341); use another index");
    }
    return q.getAffineXCoord().getEncoded();
  }

  private static byte[] sha256(byte[] data) {
    return newSha256().digest(data);
  }

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }
}
