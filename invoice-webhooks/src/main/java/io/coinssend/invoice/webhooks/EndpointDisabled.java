package io.coinssend.invoice.webhooks;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/**
 * An endpoint the dispatcher stopped sending to, durably (it answered 410 Gone). Its deliveries are kept and held
 * until {@link WebhookDispatcher#enableEndpoint(String)}. Immutable; no component is null.
 *
 * @param endpointId the endpoint
 * @param at when it was disabled
 * @param reason why, for example {@code HTTP 410 Gone}
 */
public record EndpointDisabled(String endpointId, Instant at, String reason) {

  public EndpointDisabled {
    requireNonNull(endpointId, "endpointId");
    requireNonNull(at, "at");
    requireNonNull(reason, "reason");
  }
}
