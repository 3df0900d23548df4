package io.coinssend.invoice.webhooks;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP server on 127.0.0.1 (the JDK's {@link HttpServer}) that records every webhook request and answers as
 * scripted: a status (with headers), a hang until released, or a dropped connection. Thread-safe.
 */
final class TestReceiver implements AutoCloseable {

  /** One request as received. */
  record Request(String path, Map<String, List<String>> headers, byte[] body) {
    String header(String name) {
      List<String> values = headers.get(name);
      return values == null || values.isEmpty() ? null : values.get(0);
    }

    String id() {
      return header("webhook-id");
    }

    long timestamp() {
      return Long.parseLong(header("webhook-timestamp"));
    }
  }

  /** What to do with one request. */
  sealed interface Answer {}

  record Status(int code, Map<String, String> headers) implements Answer {}

  record Hang(CountDownLatch release) implements Answer {}

  /**
   * Answers 200 with a body announced as 1 MB and sends one byte of it every 100 ms until released or the client
   * goes away: a response whose headers come at once and whose body never ends.
   */
  record Trickle(CountDownLatch release) implements Answer {}

  /** Fails the handler: the JDK server then closes the connection without a response. */
  record Drop() implements Answer {}

  static Answer status(int code) {
    return new Status(code, Map.of());
  }

  static Answer status(int code, String header, String value) {
    return new Status(code, Map.of(header, value));
  }

  private final HttpServer server;
  private final ExecutorService executor;
  private final List<Request> requests = new ArrayList<>();
  private final Deque<Answer> script = new ArrayDeque<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger maxInFlight = new AtomicInteger();
  private Answer otherwise = status(200);

  private TestReceiver(int port) throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
    executor = Executors.newCachedThreadPool(runnable -> {
      Thread thread = new Thread(runnable, "test-receiver");
      thread.setDaemon(true);
      return thread;
    });
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  /** A receiver on a free port. */
  static TestReceiver start() {
    return startOn(0);
  }

  /** A receiver on {@code port} (to bring a receiver that was down back on the same address). */
  static TestReceiver startOn(int port) {
    try {
      return new TestReceiver(port);
    } catch (IOException e) {
      throw new IllegalStateException("could not start a test receiver on port " + port, e);
    }
  }

  /** A free port on 127.0.0.1, nobody listening on it now. */
  static int freePort() {
    TestReceiver probe = start();
    int port = probe.port();
    probe.close();
    return port;
  }

  int port() {
    return server.getAddress().getPort();
  }

  URI url(String path) {
    return url(port(), path);
  }

  static URI url(int port, String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  /** Answers the next requests with these, in order, then with the default. */
  synchronized TestReceiver then(Answer... answers) {
    script.addAll(List.of(answers));
    return this;
  }

  /** Answers every request not scripted with {@code answer} (200 unless set). */
  synchronized TestReceiver otherwise(Answer answer) {
    this.otherwise = answer;
    return this;
  }

  synchronized List<Request> requests() {
    return List.copyOf(requests);
  }

  synchronized int count() {
    return requests.size();
  }

  /** The most requests that were being handled at one time. */
  int maxInFlight() {
    return maxInFlight.get();
  }

  private void handle(HttpExchange exchange) throws IOException {
    int now = inFlight.incrementAndGet();
    maxInFlight.accumulateAndGet(now, Math::max);
    boolean counted = true;
    try {
      byte[] body;
      try (InputStream in = exchange.getRequestBody()) {
        body = in.readAllBytes();
      }
      Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      exchange.getRequestHeaders().forEach((name, values) -> headers.put(name, List.copyOf(values)));
      Answer answer;
      synchronized (this) {
        requests.add(new Request(exchange.getRequestURI().getPath(), headers, body));
        answer = script.isEmpty() ? otherwise : script.poll();
      }
      if (answer instanceof Hang hang) {
        try {
          hang.release().await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        answer = status(200);
      }
      // The request stops counting as in flight before it is answered: the client may send the next one as soon
      // as the answer arrives, before this thread gets to run again.
      inFlight.decrementAndGet();
      counted = false;
      if (answer instanceof Trickle trickle) {
        trickle(exchange, trickle.release());
        return;
      }
      if (answer instanceof Drop) {
        throw new IOException("test receiver drops this connection");
      }
      Status status = (Status) answer;
      status.headers().forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
      exchange.sendResponseHeaders(status.code(), -1);
      exchange.close();
    } finally {
      if (counted) {
        inFlight.decrementAndGet();
      }
    }
  }

  private static void trickle(HttpExchange exchange, CountDownLatch release) {
    try (exchange) {
      exchange.sendResponseHeaders(200, 1_000_000);
      OutputStream out = exchange.getResponseBody();
      while (!release.await(100, TimeUnit.MILLISECONDS)) {
        out.write('.');
        out.flush();
      }
    } catch (IOException e) {
      // the client gave up and closed the connection
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops listening; the port refuses connections afterwards. */
  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
