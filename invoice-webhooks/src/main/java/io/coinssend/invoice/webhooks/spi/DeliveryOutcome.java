package io.coinssend.invoice.webhooks.spi;

import static java.util.Objects.requireNonNull;

import io.coinssend.invoice.webhooks.DeliveryAttempt;
import io.coinssend.invoice.webhooks.DeliveryState;
import java.time.Instant;

/**
 * What one attempt did to a claimed delivery: the attempt for the log and the delivery's next state. Immutable; no
 * component is null; the state is never SENDING.
 *
 * @param owner the dispatcher that claimed the delivery; the state only changes if it still holds the claim
 * @param attempt the attempt, for the delivery log
 * @param state PENDING (retry at {@code nextAttemptAt}), DELIVERED or DEAD
 * @param attempts the delivery's attempt count after this attempt
 * @param nextAttemptAt when the delivery is next due (PENDING); otherwise the attempt's end
 * @param at when the attempt ended
 */
public record DeliveryOutcome(
    String owner, DeliveryAttempt attempt, DeliveryState state, int attempts, Instant nextAttemptAt, Instant at) {

  public DeliveryOutcome {
    requireNonNull(owner, "owner");
    requireNonNull(attempt, "attempt");
    requireNonNull(state, "state");
    requireNonNull(nextAttemptAt, "nextAttemptAt");
    requireNonNull(at, "at");
    if (state == DeliveryState.SENDING) {
      throw new IllegalArgumentException("an attempt's outcome is PENDING, DELIVERED or DEAD, not SENDING");
    }
    if (attempts < 1) {
      throw new IllegalArgumentException("attempts must be positive after an attempt, but was " + attempts);
    }
  }

  /** The delivery concerned. */
  public String deliveryId() {
    return attempt.deliveryId();
  }
}
