package io.coinssend.invoice.webhooks;

/** The Standard Webhooks header names, as sent (lower case); receivers look them up in any letter case. */
public final class WebhookHeaders {

  /** The event id: the same on every attempt, the receiver's idempotency key. */
  public static final String ID = "webhook-id";
  /** Unix seconds of this attempt: fresh on every attempt, so a captured request cannot be replayed later. */
  public static final String TIMESTAMP = "webhook-timestamp";
  /** Space-separated {@code version,base64} signatures, one per active key. */
  public static final String SIGNATURE = "webhook-signature";

  private WebhookHeaders() {}
}
