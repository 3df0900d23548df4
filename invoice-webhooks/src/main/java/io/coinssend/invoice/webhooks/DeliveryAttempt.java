package io.coinssend.invoice.webhooks;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One HTTP attempt of a delivery, as kept in the delivery log. Immutable; no component is null, and an attempt has
 * an error exactly when it failed.
 *
 * @param deliveryId the delivery
 * @param eventId the event (the {@code webhook-id} sent)
 * @param endpointId the endpoint
 * @param number the attempt's number in its schedule, from 1
 * @param at when the attempt started (its {@code webhook-timestamp})
 * @param statusCode the HTTP status, if a response arrived
 * @param latency how long until the response or the error
 * @param success whether the endpoint answered 2xx
 * @param error what went wrong (timeout, connection refused, HTTP status...), empty on success
 */
public record DeliveryAttempt(
    String deliveryId,
    String eventId,
    String endpointId,
    int number,
    Instant at,
    OptionalInt statusCode,
    Duration latency,
    boolean success,
    Optional<String> error) {

  public DeliveryAttempt {
    requireNonNull(deliveryId, "deliveryId");
    requireNonNull(eventId, "eventId");
    requireNonNull(endpointId, "endpointId");
    requireNonNull(at, "at");
    requireNonNull(statusCode, "statusCode");
    requireNonNull(latency, "latency");
    requireNonNull(error, "error");
    if (number < 1) {
      throw new IllegalArgumentException("attempt number must be positive, but was " + number);
    }
    if (latency.isNegative()) {
      throw new IllegalArgumentException("latency must not be negative, but was " + latency);
    }
    if (success == error.isPresent()) {
      throw new IllegalArgumentException("an attempt has an error exactly when it failed");
    }
  }
}
