package io.coinssend.invoice.evm.internal;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A JSON-RPC 2.0 client over HTTP POST for one node. Each call is retried on transport errors, HTTP 408/429/5xx,
 * rate-limit errors and malformed responses, with exponential backoff and jitter (honouring {@code Retry-After}),
 * up to a number of attempts; then it fails with {@link RpcException}. Thread-safe.
 *
 * <p>The endpoint's path and query, and header values, are never logged nor put in exception messages: they often
 * carry an API key.
 */
public final class JsonRpcClient {

  private static final Logger log = LoggerFactory.getLogger(JsonRpcClient.class);
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final int MAX_SHOWN = 200;

  private final URI endpoint;
  private final String shownEndpoint;
  private final Map<String, String> headers;
  private final Duration timeout;
  private final int attempts;
  private final Backoff backoff;
  private final Sleeper sleeper;
  private final HttpClient http;
  private final AtomicLong ids = new AtomicLong();

  /**
   * A client.
   *
   * @param endpoint the node's HTTP(S) URL
   * @param headers extra request headers (an API key, for example)
   * @param timeout the longest wait for one response
   * @param attempts tries per call, at least 1
   * @param backoff waits between tries
   * @param sleeper how to wait
   * @param http the HTTP client
   */
  public JsonRpcClient(URI endpoint, Map<String, String> headers, Duration timeout, int attempts, Backoff backoff,
      Sleeper sleeper, HttpClient http) {
    this.endpoint = requireNonNull(endpoint, "endpoint");
    this.headers = Map.copyOf(headers);
    this.timeout = requireNonNull(timeout, "timeout");
    this.backoff = requireNonNull(backoff, "backoff");
    this.sleeper = requireNonNull(sleeper, "sleeper");
    this.http = requireNonNull(http, "http");
    if (attempts < 1) {
      throw new IllegalArgumentException("attempts must be at least 1, but was " + attempts);
    }
    this.attempts = attempts;
    this.shownEndpoint = describe(endpoint);
  }

  /** The endpoint as it may be logged: scheme, host and port only. */
  public static String describe(URI endpoint) {
    String scheme = endpoint.getScheme() == null ? "?" : endpoint.getScheme();
    String host = endpoint.getHost() == null ? "?" : endpoint.getHost();
    return scheme + "://" + host + (endpoint.getPort() >= 0 ? ":" + endpoint.getPort() : "");
  }

  /** The endpoint as logged. */
  public String endpoint() {
    return shownEndpoint;
  }

  /**
   * Calls {@code method} with {@code params} (strings, numbers, booleans, maps and lists, converted by Jackson),
   * retrying as described above.
   *
   * @return the {@code result}, a JSON null if the node answered null
   * @throws RpcException if the call failed for good, or a JSON-RPC error came back
   * @throws InterruptedException if the client is closing
   */
  public JsonNode call(String method, Object... params) throws RpcException, InterruptedException {
    requireNonNull(method, "method");
    for (int attempt = 1; ; attempt++) {
      try {
        return once(method, params);
      } catch (RpcException e) {
        if (!e.retryable() || attempt >= attempts) {
          throw e;
        }
        Duration wait = backoff.delay(attempt);
        if (e.retryAfter().isPresent() && e.retryAfter().get().compareTo(wait) > 0) {
          wait = e.retryAfter().get().compareTo(backoff.max()) > 0 ? backoff.max() : e.retryAfter().get();
        }
        log.info("{} to {} failed ({}: {}); try {} of {} in {} ms", method, shownEndpoint, e.kind(), e.getMessage(),
            attempt + 1, attempts, wait.toMillis());
        sleeper.sleep(wait);
      }
    }
  }

