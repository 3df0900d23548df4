package io.coinssend.invoice;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The status rules: an invoice's status as a pure function of its facts. Given the terms (amount due, expiry,
 * policy), the payments with their blocks, the chain tip, the time and any merchant resolution, {@link #evaluate}
 * always returns the same status, reason and payment judgements, whatever order the facts arrived in.
 *
 * <p>Definitions. A payment is <em>on time</em> when first seen before {@code expiresAt}; <em>settled</em> when it
 * is not reversed and has the confirmations the policy requires (with 0, as soon as it is seen); <em>reversed</em>
 * when it left the chain and did not come back. {@code received} is the sum of on-time, non-reversed payments of the
 * invoice's asset; {@code threshold} is {@code due × (1 − tolerance)}.
 */
public final class StatusRules {

  private StatusRules() {}

  /** The status, its reason, and the payments with their on-time and settled judgements. */
  public record Outcome(InvoiceStatus status, StatusReason reason, List<Payment> payments) {
    public Outcome {
      requireNonNull(status, "status");
      requireNonNull(reason, "reason");
      payments = List.copyOf(payments);
    }
  }

  /**
   * Evaluates the rules for {@code invoice} (its terms, payments and resolution; its stored status is ignored).
   *
   * @param tip the best block of the invoice's chain, empty if none was reported yet
   * @param now the current time
   */
  public static Outcome evaluate(Invoice invoice, Optional<BlockRef> tip, Instant now) {
    requireNonNull(invoice, "invoice");
    requireNonNull(tip, "tip");
    requireNonNull(now, "now");
    Asset asset = invoice.asset();
    PaymentPolicy policy = invoice.policy();
    Instant expiresAt = invoice.expiresAt();
    List<Payment> payments = invoice.payments().stream()
        .map(p -> p.withJudgement(p.firstSeenAt().isBefore(expiresAt), isSettled(p, tip, policy)))
        .toList();
    Optional<Resolution> resolution = invoice.resolution();
    Predicate<Payment> unacknowledged = p -> resolution.map(r -> !r.covers(p.ref())).orElse(true);
    Predicate<Payment> live = p -> !p.isReversed();
    Predicate<Payment> expected = p -> p.isOf(asset);
    Predicate<Payment> onTime = Payment::onTime;

    Money due = invoice.amountDue();
    Money threshold = policy.threshold(due);
    Money received = sum(payments, asset, live.and(expected).and(onTime));
    // Counted as paid at some point: settled now, or reversed only after reaching the confirmations required.
    Predicate<Payment> settledOnce =
        p -> p.settled() || p.reversal().map(r -> r.confirmationsBefore() >= policy.confirmations()).orElse(false);
    Money settledOnceTotal = sum(payments, asset, expected.and(onTime).and(settledOnce));

    // 1. A merchant resolution decides, unless something it did not cover arrived since.
    if (resolution.isPresent()) {
      MerchantAction action = resolution.get().action();
      if (action == MerchantAction.MARK_PAID) {
        if (any(payments, live.and(unacknowledged).and(expected.negate()))) {
          return new Outcome(InvoiceStatus.BLOCKED, StatusReason.UNEXPECTED_ASSET, payments);
        }
        if (any(payments, live.and(unacknowledged).and(p -> p.screeningHold().isPresent()))) {
          return new Outcome(InvoiceStatus.BLOCKED, StatusReason.SCREENING_HOLD, payments);
        }
        if (any(payments, p -> p.isReversed() && resolution.get().covers(p.ref()))) {
          return new Outcome(InvoiceStatus.BLOCKED, StatusReason.PAYMENT_REVERSED, payments);
        }
        return new Outcome(InvoiceStatus.PAID, StatusReason.MARKED_PAID, payments);
      }
      if (any(payments, live.and(unacknowledged).and(expected.negate()))) {
        return new Outcome(InvoiceStatus.BLOCKED, StatusReason.UNEXPECTED_ASSET, payments);
      }
      if (any(payments, live.and(unacknowledged))) {
        return new Outcome(InvoiceStatus.BLOCKED, StatusReason.LATE_PAYMENT, payments);
      }
      StatusReason reason = action == MerchantAction.CANCEL ? StatusReason.CANCELLED : StatusReason.CLOSED;
      return new Outcome(InvoiceStatus.EXPIRED, reason, payments);
    }

    // 2. Holds for review.
    if (any(payments, live.and(p -> p.screeningHold().isPresent()))) {
      return new Outcome(InvoiceStatus.BLOCKED, StatusReason.SCREENING_HOLD, payments);
    }
    if (any(payments, live.and(expected.negate()))) {
      return new Outcome(InvoiceStatus.BLOCKED, StatusReason.UNEXPECTED_ASSET, payments);
    }
    boolean settledPaymentReversed = any(payments, expected.and(onTime).and(Payment::isReversed).and(settledOnce));
    if (settledPaymentReversed && !settledOnceTotal.isLessThan(threshold) && received.isLessThan(threshold)) {
      return new Outcome(InvoiceStatus.BLOCKED, StatusReason.PAYMENT_REVERSED, payments);
    }

    // 3. Paid in full in time (a late payment on top changes nothing; it has its own event).
    if (!received.isLessThan(threshold)) {
      if (any(payments, live.and(expected).and(onTime).and(p -> !p.settled()))) {
        return new Outcome(InvoiceStatus.PENDING, StatusReason.AWAITING_CONFIRMATIONS, payments);
      }
      if (received.isGreaterThan(due)) {
        return new Outcome(InvoiceStatus.OVERPAID, StatusReason.PAID_OVER, payments);
      }
      StatusReason reason = received.isLessThan(due) ? StatusReason.PAID_WITHIN_TOLERANCE : StatusReason.PAID_IN_FULL;
      return new Outcome(InvoiceStatus.PAID, reason, payments);
    }

    // 4. Not paid in full in time.
    if (any(payments, live.and(expected).and(onTime.negate()))) {
      return new Outcome(InvoiceStatus.BLOCKED, StatusReason.LATE_PAYMENT, payments);
    }
    boolean open = now.isBefore(expiresAt);
    if (received.isPositive()) {
      return new Outcome(InvoiceStatus.PARTIALLY_PAID,
          open ? StatusReason.UNDERPAID : StatusReason.UNDERPAID_EXPIRED, payments);
    }
    return open
        ? new Outcome(InvoiceStatus.NEW, StatusReason.AWAITING_PAYMENT, payments)
        : new Outcome(InvoiceStatus.EXPIRED, StatusReason.NOT_PAID_IN_TIME, payments);
  }

  /** Whether {@code payment} is settled at {@code tip} under {@code policy}. */
  public static boolean isSettled(Payment payment, Optional<BlockRef> tip, PaymentPolicy policy) {
    if (payment.isReversed()) {
      return false;
    }
    if (policy.confirmations() == 0) {
      return true;
    }
    return payment.confirmationsAt(tip) >= policy.confirmations();
  }

  private static boolean any(List<Payment> payments, Predicate<Payment> test) {
    return payments.stream().anyMatch(test);
  }

  private static Money sum(List<Payment> payments, Asset asset, Predicate<Payment> include) {
    Money total = Money.zero(asset);
    for (Payment payment : payments) {
      if (include.test(payment)) {
        total = total.plus(payment.amount());
      }
    }
    return total;
  }
}
