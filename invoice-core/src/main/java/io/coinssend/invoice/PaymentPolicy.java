package io.coinssend.invoice;

import static java.util.Objects.requireNonNull;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.time.Duration;

/**
 * How payments of one asset are judged: confirmations required, underpayment tolerance, expiry and the
 * monitoring window after expiry. Each invoice keeps the policy it was created with, so a later change of policy
 * never changes the status of an existing invoice.
 *
 * @param confirmations confirmations a payment needs to be settled; 0 settles a payment as soon as it is seen
 * @param tolerancePercent the underpayment accepted as paid, in percent of the amount due, from 0 (inclusive) to
 *     100 (exclusive)
 * @param expiry how long after creation the customer may pay
 * @param monitoringWindow how long after expiry the address is still watched for late payments
 */
public record PaymentPolicy(int confirmations, BigDecimal tolerancePercent, Duration expiry, Duration monitoringWindow) {

  /** Confirmations required by default for bitcoin: 1. */
  public static final int DEFAULT_BITCOIN_CONFIRMATIONS = 1;
  /** Confirmations required by default for EVM chains: 12. */
  public static final int DEFAULT_EVM_CONFIRMATIONS = 12;
  /** Underpayment tolerance by default: 0 %. */
  public static final BigDecimal DEFAULT_TOLERANCE_PERCENT = BigDecimal.ZERO;
  /** Time to pay by default: 15 minutes. */
  public static final Duration DEFAULT_EXPIRY = Duration.ofMinutes(15);
  /** Watching for late payments after expiry by default: 24 hours. */
  public static final Duration DEFAULT_MONITORING_WINDOW = Duration.ofHours(24);

  /** The largest number of confirmations a policy may require. */
  public static final int MAX_CONFIRMATIONS = 10_000;
  /** The shortest expiry: 10 seconds. */
  public static final Duration MIN_EXPIRY = Duration.ofSeconds(10);
  /** The longest expiry: 90 days. */
  public static final Duration MAX_EXPIRY = Duration.ofDays(90);
  /** The longest monitoring window: 365 days. */
  public static final Duration MAX_MONITORING_WINDOW = Duration.ofDays(365);

  private static final BigDecimal HUNDRED = BigDecimal.valueOf(100);

  public PaymentPolicy {
    requireNonNull(tolerancePercent, "tolerancePercent");
    requireNonNull(expiry, "expiry");
    requireNonNull(monitoringWindow, "monitoringWindow");
    if (confirmations < 0 || confirmations > MAX_CONFIRMATIONS) {
      throw new IllegalArgumentException(
          "confirmations must be between 0 and " + MAX_CONFIRMATIONS + ", but was " + confirmations);
    }
    if (tolerancePercent.signum() < 0 || tolerancePercent.compareTo(HUNDRED) >= 0) {
      throw new IllegalArgumentException(
          "tolerance must be at least 0 % and less than 100 %, but was " + tolerancePercent.toPlainString() + " %");
    }
    checkExpiry(expiry);
    if (monitoringWindow.isNegative() || monitoringWindow.compareTo(MAX_MONITORING_WINDOW) > 0) {
      throw new IllegalArgumentException(
          "monitoring window must be between 0 and " + MAX_MONITORING_WINDOW + ", but was " + monitoringWindow);
    }
    tolerancePercent = tolerancePercent.stripTrailingZeros();
    if (tolerancePercent.scale() < 0) {
      tolerancePercent = tolerancePercent.setScale(0, RoundingMode.UNNECESSARY);
    }
  }

  static Duration checkExpiry(Duration expiry) {
    if (expiry.compareTo(MIN_EXPIRY) < 0 || expiry.compareTo(MAX_EXPIRY) > 0) {
      throw new IllegalArgumentException(
          "expiry must be between " + MIN_EXPIRY + " and " + MAX_EXPIRY + ", but was " + expiry);
    }
    return expiry;
  }

  /** The defaults for bitcoin: 1 confirmation, 0 % tolerance, 15 minutes to pay, 24 hours of monitoring. */
  public static PaymentPolicy bitcoinDefaults() {
    return ofConfirmations(DEFAULT_BITCOIN_CONFIRMATIONS);
  }

  /** The defaults for EVM chains: 12 confirmations, 0 % tolerance, 15 minutes to pay, 24 hours of monitoring. */
  public static PaymentPolicy evmDefaults() {
    return ofConfirmations(DEFAULT_EVM_CONFIRMATIONS);
  }

  /** The default tolerance, expiry and monitoring window with the given confirmations. */
  public static PaymentPolicy ofConfirmations(int confirmations) {
    return new PaymentPolicy(
        confirmations, DEFAULT_TOLERANCE_PERCENT, DEFAULT_EXPIRY, DEFAULT_MONITORING_WINDOW);
  }

  public PaymentPolicy withConfirmations(int confirmations) {
    return new PaymentPolicy(confirmations, tolerancePercent, expiry, monitoringWindow);
  }

  public PaymentPolicy withTolerancePercent(BigDecimal tolerancePercent) {
    return new PaymentPolicy(confirmations, tolerancePercent, expiry, monitoringWindow);
  }

  public PaymentPolicy withExpiry(Duration expiry) {
    return new PaymentPolicy(confirmations, tolerancePercent, expiry, monitoringWindow);
  }

  public PaymentPolicy withMonitoringWindow(Duration monitoringWindow) {
    return new PaymentPolicy(confirmations, tolerancePercent, expiry, monitoringWindow);
  }

  /**
   * The least amount that counts as paid: {@code due × (1 − tolerance)}, rounded up to a whole base unit so the
   * tolerance never accepts less than it states.
   */
  public Money threshold(Money due) {
    BigDecimal accepted = new BigDecimal(due.units()).multiply(HUNDRED.subtract(tolerancePercent)).divide(HUNDRED);
    BigInteger units = accepted.setScale(0, RoundingMode.CEILING).toBigIntegerExact();
    return Money.ofUnits(due.asset(), units);
  }
}
