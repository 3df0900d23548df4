package io.coinssend.invoice.bitcoin.internal;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/** A small blocking HTTP client with a time-out on every request; failures become {@link BackendException}s. */
public final class HttpTransport {

  /** The largest response accepted, so a misbehaving server cannot exhaust memory: 64 MiB. */
  static final int MAX_RESPONSE_BYTES = 64 << 20;

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
    try {
      HttpResponse<byte[]> response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
      byte[] body = response.body() == null ? new byte[0] : response.body();
      if (body.length > MAX_RESPONSE_BYTES) {
        throw new BackendException(where(uri) + " answered " + body.length + " bytes, more than the limit");
      }
      return new Response(response.statusCode(), body);
    } catch (HttpTimeoutException e) {
      throw new BackendException(where(uri) + " did not answer within " + timeout.toMillis() + " ms", e);
    } catch (IOException e) {
      throw new BackendException(where(uri) + " failed: " + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : ": " + e.getMessage()), e);
    } catch (InterruptedException e) {
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
