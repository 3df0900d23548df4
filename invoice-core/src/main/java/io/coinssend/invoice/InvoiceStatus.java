package io.coinssend.invoice;

/**
 * The seven statuses of an invoice. The status is a pure function of the facts; see {@link StatusRules}.
 */
public enum InvoiceStatus {
  /** Awaiting payment: nothing received and not expired. */
  NEW,
  /** The full amount is seen but not yet settled (confirmed as the policy requires). */
  PENDING,
  /** Settled in full, not more than due (or marked paid by the merchant). */
  PAID,
  /** Some money arrived, less than due. Before expiry the customer may top up; after it the merchant decides. */
  PARTIALLY_PAID,
  /** Settled, more than due; the surplus is reported for credit or refund. */
  OVERPAID,
  /** Not paid in time, or cancelled or closed by the merchant. */
  EXPIRED,
  /** Held for review: a late payment, a reversal after settlement, an unexpected asset, or a screening hold. */
  BLOCKED
}
