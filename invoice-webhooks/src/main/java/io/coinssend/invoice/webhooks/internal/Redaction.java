package io.coinssend.invoice.webhooks.internal;

import java.net.URI;

/**
 * Shapes endpoint URLs and error texts for logs: an endpoint URL may carry a token in its query, so logs show only
 * scheme, host, port and path. Thread-safe (stateless).
 */
public final class Redaction {

  /** The longest error text kept in the delivery log. */
  public static final int MAX_ERROR_LENGTH = 500;

  private Redaction() {}

  /** {@code scheme://host[:port]/path}, with any user info, query and fragment left out. */
  public static String url(URI url) {
    StringBuilder text = new StringBuilder();
    text.append(url.getScheme()).append("://").append(url.getHost());
    if (url.getPort() >= 0) {
      text.append(':').append(url.getPort());
    }
    String path = url.getRawPath();
    text.append(path == null || path.isEmpty() ? "/" : path);
    if (url.getRawQuery() != null) {
      text.append("?…");
    }
    return text.toString();
  }

  /**
   * A one-line description of a delivery error for the log, with the endpoint's full URL (and its query) replaced by
   * the redacted form, cut to {@link #MAX_ERROR_LENGTH} characters.
   */
  public static String error(Throwable error, URI url) {
    Throwable root = error;
    while ((root instanceof java.util.concurrent.CompletionException
        || root instanceof java.util.concurrent.ExecutionException) && root.getCause() != null) {
      root = root.getCause();
    }
    String message = root.getMessage();
    String text = root.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : ": " + message);
    return clean(text, url);
  }

  /** {@code text} with the endpoint's URL and query replaced, on one line, cut to length. */
  public static String clean(String text, URI url) {
    String cleaned = text.replace(url.toString(), url(url));
    if (url.getRawQuery() != null && !url.getRawQuery().isEmpty()) {
      cleaned = cleaned.replace(url.getRawQuery(), "…");
    }
    cleaned = cleaned.replace('\n', ' ').replace('\r', ' ');
    return cleaned.length() <= MAX_ERROR_LENGTH ? cleaned : cleaned.substring(0, MAX_ERROR_LENGTH - 1) + "…";
  }
}
