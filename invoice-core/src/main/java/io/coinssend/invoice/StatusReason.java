package io.coinssend.invoice;

/**
 * Why an invoice has its status. Each reason belongs to exactly one status.
 */
public enum StatusReason {
  /** NEW: nothing received yet. */
  AWAITING_PAYMENT(InvoiceStatus.NEW),
  /** PARTIALLY_PAID before expiry: the customer may top up the remaining amount. */
  UNDERPAID(InvoiceStatus.PARTIALLY_PAID),
  /** PARTIALLY_PAID after expiry: waiting for the merchant to mark it paid or close it. */
  UNDERPAID_EXPIRED(InvoiceStatus.PARTIALLY_PAID),
  /** PENDING: the full amount is seen, some of it is not yet confirmed. */
  AWAITING_CONFIRMATIONS(InvoiceStatus.PENDING),
  /** PAID: settled, exactly the amount due. */
  PAID_IN_FULL(InvoiceStatus.PAID),
  /** PAID: settled, less than due but within the policy's underpayment tolerance. */
  PAID_WITHIN_TOLERANCE(InvoiceStatus.PAID),
  /** PAID: the merchant marked it paid. */
  MARKED_PAID(InvoiceStatus.PAID),
  /** OVERPAID: settled, more than due. */
  PAID_OVER(InvoiceStatus.OVERPAID),
  /** EXPIRED: nothing received before the expiry time. */
  NOT_PAID_IN_TIME(InvoiceStatus.EXPIRED),
  /** EXPIRED: the merchant cancelled it while it was NEW. */
  CANCELLED(InvoiceStatus.EXPIRED),
  /** EXPIRED: the merchant closed it (a partial payment or a review ended without accepting). */
  CLOSED(InvoiceStatus.EXPIRED),
  /** BLOCKED: a payment arrived after expiry on an invoice that was not paid in full in time. */
  LATE_PAYMENT(InvoiceStatus.BLOCKED),
  /** BLOCKED: a settled payment left the chain after the invoice was paid in full. */
  PAYMENT_REVERSED(InvoiceStatus.BLOCKED),
  /** BLOCKED: a transfer of another asset arrived at the invoice's address. */
  UNEXPECTED_ASSET(InvoiceStatus.BLOCKED),
  /** BLOCKED: the payment screening hook held a payment for review. */
  SCREENING_HOLD(InvoiceStatus.BLOCKED);

  private final InvoiceStatus status;

  StatusReason(InvoiceStatus status) {
    this.status = status;
  }

  /** The status this reason explains. */
  public InvoiceStatus status() {
    return status;
  }
}
