package io.coinssend.invoice;

import java.util.Optional;

/**
 * The root of the exceptions this library throws for conditions a caller can act on. Subclasses are named for
 * what the caller can do; programmer mistakes (a null or malformed argument) are JDK exceptions instead.
 * Messages never contain secrets.
 */
public class InvoiceException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final transient InvoiceId invoiceId;

  public InvoiceException(String message) {
    this(message, null, null);
  }

  public InvoiceException(String message, InvoiceId invoiceId) {
    this(message, invoiceId, null);
  }

  public InvoiceException(String message, InvoiceId invoiceId, Throwable cause) {
    super(message, cause);
    this.invoiceId = invoiceId;
  }

  /** The invoice concerned, when there is one. */
  public Optional<InvoiceId> invoiceId() {
    return Optional.ofNullable(invoiceId);
  }
}
