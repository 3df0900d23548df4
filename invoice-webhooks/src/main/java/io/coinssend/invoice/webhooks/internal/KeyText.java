package io.coinssend.invoice.webhooks.internal;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Reads and writes the text form of webhook keys ({@code whsec_}, {@code whsk_}, {@code whpk_} followed by
 * base64), and gives keys a short fingerprint for logs. Error messages never repeat the text they were given: it may
 * be a secret. Thread-safe (stateless).
 */
public final class KeyText {

  private KeyText() {}

  /**
   * The bytes of {@code text}, which starts with {@code prefix} (or, if {@code prefixOptional}, may omit it) and
   * continues with standard base64.
   *
   * @param what what the key is, for error messages ("webhook secret")
   * @throws IllegalArgumentException if the text is empty, has another prefix or is not base64; the message never
   *     contains the text
   */
  public static byte[] decode(String text, String prefix, boolean prefixOptional, String what) {
    requireNonNull(text, what);
    String body;
    if (text.startsWith(prefix)) {
      body = text.substring(prefix.length());
    } else if (prefixOptional) {
      body = text;
    } else {
      throw new IllegalArgumentException(what + " must start with " + prefix);
    }
    body = body.strip();
    if (body.isEmpty()) {
      throw new IllegalArgumentException(what + " is empty: nothing follows " + prefix);
    }
    try {
      return Base64.getDecoder().decode(body);
    } catch (IllegalArgumentException e) {
      // The JDK's message quotes the offending character; the text is secret, so say only what is wrong.
      throw new IllegalArgumentException(what + " is not valid base64 after " + prefix);
    }
  }

  /** {@code prefix} followed by the standard base64 of {@code bytes}. */
  public static String encode(String prefix, byte[] bytes) {
    return prefix + Base64.getEncoder().encodeToString(bytes);
  }

  /**
   * Eight hexadecimal characters of SHA-256 over a label and the key: enough to tell keys apart in a log, useless
   * for recovering the key.
   */
  public static String fingerprint(String label, byte[] key) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.update(label.getBytes(StandardCharsets.US_ASCII));
      digest.update((byte) 0);
      byte[] hash = digest.digest(key);
      return HexFormat.of().formatHex(hash, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }
}
