package io.coinssend.invoice;

/** No invoice has the id, order id or address asked for. */
public class InvoiceNotFoundException extends InvoiceException {

  private static final long serialVersionUID = 1L;

  public InvoiceNotFoundException(String message, InvoiceId invoiceId) {
    super(message, invoiceId);
  }

  public static InvoiceNotFoundException ofId(InvoiceId id) {
    return new InvoiceNotFoundException("no invoice with id " + id, id);
  }
}
