package io.coinssend.invoice.evm;

import static java.util.Objects.requireNonNull;

import io.coinssend.invoice.Asset;
import io.coinssend.invoice.Money;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An EIP-681 payment request: native coin ({@code ethereum:<recipient>@<chainId>?value=<wei>}) or ERC-20 token
 * ({@code ethereum:<token>@<chainId>/transfer?address=<recipient>&uint256=<base units>}).
 *
 * <p>{@link #toString()} writes amounts as plain integers in base units (wallets differ in how they read scientific
 * notation); {@link #parse} also reads the EIP's scientific notation ({@code uint256=1e6}). EIP-681 has no label or
 * message parameters, so none are written. Immutable and thread-safe.
 *
 * @param chainId the EIP-155 chain id
 * @param recipient who is paid
 * @param token the ERC-20 contract, empty for the native coin
 * @param units the amount in base units (wei, or the token's smallest unit), positive
 */
public record EvmPaymentUri(long chainId, EvmAddress recipient, Optional<EvmAddress> token, BigInteger units) {

  /** The URI scheme. */
  public static final String SCHEME = "ethereum";

  private static final int MAX_LENGTH = 2000;
  private static final Pattern URI = Pattern.compile(
      "(?i:ethereum):(?:pay-)?(0x[0-9a-fA-F]{40})(?:@([1-9][0-9]{0,18}))?(?:/([A-Za-z_][A-Za-z0-9_]*))?(?:\\?(.*))?");
  private static final Pattern NUMBER = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(?:[eE]([0-9]{1,3}))?");
  private static final BigInteger UINT256_MAX = BigInteger.ONE.shiftLeft(256).subtract(BigInteger.ONE);

  public EvmPaymentUri {
    requireNonNull(recipient, "recipient");
    requireNonNull(token, "token");
    requireNonNull(units, "units");
    if (chainId <= 0) {
      throw new IllegalArgumentException("chain id must be positive, but was " + chainId);
    }
    if (units.signum() <= 0 || units.compareTo(UINT256_MAX) > 0) {
      throw new IllegalArgumentException("amount must be a positive uint256, but was " + units);
    }
  }

  /**
   * The request to pay {@code amount} of {@code amount.asset()} to {@code recipient}.
   *
   * @throws IllegalArgumentException if the asset is not on an EVM chain, the address is invalid, or the amount is
   *     zero
   */
  public static EvmPaymentUri of(String recipient, Money amount) {
    requireNonNull(recipient, "recipient");
    requireNonNull(amount, "amount");
    Asset asset = amount.asset();
    EvmChain chain = EvmChain.of(asset);
    Optional<EvmAddress> token = asset.contract().map(EvmAddress::parse);
    return new EvmPaymentUri(chain.chainId(), EvmAddress.parse(recipient), token, amount.units());
  }

  /**
   * Reads a native-coin or ERC-20 {@code transfer} request. A missing {@code @chainId} means chain 1 (as EIP-681
   * says); numbers may use the EIP's scientific notation if the result is an integer.
   *
   * @throws IllegalArgumentException if the URI is not such a request, names another function, lacks the amount or
   *     recipient, or has a non-integer or repeated amount
   */
  public static EvmPaymentUri parse(String uri) {
    requireNonNull(uri, "uri");
    if (uri.length() > MAX_LENGTH) {
      throw new IllegalArgumentException("payment URI is longer than " + MAX_LENGTH + " characters");
    }
    Matcher m = URI.matcher(uri);
    if (!m.matches()) {
      throw new IllegalArgumentException("not an EIP-681 payment URI: '" + abbreviate(uri) + "'");
    }
    EvmAddress target = EvmAddress.parse(m.group(1));
    long chainId = m.group(2) == null ? 1 : Long.parseLong(m.group(2));
    Map<String, String> parameters = parameters(m.group(4));
    String function = m.group(3);
    if (function == null) {
      String value = parameters.get("value");
      if (value == null) {
        throw new IllegalArgumentException("a native payment URI needs value=<wei>: '" + abbreviate(uri) + "'");
      }
      return new EvmPaymentUri(chainId, target, Optional.empty(), number(value));
    }
    if (!function.equals("transfer")) {
      throw new IllegalArgumentException("only the ERC-20 transfer function is supported, not '" + function + "'");
    }
    String address = parameters.get("address");
    String amount = parameters.get("uint256");
    if (address == null || amount == null) {
      throw new IllegalArgumentException(
          "a token transfer URI needs address=<recipient> and uint256=<units>: '" + abbreviate(uri) + "'");
    }
    return new EvmPaymentUri(chainId, EvmAddress.parse(address), Optional.of(target), number(amount));
  }

  private static Map<String, String> parameters(String query) {
    Map<String, String> parameters = new LinkedHashMap<>();
    if (query == null || query.isEmpty()) {
      return parameters;
    }
    for (String pair : query.split("&", -1)) {
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("malformed URI parameter '" + abbreviate(pair) + "'");
      }
      String key = pair.substring(0, eq);
      if (parameters.put(key, pair.substring(eq + 1)) != null) {
        throw new IllegalArgumentException("URI parameter '" + abbreviate(key) + "' is given twice");
      }
    }
    return parameters;
  }

  private static BigInteger number(String text) {
    Matcher m = NUMBER.matcher(text);
    if (!m.matches()) {
      throw new IllegalArgumentException("not an EIP-681 number: '" + abbreviate(text) + "'");
    }
    BigDecimal value = new BigDecimal(m.group(1));
    if (m.group(2) != null) {
      value = value.movePointRight(Integer.parseInt(m.group(2)));
    }
    try {
      return value.toBigIntegerExact();
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("amount " + text + " is not a whole number of base units", e);
    }
  }

  /** Whether this requests a token transfer rather than the native coin. */
  public boolean isToken() {
    return token.isPresent();
  }

  /** The URI, amounts as plain integers. */
  @Override
  public String toString() {
    if (token.isPresent()) {
      return SCHEME + ":" + token.get() + "@" + chainId + "/transfer?address=" + recipient + "&uint256=" + units;
    }
    return SCHEME + ":" + recipient + "@" + chainId + "?value=" + units;
  }

  private static String abbreviate(String text) {
    String shown = text.length() <= 80 ? text : text.substring(0, 77) + "...";
    return shown.replaceAll("\\p{Cntrl}", "?");
  }
}
