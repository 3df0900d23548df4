package io.coinssend.invoice.evm;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;
import org.web3j.crypto.Keys;

/**
 * A 20-byte EVM account address, held in its EIP-55 mixed-case checksum form ({@code 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed}).
 *
 * <p>{@link #parse} accepts user input: {@code 0x} and 40 hex digits, all lower case, all upper case, or mixed case
 * that must match the EIP-55 checksum (a mistyped address is then caught). Immutable and thread-safe.
 *
 * @param value the address in EIP-55 form
 */
public record EvmAddress(String value) {

  private static final Pattern HEX40 = Pattern.compile("0x[0-9a-fA-F]{40}");

  public EvmAddress {
    requireNonNull(value, "value");
    if (!HEX40.matcher(value).matches() || !Keys.toChecksumAddress(value).equals(value)) {
      throw new IllegalArgumentException("not an EIP-55 checksummed address: '" + abbreviate(value) + "'");
    }
  }

  /**
   * Parses an address given by a person or a config file.
   *
   * @throws IllegalArgumentException if the text is not {@code 0x} and 40 hex digits, or is mixed case with a wrong
   *     EIP-55 checksum
   */
  public static EvmAddress parse(String text) {
    requireNonNull(text, "text");
    if (!HEX40.matcher(text).matches()) {
      throw new IllegalArgumentException(
          "an EVM address is 0x followed by 40 hex digits, but was '" + abbreviate(text) + "'");
    }
    String checksummed = Keys.toChecksumAddress(text);
    String digits = text.substring(2);
    boolean singleCase = digits.equals(digits.toLowerCase(Locale.ROOT)) || digits.equals(digits.toUpperCase(Locale.ROOT));
    if (!singleCase && !checksummed.equals(text)) {
      throw new IllegalArgumentException("address " + text + " has a wrong EIP-55 checksum (mixed case must match "
          + checksummed + "); check it was copied correctly");
    }
    return new EvmAddress(checksummed);
  }

  /** Whether {@link #parse} accepts {@code text}. */
  public static boolean isValid(String text) {
    try {
      parse(text);
      return true;
    } catch (IllegalArgumentException | NullPointerException e) {
      return false;
    }
  }

  /**
   * The address of 20 bytes.
   *
   * @throws IllegalArgumentException if {@code bytes} is not 20 bytes long
   */
  public static EvmAddress ofBytes(byte[] bytes) {
    requireNonNull(bytes, "bytes");
    if (bytes.length != 20) {
      throw new IllegalArgumentException("an EVM address has 20 bytes, but got " + bytes.length);
    }
    return new EvmAddress(Keys.toChecksumAddress(HexFormat.of().formatHex(bytes)));
  }

  /**
   * The address of a secp256k1 public key: the last 20 bytes of the Keccak-256 of its 64-byte X‖Y.
   *
   * @param uncompressed the uncompressed public key, 65 bytes starting with {@code 04} (or 64 bytes without it)
   * @throws IllegalArgumentException if the key has another length or prefix
   */
  public static EvmAddress ofPublicKey(byte[] uncompressed) {
    requireNonNull(uncompressed, "uncompressed");
    byte[] xy;
    if (uncompressed.length == 65 && uncompressed[0] == 0x04) {
      xy = Arrays.copyOfRange(uncompressed, 1, 65);
    } else if (uncompressed.length == 64) {
      xy = uncompressed;
    } else {
      throw new IllegalArgumentException("an uncompressed public key has 65 bytes starting with 04, or 64 bytes");
    }
    return ofBytes(Keys.getAddress(xy));
  }

  /** The address in lower case, as JSON-RPC nodes print it. */
  public String toLowerCase() {
    return value.toLowerCase(Locale.ROOT);
  }

  /** The 20 bytes. */
  public byte[] toBytes() {
    return HexFormat.of().parseHex(value.substring(2));
  }

  /** The EIP-55 form. */
  @Override
  public String toString() {
    return value;
  }

  private static String abbreviate(String text) {
    return text.length() <= 50 ? text : text.substring(0, 47) + "...";
  }
}
