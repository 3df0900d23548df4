package io.coinssend.invoice;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * An invoice: the terms the merchant set, the payment details shown to the customer, the payments seen on chain,
 * and the status the engine derived from them.
 *
 * <p>Invoices are immutable snapshots; the engine produces a new one (with a higher {@link #version()}) for every
 * change and stores it by compare-and-set. Amounts such as {@link #received()} are derived from the payments.
 *
 * @param id the invoice id
 * @param orderId the merchant's order id, unique per store
 * @param amountDue the amount to pay; its asset is the invoice's asset
 * @param address the payment address derived for this invoice
 * @param derivationIndex the index the address was derived at
 * @param paymentUri the payment URI (BIP21, EIP-681...) for links and QR codes
 * @param createdAt when the invoice was created
 * @param expiresAt the end of the time to pay
 * @param policy the payment policy the invoice was created with
 * @param status the current status
 * @param reason why it has that status
 * @param payments every transfer seen to the address, in order of first sight
 * @param resolution the merchant's latest decision, if any
 * @param metadata the merchant's own key/value data, kept exactly
 * @param timeline every status reached, oldest first
 * @param version the optimistic-concurrency version, 1 when created
 */
public record Invoice(
    InvoiceId id,
    String orderId,
    Money amountDue,
    String address,
    long derivationIndex,
    String paymentUri,
    Instant createdAt,
    Instant expiresAt,
    PaymentPolicy policy,
    InvoiceStatus status,
    StatusReason reason,
    List<Payment> payments,
    Optional<Resolution> resolution,
    Map<String, String> metadata,
    List<StatusChange> timeline,
    long version) {

  /** The longest merchant order id. */
  public static final int MAX_ORDER_ID_LENGTH = 200;
  /** The most metadata entries an invoice may carry. */
  public static final int MAX_METADATA_ENTRIES = 64;

  /** The order payments are kept in: first seen first, then by reference. */
  public static final Comparator<Payment> PAYMENT_ORDER =
      Comparator.comparing(Payment::firstSeenAt).thenComparing(Payment::ref);

  public Invoice {
    requireNonNull(id, "id");
    checkOrderId(orderId);
    requireNonNull(amountDue, "amountDue");
    requireNonNull(address, "address");
    requireNonNull(paymentUri, "paymentUri");
    requireNonNull(createdAt, "createdAt");
    requireNonNull(expiresAt, "expiresAt");
    requireNonNull(policy, "policy");
    requireNonNull(status, "status");
    requireNonNull(reason, "reason");
    requireNonNull(payments, "payments");
    requireNonNull(resolution, "resolution");
    requireNonNull(timeline, "timeline");
    if (!amountDue.isPositive()) {
      throw new IllegalArgumentException("amount due must be positive, but was " + amountDue);
    }
    if (address.isBlank() || address.length() > 200) {
      throw new IllegalArgumentException("address must be 1-200 characters, but was '" + address + "'");
    }
    if (derivationIndex < 0) {
      throw new IllegalArgumentException("derivation index must not be negative, but was " + derivationIndex);
    }
    if (!expiresAt.isAfter(createdAt)) {
      throw new IllegalArgumentException(
          "expiry " + expiresAt + " must be after the creation time " + createdAt);
    }
    if (reason.status() != status) {
      throw new IllegalArgumentException("reason " + reason + " does not explain status " + status);
    }
    if (version < 1) {
      throw new IllegalArgumentException("version must be at least 1, but was " + version);
    }
    List<Payment> sorted = new ArrayList<>(payments);
    sorted.sort(PAYMENT_ORDER);
    Set<PaymentRef> refs = new HashSet<>();
    for (Payment payment : sorted) {
      if (!refs.add(payment.ref())) {
        throw new IllegalArgumentException("payment " + payment.ref() + " appears twice");
      }
    }
    payments = List.copyOf(sorted);
    metadata = checkMetadata(metadata);
    timeline = List.copyOf(timeline);
  }

  static String checkOrderId(String orderId) {
    requireNonNull(orderId, "orderId");
    if (orderId.isBlank()) {
      throw new IllegalArgumentException("order id must not be blank");
    }
    if (orderId.length() > MAX_ORDER_ID_LENGTH) {
      throw new IllegalArgumentException(
          "order id must be at most " + MAX_ORDER_ID_LENGTH + " characters, but had " + orderId.length());
    }
    if (orderId.chars().anyMatch(Character::isISOControl)) {
      throw new IllegalArgumentException("order id must not contain control characters");
    }
    return orderId;
  }

  static Map<String, String> checkMetadata(Map<String, String> metadata) {
    requireNonNull(metadata, "metadata");
    if (metadata.size() > MAX_METADATA_ENTRIES) {
      throw new IllegalArgumentException(
          "metadata may have at most " + MAX_METADATA_ENTRIES + " entries, but had " + metadata.size());
    }
    TreeMap<String, String> copy = new TreeMap<>();
    metadata.forEach(
        (key, value) -> {
          requireNonNull(key, "metadata key");
          requireNonNull(value, () -> "metadata value of " + key);
          if (key.isBlank() || key.length() > 100) {
            throw new IllegalArgumentException("metadata keys must be 1-100 characters, but was '" + key + "'");
          }
          if (value.length() > 10_000) {
            throw new IllegalArgumentException(
                "metadata value of '" + key + "' must be at most 10000 characters, but had " + value.length());
          }
          copy.put(key, value);
        });
    return Collections.unmodifiableMap(copy);
  }

  /** The invoice's asset. */
  public Asset asset() {
    return amountDue.asset();
  }

  /** The sum of on-time, non-reversed payments of the invoice's asset. */
  public Money received() {
    return sum(p -> p.onTime() && !p.isReversed() && p.isOf(asset()));
  }

  /** The part of {@link #received()} that is settled. */
  public Money settledAmount() {
    return sum(p -> p.onTime() && p.settled() && p.isOf(asset()));
  }

  /** The sum of non-reversed payments of the invoice's asset first seen at or after expiry. */
  public Money lateAmount() {
    return sum(p -> !p.onTime() && !p.isReversed() && p.isOf(asset()));
  }

  /** What is still to pay to reach the amount due: due minus received, never negative. */
  public Money remaining() {
    return amountDue.minusOrZero(received());
  }

  /** What was received beyond the amount due (to credit or refund), never negative. */
  public Money surplus() {
    return received().minusOrZero(amountDue);
  }

  private Money sum(java.util.function.Predicate<Payment> include) {
    Money total = Money.zero(asset());
    for (Payment payment : payments) {
      if (include.test(payment)) {
        total = total.plus(payment.amount());
      }
    }
    return total;
  }

  /** The payment with {@code ref}, if seen. */
  public Optional<Payment> payment(PaymentRef ref) {
    return payments.stream().filter(p -> p.ref().equals(ref)).findFirst();
  }

  /** What to show the customer: network, address, amount, URI and expiry. */
  public PaymentDetails paymentDetails() {
    return new PaymentDetails(id, asset().displayNetwork(), asset(), address, amountDue, paymentUri, expiresAt);
  }

  /** Whether some non-reversed payment still waits for confirmations. */
  public boolean awaitingConfirmations() {
    return payments.stream().anyMatch(p -> !p.isReversed() && !p.settled());
  }

  /** The end of the monitoring window: expiry plus the policy's monitoring window. */
  public Instant watchUntil() {
    return expiresAt.plus(policy.monitoringWindow());
  }

  /**
   * Whether the address is still watched at {@code now}: until the monitoring window ends, and for as long as a
   * payment waits for confirmations.
   */
  public boolean isWatchedAt(Instant now) {
    return awaitingConfirmations() || now.isBefore(watchUntil());
  }

  /**
   * When the status may change by the passage of time alone (expiry of a NEW or partially paid invoice), if ever.
   */
  public Optional<Instant> nextReviewAt() {
    if (status == InvoiceStatus.NEW || reason == StatusReason.UNDERPAID) {
      return Optional.of(expiresAt);
    }
    return Optional.empty();
  }

  /** Whether the invoice is in a status from which {@code action} is legal. */
  public boolean allows(MerchantAction action) {
    return action.isLegalFrom(status);
  }

  // Copies used by the engine; each keeps every invariant of the record.

  Invoice withComputed(
      InvoiceStatus status, StatusReason reason, List<Payment> payments, List<StatusChange> timeline, long version) {
    return new Invoice(id, orderId, amountDue, address, derivationIndex, paymentUri, createdAt, expiresAt, policy,
        status, reason, payments, resolution, metadata, timeline, version);
  }

  Invoice withPayments(List<Payment> payments) {
    return new Invoice(id, orderId, amountDue, address, derivationIndex, paymentUri, createdAt, expiresAt, policy,
        status, reason, payments, resolution, metadata, timeline, version);
  }

  Invoice withResolution(Optional<Resolution> resolution) {
    return new Invoice(id, orderId, amountDue, address, derivationIndex, paymentUri, createdAt, expiresAt, policy,
        status, reason, payments, resolution, metadata, timeline, version);
  }

  Invoice withExpiresAt(Instant expiresAt) {
    return new Invoice(id, orderId, amountDue, address, derivationIndex, paymentUri, createdAt, expiresAt, policy,
        status, reason, payments, resolution, metadata, timeline, version);
  }

  @Override
  public String toString() {
    return "Invoice[" + id + ", order " + orderId + ", " + amountDue + ", " + status + "/" + reason + ", received "
        + received() + ", v" + version + "]";
  }
}
