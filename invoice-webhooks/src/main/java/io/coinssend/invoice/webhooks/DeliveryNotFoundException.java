package io.coinssend.invoice.webhooks;

import io.coinssend.invoice.InvoiceException;

/** No delivery has the id asked for (it never existed, or the retention period removed it). */
public final class DeliveryNotFoundException extends InvoiceException {

  private static final long serialVersionUID = 1L;

  private final String deliveryId;

  public DeliveryNotFoundException(String deliveryId) {
    super("no webhook delivery with id " + deliveryId);
    this.deliveryId = deliveryId;
  }

  /** The id asked for. */
  public String deliveryId() {
    return deliveryId;
  }
}
