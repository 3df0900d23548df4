package io.coinssend.invoice.webhooks;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One event on its way to one endpoint: created (durably) before the first attempt, updated after each.
 *
 * <p>Immutable; no component is null. {@link #toString()} leaves out the payload.
 *
 * @param id {@code dlv_} and 32 hex characters derived from the event id and endpoint id ({@link #idOf})
 * @param eventId the event id, sent as {@code webhook-id} on every attempt
 * @param eventType the event type code, for example {@code invoice.paid}
 * @param eventSequence the event's position in the store's log
 * @param subjectId the invoice id
 * @param endpointId the endpoint's id
 * @param state where it stands
 * @param attempts attempts made in the current schedule (a redelivery starts a new schedule)
 * @param nextAttemptAt when it is next due (for PENDING)
 * @param createdAt when it was enqueued
 * @param updatedAt when it last changed
 * @param lastStatusCode the HTTP status of the last attempt, if it got a response
 * @param lastError what went wrong on the last attempt, if it failed
 * @param leaseOwner the dispatcher sending it (SENDING only)
 * @param leaseUntil when that dispatcher's claim runs out (SENDING only)
 * @param payload the exact JSON body sent (UTF-8), the event envelope
 */
public record Delivery(
    String id,
    String eventId,
    String eventType,
    long eventSequence,
    String subjectId,
    String endpointId,
    DeliveryState state,
    int attempts,
    Instant nextAttemptAt,
    Instant createdAt,
    Instant updatedAt,
    OptionalInt lastStatusCode,
    Optional<String> lastError,
    Optional<String> leaseOwner,
    Optional<Instant> leaseUntil,
    String payload) {

  public Delivery {
    requireNonNull(id, "id");
    requireNonNull(eventId, "eventId");
    requireNonNull(eventType, "eventType");
    requireNonNull(subjectId, "subjectId");
    requireNonNull(endpointId, "endpointId");
    requireNonNull(state, "state");
    requireNonNull(nextAttemptAt, "nextAttemptAt");
    requireNonNull(createdAt, "createdAt");
    requireNonNull(updatedAt, "updatedAt");
    requireNonNull(lastStatusCode, "lastStatusCode");
    requireNonNull(lastError, "lastError");
    requireNonNull(leaseOwner, "leaseOwner");
    requireNonNull(leaseUntil, "leaseUntil");
    requireNonNull(payload, "payload");
    if (attempts < 0) {
      throw new IllegalArgumentException("attempts must not be negative, but was " + attempts);
    }
    if (eventSequence < 0) {
      throw new IllegalArgumentException("eventSequence must not be negative, but was " + eventSequence);
    }
    if ((state == DeliveryState.SENDING) != (leaseOwner.isPresent() && leaseUntil.isPresent())) {
      throw new IllegalArgumentException("a delivery has a lease owner and end exactly when SENDING, but " + id
          + " is " + state + " with owner " + leaseOwner.isPresent() + " and end " + leaseUntil.isPresent());
    }
  }

  /** A new delivery, PENDING and due at {@code now}. */
  public static Delivery pending(String eventId, String eventType, long eventSequence, String subjectId,
      String endpointId, Instant now, String payload) {
    return new Delivery(idOf(eventId, endpointId), eventId, eventType, eventSequence, subjectId, endpointId,
        DeliveryState.PENDING, 0, now, now, now, OptionalInt.empty(), Optional.empty(), Optional.empty(),
        Optional.empty(), payload);
  }

  /** The delivery id of an event at an endpoint: {@code dlv_} and the first 16 bytes of a SHA-256, in hex. */
  public static String idOf(String eventId, String endpointId) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      byte[] hash = digest.digest((eventId + "\n" + endpointId).getBytes(StandardCharsets.UTF_8));
      return "dlv_" + HexFormat.of().formatHex(hash, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }

  /** This delivery claimed by {@code owner} until {@code until}. */
  public Delivery claimed(String owner, Instant until, Instant now) {
    return new Delivery(id, eventId, eventType, eventSequence, subjectId, endpointId, DeliveryState.SENDING,
        attempts, nextAttemptAt, createdAt, now, lastStatusCode, lastError, Optional.of(owner), Optional.of(until),
        payload);
  }

  /** Whether a dispatcher may claim it at {@code now}: due and PENDING, or SENDING with a lapsed lease. */
  public boolean claimableAt(Instant now) {
    return switch (state) {
      case PENDING -> !nextAttemptAt.isAfter(now);
      case SENDING -> !leaseUntil.orElseThrow().isAfter(now);
      case DELIVERED, DEAD -> false;
    };
  }

  @Override
  public String toString() {
    return "Delivery[" + id + " " + eventId + " " + eventType + " #" + eventSequence + " -> " + endpointId + " "
        + state + " after " + attempts + " attempt(s), next " + nextAttemptAt
        + lastStatusCode.stream().mapToObj(s -> ", last HTTP " + s).findFirst().orElse("")
        + lastError.map(e -> ", last error " + e).orElse("") + "]";
  }
}
