package io.coinssend.invoice;

/**
 * An invoice already exists for the merchant order id with other terms (asset or amount). Creating an invoice is
 * idempotent only for the same terms; use another order id for another payment request.
 */
public class OrderConflictException extends InvoiceException {

  private static final long serialVersionUID = 1L;

  private final String orderId;

  public OrderConflictException(String orderId, Invoice existing, Money requested) {
    super("order " + orderId + " already has invoice " + existing.id() + " for " + existing.amountDue()
        + "; a request for " + requested + " has other terms", existing.id());
    this.orderId = orderId;
  }

  /** The merchant order id that is taken. */
  public String orderId() {
    return orderId;
  }
}
