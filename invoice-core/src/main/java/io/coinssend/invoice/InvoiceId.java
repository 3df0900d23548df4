package io.coinssend.invoice;

import static java.util.Objects.requireNonNull;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.regex.Pattern;

/**
 * The identifier of an invoice. Generated ids are {@code inv_} followed by 26 lower-case base32 characters whose
 * first ten encode the creation millisecond, so ids sort in creation order.
 *
 * @param value the identifier, 1-64 letters, digits, {@code _} or {@code -}
 */
public record InvoiceId(String value) implements Comparable<InvoiceId> {

  private static final Pattern VALID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  private static final char[] BASE32 = "0123456789abcdefghjkmnpqrstvwxyz".toCharArray();
  private static final SecureRandom RANDOM = new SecureRandom();

  public InvoiceId {
    requireNonNull(value, "value");
    if (!VALID.matcher(value).matches()) {
      throw new IllegalArgumentException(
          "invoice id must be 1-64 letters, digits, '_' or '-', but was '" + shorten(value) + "'");
    }
  }

  public static InvoiceId of(String value) {
    return new InvoiceId(value);
  }

  /** A new random id that sorts after ids generated at earlier milliseconds. */
  public static InvoiceId generate(Instant now) {
    long millis = now.toEpochMilli();
    char[] out = new char[26];
    for (int i = 9; i >= 0; i--) {
      out[i] = BASE32[(int) (millis & 31)];
      millis >>>= 5;
    }
    byte[] random = new byte[10];
    RANDOM.nextBytes(random);
    long bits = 0;
    int bitCount = 0;
    int pos = 10;
    for (byte b : random) {
      bits = (bits << 8) | (b & 0xff);
      bitCount += 8;
      while (bitCount >= 5) {
        bitCount -= 5;
        out[pos++] = BASE32[(int) ((bits >>> bitCount) & 31)];
      }
    }
    return new InvoiceId("inv_" + new String(out));
  }

  private static String shorten(String text) {
    return text.length() <= 70 ? text : text.substring(0, 67) + "...";
  }

  @Override
  public int compareTo(InvoiceId other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
