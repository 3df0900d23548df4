package io.coinssend.invoice.webhooks;

import static java.util.Objects.requireNonNull;

import io.coinssend.invoice.InvoiceException;

/**
 * A webhook request failed verification; {@link #reason()} says why. Answer such a request with HTTP 400 (or 401)
 * and do not act on it. The message names the header or rule concerned and never contains a key or the expected
 * signature.
 */
public final class WebhookVerificationException extends InvoiceException {

  private static final long serialVersionUID = 1L;

  /** Why a request was refused. */
  public enum Reason {
    /** One of {@code webhook-id}, {@code webhook-timestamp}, {@code webhook-signature} is absent or empty. */
    MISSING_HEADER,
    /** A header is present but not in the expected form (a timestamp that is not a number, an id with a dot...). */
    MALFORMED_HEADER,
    /** No signature in the header matches a trusted key over these exact bytes. */
    NO_MATCHING_SIGNATURE,
    /** The signature is valid but the timestamp is older than the tolerance allows (a replay, or a slow clock). */
    TIMESTAMP_TOO_OLD,
    /** The signature is valid but the timestamp is further in the future than the tolerance allows. */
    TIMESTAMP_TOO_NEW,
    /** The request is authentic but its body is not an event this library can read. */
    MALFORMED_PAYLOAD
  }

  private final Reason reason;

  public WebhookVerificationException(Reason reason, String message) {
    this(reason, message, null);
  }

  public WebhookVerificationException(Reason reason, String message, Throwable cause) {
    super(requireNonNull(reason, "reason") + ": " + requireNonNull(message, "message"), null, cause);
    this.reason = reason;
  }

  /** Why the request was refused. */
  public Reason reason() {
    return reason;
  }
}