  private JsonNode once(String method, Object[] params) throws RpcException, InterruptedException {
    long id = ids.incrementAndGet();
    ObjectNode request = MAPPER.createObjectNode();
    request.put("jsonrpc", "2.0");
    request.put("id", id);
    request.put("method", method);
    ArrayNode array = request.putArray("params");
    for (Object param : params) {
      array.add(MAPPER.valueToTree(param));
    }
    byte[] body;
    try {
      body = MAPPER.writeValueAsBytes(request);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("parameters of " + method + " cannot be written as JSON", e);
    }
    HttpRequest.Builder builder = HttpRequest.newBuilder(endpoint)
        .timeout(timeout)
        .header("Content-Type", "application/json")
        .header("Accept", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    headers.forEach(builder::header);
    HttpResponse<byte[]> response;
    try {
      response = http.send(builder.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (HttpTimeoutException e) {
      throw new RpcException(RpcException.Kind.TRANSPORT, "no answer within " + timeout.toMillis() + " ms", e);
    } catch (IOException e) {
      throw new RpcException(RpcException.Kind.TRANSPORT, e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : ": " + e.getMessage()), e);
    }
    int status = response.statusCode();
    if (status == 429) {
      throw new RpcException(RpcException.Kind.RATE_LIMITED, "HTTP 429 Too Many Requests", 429,
          retryAfter(response), null);
    }
    if (status == 408 || status >= 500) {
      throw new RpcException(RpcException.Kind.SERVER, "HTTP " + status, status, retryAfter(response), null);
    }
    if (status != 200) {
      throw new RpcException(RpcException.Kind.HTTP, "HTTP " + status + " (check the endpoint and its credentials)",
          status, Optional.empty(), null);
    }
    JsonNode root;
    try {
      root = MAPPER.readTree(response.body());
    } catch (IOException e) {
      throw new RpcException(RpcException.Kind.MALFORMED, method + " answered something that is not JSON: "
          + shown(response.body()), e);
    }
    if (root == null || !root.isObject()) {
      throw new RpcException(RpcException.Kind.MALFORMED, method + " answered no JSON-RPC object: "
          + shown(response.body()));
    }
    if (!root.path("id").isIntegralNumber() || root.path("id").asLong() != id) {
      throw new RpcException(RpcException.Kind.MALFORMED, method + " answered with id " + root.path("id")
          + " instead of " + id);
    }
    JsonNode error = root.get("error");
    if (error != null && !error.isNull()) {
      int code = error.path("code").asInt();
      String message = error.path("message").asText("");
      String shownMessage = message.length() > MAX_SHOWN ? message.substring(0, MAX_SHOWN) + "..." : message;
      String lower = message.toLowerCase(Locale.ROOT);
      boolean limited = code == -32005 || code == 429 || lower.contains("rate limit")
          || lower.contains("too many requests") || lower.contains("exceeded") && lower.contains("capacity");
      throw new RpcException(limited ? RpcException.Kind.RATE_LIMITED : RpcException.Kind.RPC_ERROR,
          method + " failed with JSON-RPC error " + code + ": " + shownMessage, code, Optional.empty(), null);
    }
    if (!root.has("result")) {
      throw new RpcException(RpcException.Kind.MALFORMED, method + " answered neither a result nor an error");
    }
    return root.get("result");
  }

  private static Optional<Duration> retryAfter(HttpResponse<?> response) {
    Optional<String> header = response.headers().firstValue("Retry-After");
    if (header.isEmpty()) {
      return Optional.empty();
    }
    String value = header.get().trim();
    try {
      long seconds = Long.parseLong(value);
      return seconds >= 0 ? Optional.of(Duration.ofSeconds(seconds)) : Optional.empty();
    } catch (NumberFormatException notSeconds) {
      try {
        ZonedDateTime at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME);
        Duration wait = Duration.between(java.time.Instant.now(), at.toInstant());
        return wait.isNegative() ? Optional.of(Duration.ZERO) : Optional.of(wait);
      } catch (DateTimeParseException e) {
        return Optional.empty();
      }
    }
  }

  private static String shown(byte[] body) {
    String text = new String(body, 0, Math.min(body.length, MAX_SHOWN), java.nio.charset.StandardCharsets.UTF_8)
        .replaceAll("\\p{Cntrl}", " ");
    return "'" + text + (body.length > MAX_SHOWN ? "...'" : "'");
  }
}
