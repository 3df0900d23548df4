package io.coinssend.invoice.webhooks;

import static java.util.Objects.requireNonNull;

import io.coinssend.invoice.webhooks.internal.Ed25519;
import io.coinssend.invoice.webhooks.internal.KeyText;
import java.security.PublicKey;
import java.util.Arrays;

/**
 * The public half of an Ed25519 key for scheme {@code v1a}, written {@code whpk_} followed by the base64 of its 32
 * bytes. A receiver keeps a list of trusted public keys and never takes one from the request itself.
 *
 * <p>Immutable and thread-safe; not secret. Null arguments throw {@link NullPointerException}.
 */
public final class Ed25519PublicKey {

  /** The text prefix of a public key. */
  public static final String PREFIX = "whpk_";

  private final byte[] raw;
  private final PublicKey key;

  private Ed25519PublicKey(byte[] raw) {
    this.key = Ed25519.publicKey(raw);
    this.raw = raw;
  }

  /**
   * Reads a key written {@code whpk_<base64>}.
   *
   * @throws IllegalArgumentException if the prefix is missing, the text is not base64 or not 32 bytes
   */
  public static Ed25519PublicKey parse(String text) {
    return new Ed25519PublicKey(KeyText.decode(text, PREFIX, false, "Ed25519 public key"));
  }

  /** The key with these 32 raw bytes (copied). */
  public static Ed25519PublicKey ofBytes(byte[] raw) {
    return new Ed25519PublicKey(requireNonNull(raw, "raw").clone());
  }

  static Ed25519PublicKey of(PublicKey key) {
    return new Ed25519PublicKey(Ed25519.raw(key));
  }

  /** The key as text, {@code whpk_<base64>}. */
  public String encoded() {
    return KeyText.encode(PREFIX, raw);
  }

  /** The 32 raw bytes (a copy). */
  public byte[] bytes() {
    return raw.clone();
  }

  PublicKey jdkKey() {
    return key;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Ed25519PublicKey that && Arrays.equals(raw, that.raw);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(raw);
  }

  @Override
  public String toString() {
    return "Ed25519PublicKey[" + encoded() + "]";
  }
}
