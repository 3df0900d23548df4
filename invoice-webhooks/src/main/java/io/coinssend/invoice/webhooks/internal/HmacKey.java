package io.coinssend.invoice.webhooks.internal;

import static java.util.Objects.requireNonNull;

import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import javax.crypto.Mac;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.SecretKeySpec;

/**
 * An HMAC-SHA256 key that computes the Standard Webhooks v1 MAC of {@code id.timestamp.body} without building the
 * signed content in memory. Each thread reuses its own initialised {@link Mac} (cloned from a prototype), so signing
 * and verifying cost one MAC computation and no key setup. Thread-safe. {@link #toString()} never shows the key.
 */
public final class HmacKey {

  private static final String ALGORITHM = "HmacSHA256";
  /** The length of an HMAC-SHA256 output. */
  public static final int MAC_LENGTH = 32;

  private final Mac prototype;
  private final ThreadLocal<Mac> macs;

  /** A key over {@code key}, which is copied; the caller may wipe its array afterwards. */
  public HmacKey(byte[] key) {
    requireNonNull(key, "key");
    if (key.length == 0) {
      throw new IllegalArgumentException("an HMAC key must not be empty");
    }
    SecretKeySpec spec = new SecretKeySpec(key, ALGORITHM);
    this.prototype = newMac(spec);
    this.macs = ThreadLocal.withInitial(() -> copy(prototype, spec));
  }

  private static Mac newMac(SecretKeySpec spec) {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(spec);
      return mac;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("HmacSHA256 is required of every Java platform", e);
    } catch (InvalidKeyException e) {
      // The message of a provider's key exception could describe the key; keep only the type.
      throw new IllegalArgumentException("the HMAC key was refused by the JDK (" + e.getClass().getSimpleName() + ")");
    }
  }

  private static Mac copy(Mac prototype, SecretKeySpec spec) {
    try {
      return (Mac) prototype.clone();
    } catch (CloneNotSupportedException e) {
      return newMac(spec);
    }
  }

  /** The MAC of {@code id + "." + timestamp + "." + body}, where the three parts are already bytes. */
  public byte[] mac(byte[] id, byte[] timestamp, byte[] body) {
    Mac mac = macs.get();
    mac.update(id);
    mac.update((byte) '.');
    mac.update(timestamp);
    mac.update((byte) '.');
    mac.update(body);
    return mac.doFinal();
  }

  /**
   * The MAC of {@code signed[0, signedLength)} followed by {@code body}, written to {@code out[0, MAC_LENGTH)}: the
   * verifier's path, where {@code signed} already holds {@code id.timestamp.} and nothing is allocated.
   *
   * @throws IllegalArgumentException if {@code out} is shorter than {@link #MAC_LENGTH}
   */
  public void mac(byte[] signed, int signedLength, byte[] body, byte[] out) {
    Mac mac = macs.get();
    mac.update(signed, 0, signedLength);
    mac.update(body);
    try {
      mac.doFinal(out, 0);
    } catch (ShortBufferException e) {
      throw new IllegalArgumentException("an HMAC-SHA256 output needs " + MAC_LENGTH + " bytes", e);
    }
  }

  @Override
  public String toString() {
    return "HmacKey[redacted]";
  }
}
