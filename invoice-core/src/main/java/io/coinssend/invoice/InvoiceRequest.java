package io.coinssend.invoice;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * What a merchant asks for when creating an invoice: the order it pays for and the amount, with optional expiry,
 * metadata, and a label and message for the payment URI.
 *
 * <p>The order id and the amount (with its asset) are the invoice's terms: asking again with the same order id and
 * terms returns the existing invoice; other terms fail with {@link OrderConflictException}.
 *
 * @param orderId the merchant's order id, 1-200 characters without control characters
 * @param amount the amount due, positive
 * @param expiresIn time to pay, instead of the asset policy's expiry
 * @param expiresAt an exact expiry time, instead of the policy's expiry; must lie in the future
 * @param metadata the merchant's own data, stored and returned exactly
 * @param label a label for the payment URI (BIP21 {@code label}), for example the shop's name
 * @param message a message for the payment URI (BIP21 {@code message}), for example "Order 1234"
 */
public record InvoiceRequest(
    String orderId,
    Money amount,
    Optional<Duration> expiresIn,
    Optional<Instant> expiresAt,
    Map<String, String> metadata,
    Optional<String> label,
    Optional<String> message) {

  public InvoiceRequest {
    Invoice.checkOrderId(orderId);
    requireNonNull(amount, "amount");
    requireNonNull(expiresIn, "expiresIn");
    requireNonNull(expiresAt, "expiresAt");
    requireNonNull(label, "label");
    requireNonNull(message, "message");
    if (!amount.isPositive()) {
      throw new IllegalArgumentException("amount must be positive, but was " + amount);
    }
    expiresIn.ifPresent(PaymentPolicy::checkExpiry);
    if (expiresIn.isPresent() && expiresAt.isPresent()) {
      throw new IllegalArgumentException("give either expiresIn or expiresAt, not both");
    }
    metadata = Invoice.checkMetadata(metadata);
    label.ifPresent(l -> checkText("label", l));
    message.ifPresent(m -> checkText("message", m));
  }

  private static void checkText(String name, String text) {
    if (text.length() > 200) {
      throw new IllegalArgumentException(name + " must be at most 200 characters, but had " + text.length());
    }
    if (text.chars().anyMatch(Character::isISOControl)) {
      throw new IllegalArgumentException(name + " must not contain control characters");
    }
  }

  /** A request for {@code amount} for the merchant order {@code orderId}, with the policy's expiry. */
  public static InvoiceRequest of(String orderId, Money amount) {
    return new InvoiceRequest(orderId, amount, Optional.empty(), Optional.empty(), Map.of(), Optional.empty(),
        Optional.empty());
  }

  public InvoiceRequest withExpiresIn(Duration expiresIn) {
    return new InvoiceRequest(orderId, amount, Optional.of(requireNonNull(expiresIn, "expiresIn")), Optional.empty(),
        metadata, label, message);
  }

  public InvoiceRequest withExpiresAt(Instant expiresAt) {
    return new InvoiceRequest(orderId, amount, Optional.empty(), Optional.of(requireNonNull(expiresAt, "expiresAt")),
        metadata, label, message);
  }

  public InvoiceRequest withMetadata(Map<String, String> metadata) {
    return new InvoiceRequest(orderId, amount, expiresIn, expiresAt, metadata, label, message);
  }

  public InvoiceRequest withLabel(String label) {
    return new InvoiceRequest(orderId, amount, expiresIn, expiresAt, metadata,
        Optional.of(requireNonNull(label, "label")), message);
  }

  public InvoiceRequest withMessage(String message) {
    return new InvoiceRequest(orderId, amount, expiresIn, expiresAt, metadata, label,
        Optional.of(requireNonNull(message, "message")));
  }

  /** The asset asked for. */
  public Asset asset() {
    return amount.asset();
  }
}
