package io.coinssend.invoice;

/**
 * A store refused to insert a deposit address (the customer already has one for the asset, or the address is
 * taken) or a deposit (the transfer is already recorded). The engine turns it into an idempotent answer.
 */
public class DuplicateDepositException extends InvoiceException {

  private static final long serialVersionUID = 1L;

  public DuplicateDepositException(String message) {
    super(message);
  }
}
