package io.coinssend.invoice;

/**
 * The store failed (connection lost, deadlock after retries, a constraint the engine did not expect). Nothing
 * half-written is left behind: the operation either happened entirely or not at all. Retrying later is safe.
 */
public class InvoiceStoreException extends InvoiceException {

  private static final long serialVersionUID = 1L;

  public InvoiceStoreException(String message, Throwable cause) {
    super(message, null, cause);
  }

  public InvoiceStoreException(String message, InvoiceId invoiceId, Throwable cause) {
    super(message, invoiceId, cause);
  }
}
