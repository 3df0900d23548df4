package io.coinssend.invoice.webhooks;

import io.coinssend.invoice.webhooks.internal.Ed25519;
import io.coinssend.invoice.webhooks.internal.KeyText;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.util.Arrays;

/**
 * An Ed25519 signing key for scheme {@code v1a}, written {@code whsk_} followed by the base64 of 64 bytes: the 32-byte
 * private seed, then the 32-byte public key (the layout Svix documents). The public half is published to receivers as
 * {@code whpk_}.
 *
 * <p>Immutable and thread-safe. {@link #toString()}, exception messages and logs never show the private seed;
 * {@link #reveal()} is the one way to read it back. Null arguments throw {@link NullPointerException}.
 */
public final class Ed25519SigningKey {

  /** The text prefix of a signing key. */
  public static final String PREFIX = "whsk_";

  private static final byte[] SELF_TEST = "coinssend key check".getBytes(StandardCharsets.US_ASCII);

  private final byte[] seed;
  private final PrivateKey key;
  private final Ed25519PublicKey publicKey;

  private Ed25519SigningKey(byte[] seed, PrivateKey key, Ed25519PublicKey publicKey) {
    this.seed = seed;
    this.key = key;
    this.publicKey = publicKey;
  }

  /**
   * Reads a key written {@code whsk_<base64 of seed ‖ public key>}.
   *
   * @throws IllegalArgumentException if the prefix is missing, the text is not base64 or not 64 bytes, or the public
   *     half does not belong to the seed; the message never repeats the text
   */
  public static Ed25519SigningKey parse(String text) {
    byte[] bytes = KeyText.decode(text, PREFIX, false, "Ed25519 signing key");
    try {
      if (bytes.length != Ed25519.SEED_LENGTH + Ed25519.PUBLIC_KEY_LENGTH) {
        throw new IllegalArgumentException(
            "an Ed25519 signing key has 64 bytes (seed and public key), but this one has " + bytes.length);
      }
      byte[] seed = Arrays.copyOfRange(bytes, 0, Ed25519.SEED_LENGTH);
      byte[] raw = Arrays.copyOfRange(bytes, Ed25519.SEED_LENGTH, bytes.length);
      return checked(seed, Ed25519PublicKey.ofBytes(raw));
    } finally {
      Arrays.fill(bytes, (byte) 0);
    }
  }

  /** A new random key pair from the JDK. */
  public static Ed25519SigningKey generate() {
    KeyPair pair = Ed25519.generate();
    byte[] seed = Ed25519.seed(pair.getPrivate());
    return new Ed25519SigningKey(seed, pair.getPrivate(), Ed25519PublicKey.of(pair.getPublic()));
  }

  private static Ed25519SigningKey checked(byte[] seed, Ed25519PublicKey publicKey) {
    PrivateKey key = Ed25519.privateKey(seed);
    // The JDK has no call that derives the public key from a seed; a signature check proves the halves match.
    if (!Ed25519.verify(publicKey.jdkKey(), SELF_TEST, Ed25519.sign(key, SELF_TEST))) {
      throw new IllegalArgumentException("the public half of the Ed25519 signing key does not match its seed");
    }
    return new Ed25519SigningKey(seed, key, publicKey);
  }

  /** The public key to give receivers. */
  public Ed25519PublicKey publicKey() {
    return publicKey;
  }

  /** The key as text, {@code whsk_<base64>}. Do not log it. */
  public String reveal() {
    byte[] bytes = Arrays.copyOf(seed, seed.length + Ed25519.PUBLIC_KEY_LENGTH);
    System.arraycopy(publicKey.bytes(), 0, bytes, seed.length, Ed25519.PUBLIC_KEY_LENGTH);
    try {
      return KeyText.encode(PREFIX, bytes);
    } finally {
      Arrays.fill(bytes, (byte) 0);
    }
  }

  PrivateKey jdkKey() {
    return key;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Ed25519SigningKey that && MessageDigest.isEqual(seed, that.seed);
  }

  @Override
  public int hashCode() {
    return publicKey.hashCode();
  }

  @Override
  public String toString() {
    return "Ed25519SigningKey[public " + publicKey.encoded() + "]";
  }
}
