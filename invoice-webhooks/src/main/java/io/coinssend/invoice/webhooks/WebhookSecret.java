package io.coinssend.invoice.webhooks;

import static java.util.Objects.requireNonNull;

import io.coinssend.invoice.webhooks.internal.HmacKey;
import io.coinssend.invoice.webhooks.internal.KeyText;
import java.security.MessageDigest;
import java.security.SecureRandom;

/**
 * A symmetric Standard Webhooks key for scheme {@code v1} (HMAC-SHA256), written {@code whsec_} followed by the
 * base64 of 24 to 64 random bytes.
 *
 * <p>Immutable and thread-safe. {@link #toString()}, exception messages and logs never show the key, only a short
 * fingerprint; {@link #reveal()} is the one way to read it back (to hand it to the receiver once). Null arguments
 * throw {@link NullPointerException}.
 */
public final class WebhookSecret {

  /** The text prefix of a symmetric key. */
  public static final String PREFIX = "whsec_";
  /** The fewest key bytes accepted (the specification's minimum). */
  public static final int MIN_BYTES = 24;
  /** The most key bytes accepted (the specification's maximum). */
  public static final int MAX_BYTES = 64;
  /** The size of a generated key. */
  public static final int GENERATED_BYTES = 32;

  private static final SecureRandom RANDOM = new SecureRandom();

  private final byte[] key;
  private final HmacKey hmac;
  private final String fingerprint;

  private WebhookSecret(byte[] key) {
    if (key.length < MIN_BYTES || key.length > MAX_BYTES) {
      throw new IllegalArgumentException("a webhook secret must have " + MIN_BYTES + " to " + MAX_BYTES
          + " bytes, but this one has " + key.length);
    }
    this.key = key;
    this.hmac = new HmacKey(key);
    this.fingerprint = KeyText.fingerprint("whsec", key);
  }

  /**
   * Reads a secret written {@code whsec_<base64>}; the prefix may be left out.
   *
   * @throws IllegalArgumentException if the text is empty ({@code whsec_} alone), not base64, or the key is shorter
   *     than 24 or longer than 64 bytes; the message never repeats the text
   */
  public static WebhookSecret parse(String text) {
    return new WebhookSecret(KeyText.decode(text, PREFIX, true, "webhook secret"));
  }

  /** A secret with these key bytes (copied). */
  public static WebhookSecret ofBytes(byte[] key) {
    return new WebhookSecret(requireNonNull(key, "key").clone());
  }

  /** A new secret of {@value #GENERATED_BYTES} random bytes from {@link SecureRandom}. */
  public static WebhookSecret generate() {
    byte[] key = new byte[GENERATED_BYTES];
    RANDOM.nextBytes(key);
    return new WebhookSecret(key);
  }

  /** The secret as text, {@code whsec_<base64>}, to give to the receiver. Do not log it. */
  public String reveal() {
    return KeyText.encode(PREFIX, key);
  }

  /** Eight hexadecimal characters that tell secrets apart in logs without revealing them. */
  public String fingerprint() {
    return fingerprint;
  }

  HmacKey hmac() {
    return hmac;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof WebhookSecret that && MessageDigest.isEqual(key, that.key);
  }

  @Override
  public int hashCode() {
    return fingerprint.hashCode();
  }

  @Override
  public String toString() {
    return "WebhookSecret[" + fingerprint + "]";
  }
}
