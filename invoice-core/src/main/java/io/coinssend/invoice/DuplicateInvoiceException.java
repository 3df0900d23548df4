package io.coinssend.invoice;

/**
 * A store refused to insert an invoice because another one already has its id, merchant order id or payment
 * address. Thrown by {@link io.coinssend.invoice.spi.InvoiceStore#insert}; the engine turns a duplicate order id
 * into an idempotent answer or an {@link OrderConflictException}.
 */
public class DuplicateInvoiceException extends InvoiceException {

  private static final long serialVersionUID = 1L;

  /** Which unique value is taken. */
  public enum Field {
    ID,
    ORDER_ID,
    ADDRESS
  }

  private final Field field;

  public DuplicateInvoiceException(Field field, InvoiceId invoiceId) {
    super("another invoice already has this " + field.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
        + " (inserting " + invoiceId + ")", invoiceId);
    this.field = field;
  }

  public Field field() {
    return field;
  }
}
