package io.coinssend.invoice.webhooks;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/**
 * The headers of a request whose signature and timestamp were verified. Immutable; no component is null.
 *
 * @param id the {@code webhook-id} (the event id; use it to ignore duplicates)
 * @param timestamp the {@code webhook-timestamp} of this attempt
 * @param scheme the scheme of the signature that matched, {@code v1} or {@code v1a}
 */
public record VerifiedWebhook(String id, Instant timestamp, String scheme) {

  public VerifiedWebhook {
    requireNonNull(id, "id");
    requireNonNull(timestamp, "timestamp");
    requireNonNull(scheme, "scheme");
  }
}
