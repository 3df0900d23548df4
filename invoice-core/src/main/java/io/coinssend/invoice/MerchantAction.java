package io.coinssend.invoice;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * What a merchant may do to an invoice, and from which statuses. This enum is the one place that lists the legal
 * merchant moves; {@link InvoiceEngine} checks every action against it and an illegal one fails with an
 * {@link IllegalTransitionException} naming both statuses.
 *
 * <table>
 *   <caption>Merchant actions</caption>
 *   <tr><th>action</th><th>from</th><th>to</th></tr>
 *   <tr><td>MARK_PAID</td><td>PARTIALLY_PAID, BLOCKED</td><td>PAID</td></tr>
 *   <tr><td>CLOSE</td><td>PARTIALLY_PAID, BLOCKED</td><td>EXPIRED</td></tr>
 *   <tr><td>CANCEL</td><td>NEW</td><td>EXPIRED</td></tr>
 *   <tr><td>EXTEND_EXPIRY</td><td>NEW, PARTIALLY_PAID</td><td>the same status</td></tr>
 * </table>
 */
public enum MerchantAction {
  /** Accept a partial payment or a blocked invoice as paid. */
  MARK_PAID(InvoiceStatus.PAID, InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.BLOCKED),
  /** End a partially paid or blocked invoice without accepting it (for example after a refund). */
  CLOSE(InvoiceStatus.EXPIRED, InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.BLOCKED),
  /** Withdraw an invoice nobody has paid yet. */
  CANCEL(InvoiceStatus.EXPIRED, InvoiceStatus.NEW),
  /** Give the customer more time; the status stays what it is. */
  EXTEND_EXPIRY(null, InvoiceStatus.NEW, InvoiceStatus.PARTIALLY_PAID);

  private final InvoiceStatus target;
  private final Set<InvoiceStatus> from;

  MerchantAction(InvoiceStatus target, InvoiceStatus first, InvoiceStatus... rest) {
    this.target = target;
    this.from = Collections.unmodifiableSet(EnumSet.of(first, rest));
  }

  /** The statuses this action may start from. */
  public Set<InvoiceStatus> legalFrom() {
    return from;
  }

  /** The status this action leads to from {@code current}. */
  public InvoiceStatus targetFrom(InvoiceStatus current) {
    return target == null ? current : target;
  }

  /** Whether this action may be taken on an invoice in {@code current}. */
  public boolean isLegalFrom(InvoiceStatus current) {
    return from.contains(current);
  }

  /** Whether this action ends the invoice with a resolution (all but {@link #EXTEND_EXPIRY}). */
  public boolean isResolution() {
    return target != null;
  }
}
