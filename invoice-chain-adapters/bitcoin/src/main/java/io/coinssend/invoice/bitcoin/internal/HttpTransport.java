package io.coinssend.invoice.bitcoin.internal;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A small blocking HTTP client; every request, body included, must complete within the request time-out (a server
 * that stalls half-way through a body cannot hang the watcher). Failures become {@link BackendException}s.
 */
public final class HttpTransport {

  private final HttpClient client;
  private final Duration timeout;

  /** A response: its status and body. */
  public record Response(int status, byte[] body) {
    public String text() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  public HttpTransport(Duration connectTimeout, Duration requestTimeout) {
    this.client = HttpClient.newBuilder()
        .connectTimeout(requireNonNull(connectTimeout, "connectTimeout"))
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
    this.timeout = requireNonNull(requestTimeout, "requestTimeout");
  }

  /** GETs {@code uri}. */
  public Response get(URI uri) throws BackendException {
    return send(HttpRequest.newBuilder(uri).GET(), uri, Map.of());
  }

  /** POSTs {@code body} as JSON to {@code uri} with the extra {@code headers}. */
  public Response postJson(URI uri, byte[] body, Map<String, String> headers) throws BackendException {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    return send(request, uri, headers);
  }

  private Response send(HttpRequest.Builder request, URI uri, Map<String, String> headers) throws BackendException {
    headers.forEach(request::header);
    request.timeout(timeout);
    CompletableFuture<HttpResponse<byte[]>> pending =
        client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    try {
      HttpResponse<byte[]> response = pending.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      byte[] body = response.body() == null ? new byte[0] : response.body();
      return new Response(response.statusCode(), body);
    } catch (TimeoutException e) {
      pending.cancel(true);
      throw new BackendException(where(uri) + " did not answer within " + timeout.toMillis() + " ms", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      if (cause instanceof HttpTimeoutException) {
        throw new BackendException(where(uri) + " did not answer within " + timeout.toMillis() + " ms", cause);
      }
      throw new BackendException(where(uri) + " failed: " + cause.getClass().getSimpleName()
          + (cause.getMessage() == null ? "" : ": " + cause.getMessage()), cause);
    } catch (InterruptedException e) {
      pending.cancel(true);
      Thread.currentThread().interrupt();
      throw new BackendException(where(uri) + " was interrupted", e);
    }
  }

  /** The request target for messages: scheme, host, port and path, never user info or query. */
  static String where(URI uri) {
    return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort())
        + (uri.getRawPath() == null ? "" : uri.getRawPath());
  }
}
