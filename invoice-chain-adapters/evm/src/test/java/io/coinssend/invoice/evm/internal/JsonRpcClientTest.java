package io.coinssend.invoice.evm.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class JsonRpcClientTest {

  private final List<Duration> waits = Collections.synchronizedList(new ArrayList<>());
  private final AtomicInteger requests = new AtomicInteger();
  private final CountDownLatch release = new CountDownLatch(1);
  private HttpServer server;

  @AfterEach
  void stop() {
    release.countDown();
    if (server != null) {
      server.stop(0);
    }
  }

  /** A server answering every request with {@code status} and {@code body} (or never, if status is 0). */
  private URI serve(int status, String body) throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      try (exchange) {
        requests.incrementAndGet();
        exchange.getRequestBody().readAllBytes();
        if (status == 0) {
          release.await(30, TimeUnit.SECONDS);
          return;
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    server.start();
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/key/abc");
  }

  private JsonRpcClient client(URI endpoint, int attempts, Duration timeout) {
    return new JsonRpcClient(endpoint, Map.of("X-Api-Key", "abc"), timeout, attempts,
        new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1)), waits::add, HttpClient.newHttpClient());
  }

  @Test
  void aJsonRpcErrorIsNotRetried() throws Exception {
    URI endpoint = serve(200, "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32601,\"message\":\"no such method\"}}");
    assertThatThrownBy(() -> client(endpoint, 4, Duration.ofSeconds(5)).call("eth_foo"))
        .isInstanceOfSatisfying(RpcException.class, e -> {
          assertThat(e.kind()).isEqualTo(RpcException.Kind.RPC_ERROR);
          assertThat(e.code()).isEqualTo(-32601);
        });
    assertThat(requests).hasValue(1);
    assertThat(waits).isEmpty();
  }

  @Test
  void serverErrorsAreRetriedUpToTheAttemptsWithGrowingWaits() throws Exception {
    URI endpoint = serve(502, "bad gateway");
    assertThatThrownBy(() -> client(endpoint, 4, Duration.ofSeconds(5)).call("eth_blockNumber"))
        .isInstanceOfSatisfying(RpcException.class, e -> assertThat(e.kind()).isEqualTo(RpcException.Kind.SERVER))
        .hasMessageNotContaining("abc");
    assertThat(requests).hasValue(4);
    assertThat(waits).hasSize(3);
    assertThat(waits.get(0).toMillis()).isBetween(50L, 100L);
    assertThat(waits.get(1).toMillis()).isBetween(100L, 200L);
    assertThat(waits.get(2).toMillis()).isBetween(200L, 400L);
  }

  @Test
  void aRetryAfterLongerThanTheLongestBackoffIsCapped() throws Exception {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      try (exchange) {
        requests.incrementAndGet();
        exchange.getResponseHeaders().add("Retry-After", "3600");
        exchange.sendResponseHeaders(429, -1);
      }
    });
    server.start();
    URI endpoint = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    assertThatThrownBy(() -> client(endpoint, 2, Duration.ofSeconds(5)).call("eth_blockNumber"))
        .isInstanceOfSatisfying(RpcException.class, e -> {
          assertThat(e.kind()).isEqualTo(RpcException.Kind.RATE_LIMITED);
          assertThat(e.retryAfter()).contains(Duration.ofHours(1));
        });
    assertThat(waits).containsExactly(Duration.ofSeconds(1));
  }

  @Test
  void aNodeThatDoesNotAnswerTimesOut() throws Exception {
    URI endpoint = serve(0, "");
    assertThatThrownBy(() -> client(endpoint, 1, Duration.ofMillis(200)).call("eth_blockNumber"))
        .isInstanceOfSatisfying(RpcException.class, e -> assertThat(e.kind()).isEqualTo(RpcException.Kind.TRANSPORT))
        .hasMessageContaining("200 ms");
  }

  @Test
  void aClosedPortIsATransportError() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    assertThatThrownBy(() -> client(URI.create("http://127.0.0.1:" + port), 1, Duration.ofSeconds(2))
        .call("eth_blockNumber"))
        .isInstanceOfSatisfying(RpcException.class, e -> assertThat(e.kind()).isEqualTo(RpcException.Kind.TRANSPORT));
  }

  @Test
  void anAnswerWithAnotherIdIsMalformed() throws Exception {
    URI endpoint = serve(200, "{\"jsonrpc\":\"2.0\",\"id\":99,\"result\":\"0x1\"}");
    assertThatThrownBy(() -> client(endpoint, 1, Duration.ofSeconds(2)).call("eth_blockNumber"))
        .isInstanceOfSatisfying(RpcException.class, e -> assertThat(e.kind()).isEqualTo(RpcException.Kind.MALFORMED));
  }

  @Test
  void theLoggedEndpointShowsNoPathOrQuery() {
    assertThat(JsonRpcClient.describe(URI.create("https://mainnet.example.org/v3/0123abcd?key=secret")))
        .isEqualTo("https://mainnet.example.org");
  }
}
