package io.coinssend.invoice;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/**
 * What a checkout shows the customer: where, how much and until when to pay.
 *
 * @param invoiceId the invoice
 * @param network the network in words, for example {@code bitcoin mainnet}
 * @param asset the asset to pay
 * @param address the address to pay to
 * @param amount the amount to pay
 * @param paymentUri the payment URI for a link or QR code
 * @param expiresAt the end of the time to pay
 */
public record PaymentDetails(
    InvoiceId invoiceId, String network, Asset asset, String address, Money amount, String paymentUri,
    Instant expiresAt) {

  public PaymentDetails {
    requireNonNull(invoiceId, "invoiceId");
    requireNonNull(network, "network");
    requireNonNull(asset, "asset");
    requireNonNull(address, "address");
    requireNonNull(amount, "amount");
    requireNonNull(paymentUri, "paymentUri");
    requireNonNull(expiresAt, "expiresAt");
  }
}
