package io.coinssend.invoice.webhooks.internal;

import static java.util.Objects.requireNonNull;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;

/**
 * Ed25519 through the JDK's own provider (Java 15+): conversions between the raw 32-byte keys Standard Webhooks
 * uses and the JDK's key objects, and signing/verifying the signed content {@code id.timestamp.body}.
 *
 * <p>The conversions only add or strip the fixed DER headers of RFC 8410 (PKCS#8 for the private seed, X.509
 * SubjectPublicKeyInfo for the public key); all cryptography is the JDK's. Thread-safe.
 */
public final class Ed25519 {

  /** Raw key sizes (RFC 8032): a 32-byte private seed, a 32-byte public key, a 64-byte signature. */
  public static final int SEED_LENGTH = 32;

  public static final int PUBLIC_KEY_LENGTH = 32;
  public static final int SIGNATURE_LENGTH = 64;

  private static final String ALGORITHM = "Ed25519";
  // RFC 8410 section 7: SEQUENCE { INTEGER 0, SEQUENCE { OID 1.3.101.112 }, OCTET STRING { OCTET STRING (32) } }
  private static final byte[] PKCS8_PREFIX = hex("302e020100300506032b657004220420");
  // RFC 8410 section 4: SEQUENCE { SEQUENCE { OID 1.3.101.112 }, BIT STRING (33: 0 unused bits + 32) }
  private static final byte[] X509_PREFIX = hex("302a300506032b6570032100");

  private static final ThreadLocal<Signature> SIGNATURES = ThreadLocal.withInitial(Ed25519::newSignature);

  private Ed25519() {}

  /** A JDK private key for the 32-byte seed. */
  public static PrivateKey privateKey(byte[] seed) {
    requireNonNull(seed, "seed");
    if (seed.length != SEED_LENGTH) {
      throw new IllegalArgumentException("an Ed25519 private seed has 32 bytes, but this one has " + seed.length);
    }
    byte[] der = concat(PKCS8_PREFIX, seed);
    try {
      return factory().generatePrivate(new PKCS8EncodedKeySpec(der));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("the Ed25519 private seed was refused by the JDK");
    } finally {
      Arrays.fill(der, (byte) 0);
    }
  }

  /** A JDK public key for the 32-byte raw public key. */
  public static PublicKey publicKey(byte[] raw) {
    requireNonNull(raw, "raw");
    if (raw.length != PUBLIC_KEY_LENGTH) {
      throw new IllegalArgumentException("an Ed25519 public key has 32 bytes, but this one has " + raw.length);
    }
    try {
      return factory().generatePublic(new X509EncodedKeySpec(concat(X509_PREFIX, raw)));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("not a valid Ed25519 public key (" + e.getClass().getSimpleName() + ")");
    }
  }

  /** The 32-byte raw form of a JDK Ed25519 public key. */
  public static byte[] raw(PublicKey key) {
    byte[] der = key.getEncoded();
    if (der == null || der.length != X509_PREFIX.length + PUBLIC_KEY_LENGTH
        || !Arrays.equals(der, 0, X509_PREFIX.length, X509_PREFIX, 0, X509_PREFIX.length)) {
      throw new IllegalArgumentException("not an Ed25519 public key in X.509 form");
    }
    return Arrays.copyOfRange(der, X509_PREFIX.length, der.length);
  }

  /** The 32-byte seed of a JDK Ed25519 private key. */
  public static byte[] seed(PrivateKey key) {
    byte[] der = key.getEncoded();
    try {
      if (der == null || der.length != PKCS8_PREFIX.length + SEED_LENGTH
          || !Arrays.equals(der, 0, PKCS8_PREFIX.length, PKCS8_PREFIX, 0, PKCS8_PREFIX.length)) {
        throw new IllegalArgumentException("not an Ed25519 private key in PKCS#8 form");
      }
      return Arrays.copyOfRange(der, PKCS8_PREFIX.length, der.length);
    } finally {
      if (der != null) {
        Arrays.fill(der, (byte) 0);
      }
    }
  }

  /** A fresh key pair from the JDK's default secure random source. */
  public static KeyPair generate() {
    try {
      return KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK offers no Ed25519 (Java 15 or newer is required)", e);
    }
  }

  /** Signs arbitrary bytes (used to check that a private and a public key belong together, and by tests). */
  public static byte[] sign(PrivateKey key, byte[] message) {
    Signature signature = SIGNATURES.get();
    try {
      signature.initSign(key);
      signature.update(message);
      return signature.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 signing failed (" + e.getClass().getSimpleName() + ")");
    }
  }

  /** The Ed25519 signature of {@code id + "." + timestamp + "." + body}. */
  public static byte[] sign(PrivateKey key, byte[] id, byte[] timestamp, byte[] body) {
    Signature signature = SIGNATURES.get();
    try {
      signature.initSign(key);
      feed(signature, id, timestamp, body);
      return signature.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 signing failed (" + e.getClass().getSimpleName() + ")");
    }
  }

  /** Whether {@code candidate} is a valid signature of arbitrary bytes by {@code key}. */
  public static boolean verify(PublicKey key, byte[] message, byte[] candidate) {
    Signature signature = SIGNATURES.get();
    try {
      signature.initVerify(key);
      signature.update(message);
      return signature.verify(candidate);
    } catch (SignatureException e) {
      return false; // malformed signature bytes
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 verification failed (" + e.getClass().getSimpleName() + ")");
    }
  }

  /** Whether {@code candidate} is a valid signature of {@code id.timestamp.body} by {@code key}. */
  public static boolean verify(PublicKey key, byte[] id, byte[] timestamp, byte[] body, byte[] candidate) {
    if (candidate.length != SIGNATURE_LENGTH) {
      return false;
    }
    Signature signature = SIGNATURES.get();
    try {
      signature.initVerify(key);
      feed(signature, id, timestamp, body);
      return signature.verify(candidate);
    } catch (SignatureException e) {
      return false;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 verification failed (" + e.getClass().getSimpleName() + ")");
    }
  }

  private static void feed(Signature signature, byte[] id, byte[] timestamp, byte[] body) throws SignatureException {
    signature.update(id);
    signature.update((byte) '.');
    signature.update(timestamp);
    signature.update((byte) '.');
    signature.update(body);
  }

  private static Signature newSignature() {
    try {
      return Signature.getInstance(ALGORITHM);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK offers no Ed25519 (Java 15 or newer is required)", e);
    }
  }

  private static KeyFactory factory() throws NoSuchAlgorithmException {
    return KeyFactory.getInstance(ALGORITHM);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static byte[] hex(String hex) {
    return java.util.HexFormat.of().parseHex(hex);
  }
}
