package io.coinssend.invoice.webhooks;

/** Where a delivery (one event to one endpoint) stands. */
public enum DeliveryState {
  /** Waiting for its next attempt ({@link Delivery#nextAttemptAt()}), or held while its endpoint is disabled. */
  PENDING,
  /** Claimed by a dispatcher and being sent; returns to PENDING if that dispatcher's lease runs out. */
  SENDING,
  /** The endpoint answered 2xx. */
  DELIVERED,
  /** Every attempt of the schedule failed; waits for a manual redelivery. */
  DEAD
}
