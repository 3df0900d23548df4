package io.coinssend.invoice;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An event about an invoice, carrying the invoice as it was right after the change.
 *
 * @param id the stable event id
 * @param type what happened
 * @param createdAt when
 * @param invoice the invoice after the change (its version is the event's subject version)
 * @param payment the payment concerned, for payment events
 * @param sequence the log position, 0 until stored
 */
public record InvoiceEvent(
    String id, EventType type, Instant createdAt, Invoice invoice, Optional<PaymentRef> payment, long sequence)
    implements Event {

  private static final Pattern ID = Pattern.compile("evt_[0-9a-f]{32}");

  public InvoiceEvent {
    requireNonNull(id, "id");
    requireNonNull(type, "type");
    requireNonNull(createdAt, "createdAt");
    requireNonNull(invoice, "invoice");
    requireNonNull(payment, "payment");
    if (!ID.matcher(id).matches()) {
      throw new IllegalArgumentException("event id must be evt_ and 32 hex characters, but was '" + id + "'");
    }
    if (sequence < 0) {
      throw new IllegalArgumentException("sequence must not be negative, but was " + sequence);
    }
  }

  /**
   * A new event; its id is derived from the invoice id, the version, the type and the payment, so the same change
   * always gets the same id.
   */
  public static InvoiceEvent of(EventType type, Instant createdAt, Invoice invoice, Optional<PaymentRef> payment) {
    String key = invoice.id() + "/" + invoice.version() + "/" + type.code() + "/" + payment.map(PaymentRef::toString)
        .orElse("");
    return new InvoiceEvent(stableId(key), type, createdAt, invoice, payment, 0);
  }

  static String stableId(String key) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
      return "evt_" + HexFormat.of().formatHex(digest, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }

  @Override
  public String subjectId() {
    return invoice.id().value();
  }

  @Override
  public long subjectVersion() {
    return invoice.version();
  }

  @Override
  public InvoiceEvent withSequence(long sequence) {
    return new InvoiceEvent(id, type, createdAt, invoice, payment, sequence);
  }

  @Override
  public String toString() {
    return "InvoiceEvent[" + sequence + " " + type.code() + " " + invoice.id() + " v" + invoice.version()
        + payment.map(p -> " " + p).orElse("") + " " + invoice.status() + "]";
  }
}
