package io.coinssend.invoice.webhooks;

import static java.util.Objects.requireNonNull;

import io.coinssend.invoice.EventType;
import io.coinssend.invoice.webhooks.internal.Redaction;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.EnumSet;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A receiver of webhooks, configured in code: where to send, how to sign, which event types, and how many requests
 * may be in flight to it at once. Each endpoint has its own delivery queue, so a slow or failing endpoint never
 * delays another.
 *
 * <p>The {@code id} names the endpoint's queue in the {@link io.coinssend.invoice.webhooks.spi.DeliveryStore}: keep
 * it stable across restarts and deployments. An empty {@code eventTypes} means every type. An endpoint with
 * {@code enabled} false gets no deliveries for events that arrive meanwhile. {@link #toString()} shows the URL without
 * its query or user info and never a key. Immutable; components are never null.
 *
 * @param id a stable name, 1 to 100 characters of {@code [A-Za-z0-9_.:-]}
 * @param url an absolute {@code https} (or, for tests and private networks, {@code http}) URL without user info
 * @param signer signs each attempt
 * @param eventTypes the event types delivered, empty for all
 * @param enabled whether new events are delivered to it
 * @param maxConcurrentRequests the most requests in flight to this endpoint at once, per dispatcher
 */
public record WebhookEndpoint(
    String id, URI url, WebhookSigner signer, Set<EventType> eventTypes, boolean enabled, int maxConcurrentRequests) {

  /** The default bound on concurrent requests per endpoint and dispatcher: 4. */
  public static final int DEFAULT_MAX_CONCURRENT_REQUESTS = 4;

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_.:-]{1,100}");

  public WebhookEndpoint {
    requireNonNull(id, "id");
    requireNonNull(url, "url");
    requireNonNull(signer, "signer");
    requireNonNull(eventTypes, "eventTypes");
    if (!ID.matcher(id).matches()) {
      throw new IllegalArgumentException(
          "endpoint id must be 1 to 100 characters of [A-Za-z0-9_.:-], but was '" + id + "'");
    }
    String scheme = url.getScheme();
    if (!url.isAbsolute() || scheme == null
        || !(scheme.equalsIgnoreCase("https") || scheme.equalsIgnoreCase("http")) || url.getHost() == null) {
      throw new IllegalArgumentException("endpoint " + id + " needs an absolute http(s) URL with a host");
    }
    if (url.getRawUserInfo() != null) {
      throw new IllegalArgumentException("endpoint " + id + ": put no user info (credentials) in the URL");
    }
    if (maxConcurrentRequests < 1) {
      throw new IllegalArgumentException(
          "maxConcurrentRequests must be positive, but was " + maxConcurrentRequests + " for endpoint " + id);
    }
    eventTypes = eventTypes.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(eventTypes));
  }

  /** An enabled endpoint for every event type, with the default concurrency bound. */
  public static WebhookEndpoint of(String id, URI url, WebhookSigner signer) {
    return new WebhookEndpoint(id, url, signer, Set.of(), true, DEFAULT_MAX_CONCURRENT_REQUESTS);
  }

  /**
   * An enabled endpoint for every event type.
   *
   * @throws IllegalArgumentException if {@code url} is not a valid absolute http(s) URL; the message does not repeat
   *     it (a URL may carry a token)
   */
  public static WebhookEndpoint of(String id, String url, WebhookSigner signer) {
    requireNonNull(url, "url");
    try {
      return of(id, new URI(url), signer);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "endpoint " + id + ": not a valid URL (" + e.getReason() + " at index " + e.getIndex() + ")");
    }
  }

  /** This endpoint for only these event types (none given: all types). */
  public WebhookEndpoint withEventTypes(EventType... types) {
    return withEventTypes(Set.of(types));
  }

  /** This endpoint for only these event types (empty: all types). */
  public WebhookEndpoint withEventTypes(Set<EventType> types) {
    return new WebhookEndpoint(id, url, signer, types, enabled, maxConcurrentRequests);
  }

  public WebhookEndpoint withEnabled(boolean enabled) {
    return new WebhookEndpoint(id, url, signer, eventTypes, enabled, maxConcurrentRequests);
  }

  public WebhookEndpoint withMaxConcurrentRequests(int maxConcurrentRequests) {
    return new WebhookEndpoint(id, url, signer, eventTypes, enabled, maxConcurrentRequests);
  }

  public WebhookEndpoint withSigner(WebhookSigner signer) {
    return new WebhookEndpoint(id, url, signer, eventTypes, enabled, maxConcurrentRequests);
  }

  /** Whether events of {@code type} go to this endpoint (ignoring {@link #enabled()}). */
  public boolean accepts(EventType type) {
    return eventTypes.isEmpty() || eventTypes.contains(type);
  }

  @Override
  public String toString() {
    return "WebhookEndpoint[" + id + " " + Redaction.url(url) + (enabled ? "" : " disabled")
        + (eventTypes.isEmpty() ? " all events" : " " + eventTypes) + ", max " + maxConcurrentRequests
        + " in flight, " + signer + "]";
  }
}
