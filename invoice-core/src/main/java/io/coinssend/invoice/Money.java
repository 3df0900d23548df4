package io.coinssend.invoice;

import static java.util.Objects.requireNonNull;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.regex.Pattern;

/**
 * An exact amount of one asset, held in base units (satoshi, wei, the token's smallest unit).
 *
 * <p>Amounts are never negative and never larger than {@link #MAX_WHOLE_UNITS} whole units (nor than an EVM
 * {@code uint256}). Decimal text is parsed and formatted exactly, without floating point. Values are immutable
 * and thread-safe; arithmetic between different assets is an {@link IllegalArgumentException}.
 *
 * @param asset the asset counted
 * @param units the amount in base units
 */
public record Money(Asset asset, BigInteger units) implements Comparable<Money> {

  /** The largest amount in whole units (10^15) accepted for any asset; larger amounts are input mistakes. */
  public static final BigInteger MAX_WHOLE_UNITS = BigInteger.TEN.pow(15);

  private static final BigInteger UINT256_MAX = BigInteger.ONE.shiftLeft(256).subtract(BigInteger.ONE);
  private static final Pattern DECIMAL = Pattern.compile("[0-9]+(\\.[0-9]+)?");
  private static final int MAX_TEXT_LENGTH = 100;

  public Money {
    requireNonNull(asset, "asset");
    requireNonNull(units, "units");
    if (units.signum() < 0) {
      throw new IllegalArgumentException("amount must not be negative, but was " + units + " base units");
    }
    if (units.compareTo(maxUnits(asset)) > 0) {
      throw new IllegalArgumentException(
          "amount of " + units + " base units of " + asset.key() + " is larger than the maximum of "
              + MAX_WHOLE_UNITS + " whole units");
    }
  }

  /** The largest amount of {@code asset} a {@code Money} may hold, in base units. */
  public static BigInteger maxUnits(Asset asset) {
    BigInteger max = MAX_WHOLE_UNITS.multiply(BigInteger.TEN.pow(asset.decimals()));
    return max.min(UINT256_MAX);
  }

  /** An amount given in base units; zero is allowed (a total of nothing received). */
  public static Money ofUnits(Asset asset, BigInteger units) {
    return new Money(asset, units);
  }

  /** An amount given in base units; zero is allowed. */
  public static Money ofUnits(Asset asset, long units) {
    return new Money(asset, BigInteger.valueOf(units));
  }

  /** Nothing of {@code asset}. */
  public static Money zero(Asset asset) {
    return new Money(asset, BigInteger.ZERO);
  }

  /**
   * Parses a positive decimal amount in whole units, such as {@code "0.00012345"} for BTC.
   *
   * <p>Accepted: digits with an optional fraction, no sign, exponent, grouping or spaces.
   *
   * @throws IllegalArgumentException if the text is not such a number, has more decimals than the asset,
   *     is zero, or is larger than the maximum
   */
  public static Money parse(Asset asset, String text) {
    requireNonNull(asset, "asset");
    requireNonNull(text, "text");
    if (text.length() > MAX_TEXT_LENGTH || !DECIMAL.matcher(text).matches()) {
      throw new IllegalArgumentException(
          "amount must be a decimal number such as 12.50, but was '" + abbreviate(text) + "'");
    }
    return positive(asset, new BigDecimal(text), text);
  }

  /**
   * Converts a positive decimal amount in whole units exactly.
   *
   * @throws IllegalArgumentException if the amount has more decimals than the asset, is zero or negative, or is
   *     larger than the maximum
   */
  public static Money of(Asset asset, BigDecimal amount) {
    requireNonNull(asset, "asset");
    requireNonNull(amount, "amount");
    return positive(asset, amount, amount.toPlainString());
  }

  private static Money positive(Asset asset, BigDecimal amount, String shown) {
    if (amount.signum() < 0) {
      throw new IllegalArgumentException("amount must be positive, but was " + shown);
    }
    if (amount.signum() == 0) {
      throw new IllegalArgumentException("amount must be positive, but was " + shown);
    }
    BigDecimal stripped = amount.stripTrailingZeros();
    if (stripped.scale() > asset.decimals()) {
      throw new IllegalArgumentException(
          "amount " + shown + " has more decimals than " + asset.code() + " allows (" + asset.decimals() + ")");
    }
    if (stripped.precision() - stripped.scale() > 40) {
      throw new IllegalArgumentException("amount " + abbreviate(shown) + " is larger than the maximum of "
          + MAX_WHOLE_UNITS + " whole units");
    }
    BigInteger units = stripped.movePointRight(asset.decimals()).toBigIntegerExact();
    if (units.compareTo(maxUnits(asset)) > 0) {
      throw new IllegalArgumentException(
          "amount " + abbreviate(shown) + " is larger than the maximum of " + MAX_WHOLE_UNITS + " whole units");
    }
    return new Money(asset, units);
  }

  private static String abbreviate(String text) {
    return text.length() <= 40 ? text : text.substring(0, 37) + "...";
  }

  /** This amount in whole units, exactly, with the asset's number of decimals as its scale. */
  public BigDecimal toDecimal() {
    return new BigDecimal(units, asset.decimals());
  }

  /** This amount in whole units as the shortest exact decimal text, for example {@code 0.5} or {@code 20.3}. */
  public String toPlainString() {
    if (units.signum() == 0) {
      return "0";
    }
    return toDecimal().stripTrailingZeros().toPlainString();
  }

  public boolean isZero() {
    return units.signum() == 0;
  }

  public boolean isPositive() {
    return units.signum() > 0;
  }

  public Money plus(Money other) {
    return new Money(asset, units.add(sameAsset(other).units));
  }

  /**
   * The difference, which must not be negative.
   *
   * @throws IllegalArgumentException if {@code other} is larger
   */
  public Money minus(Money other) {
    return new Money(asset, units.subtract(sameAsset(other).units));
  }

  /** The difference, or zero when {@code other} is larger. */
  public Money minusOrZero(Money other) {
    BigInteger difference = units.subtract(sameAsset(other).units);
    return new Money(asset, difference.max(BigInteger.ZERO));
  }

  public boolean isGreaterThan(Money other) {
    return compareTo(other) > 0;
  }

  public boolean isLessThan(Money other) {
    return compareTo(other) < 0;
  }

  @Override
  public int compareTo(Money other) {
    return units.compareTo(sameAsset(other).units);
  }

  private Money sameAsset(Money other) {
    requireNonNull(other, "other");
    if (!asset.equals(other.asset)) {
      throw new IllegalArgumentException(
          "cannot combine amounts of different assets: " + asset.key() + " and " + other.asset.key());
    }
    return other;
  }

  @Override
  public String toString() {
    return toPlainString() + " " + asset.code();
  }
}
