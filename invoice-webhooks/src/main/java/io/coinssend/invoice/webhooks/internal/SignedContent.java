package io.coinssend.invoice.webhooks.internal;

import java.nio.charset.StandardCharsets;

/**
 * Checks and encodes the two header parts of the Standard Webhooks signed content {@code id.timestamp.body}.
 * Thread-safe (stateless).
 */
public final class SignedContent {

  /** The longest webhook id accepted (Svix and Standard Webhooks ids are far shorter). */
  public static final int MAX_ID_LENGTH = 256;

  private SignedContent() {}

  /**
   * Whether {@code id} can be a webhook id: 1 to 256 printable ASCII characters, no space and no {@code '.'} (a dot
   * would make the signed content ambiguous, as the specification warns).
   */
  public static boolean isValidId(String id) {
    int length = id.length();
    if (length == 0 || length > MAX_ID_LENGTH) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      char c = id.charAt(i);
      if (c <= ' ' || c >= 0x7f || c == '.') {
        return false;
      }
    }
    return true;
  }

  /** The id as the ASCII bytes that are signed; the id must satisfy {@link #isValidId}. */
  public static byte[] idBytes(String id) {
    if (!isValidId(id)) {
      throw new IllegalArgumentException(
          "a webhook id must be 1 to 256 printable ASCII characters without spaces or dots");
    }
    return id.getBytes(StandardCharsets.US_ASCII);
  }

  /** The decimal ASCII bytes of a Unix time in seconds. */
  public static byte[] timestampBytes(long timestamp) {
    if (timestamp < 0) {
      throw new IllegalArgumentException("a webhook timestamp must not be negative, but was " + timestamp);
    }
    return Long.toString(timestamp).getBytes(StandardCharsets.US_ASCII);
  }
}
