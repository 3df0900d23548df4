package io.coinssend.invoice;

import java.util.Optional;

/** The kinds of event the engine records. {@link #code()} is the wire name used in JSON and webhooks. */
public enum EventType {
  INVOICE_CREATED("invoice.created"),
  /** An on-time payment (or a transfer of another asset) was seen at the invoice's address. */
  INVOICE_PAYMENT_DETECTED("invoice.payment_detected"),
  /** A payment reached the confirmations the policy requires. */
  INVOICE_PAYMENT_CONFIRMED("invoice.payment_confirmed"),
  /** A payment left the chain (reorganisation, replacement, double spend). */
  INVOICE_PAYMENT_REVERSED("invoice.payment_reversed"),
  /** A payment was first seen at or after expiry. */
  INVOICE_LATE_PAYMENT("invoice.late_payment"),
  INVOICE_PENDING("invoice.pending"),
  INVOICE_PAID("invoice.paid"),
  INVOICE_PARTIALLY_PAID("invoice.partially_paid"),
  INVOICE_OVERPAID("invoice.overpaid"),
  INVOICE_EXPIRED("invoice.expired"),
  INVOICE_BLOCKED("invoice.blocked"),
  /** The merchant resolved the invoice (marked it paid, closed or cancelled it). */
  INVOICE_RESOLVED("invoice.resolved"),
  /** The merchant gave the customer more time. */
  INVOICE_EXPIRY_EXTENDED("invoice.expiry_extended"),
  /** A transfer to a customer's deposit address was seen (mempool or first block). */
  DEPOSIT_DETECTED("deposit.detected"),
  /** A deposit reached the confirmations the asset's policy requires (not raised for dust). */
  DEPOSIT_CONFIRMED("deposit.confirmed"),
  /** A deposit left the chain (reorganisation, replacement, double spend). */
  DEPOSIT_REVERSED("deposit.reversed");

  private final String code;

  EventType(String code) {
    this.code = code;
  }

  /** Whether this is an event about a deposit rather than an invoice. */
  public boolean isDeposit() {
    return code.startsWith("deposit.");
  }

  /** The wire name, for example {@code invoice.paid}. */
  public String code() {
    return code;
  }

  /** The type with wire name {@code code}, if any. */
  public static Optional<EventType> fromCode(String code) {
    for (EventType type : values()) {
      if (type.code.equals(code)) {
        return Optional.of(type);
      }
    }
    return Optional.empty();
  }

  /** The event recorded when an invoice reaches {@code status}; NEW has none (it is announced by creation). */
  public static Optional<EventType> reaching(InvoiceStatus status) {
    return switch (status) {
      case NEW -> Optional.empty();
      case PENDING -> Optional.of(INVOICE_PENDING);
      case PAID -> Optional.of(INVOICE_PAID);
      case PARTIALLY_PAID -> Optional.of(INVOICE_PARTIALLY_PAID);
      case OVERPAID -> Optional.of(INVOICE_OVERPAID);
      case EXPIRED -> Optional.of(INVOICE_EXPIRED);
      case BLOCKED -> Optional.of(INVOICE_BLOCKED);
    };
  }

  @Override
  public String toString() {
    return code;
  }
}
