package io.coinssend.invoice.bitcoin.harness;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A local HTTP server (com.sun.net.httpserver on 127.0.0.1) serving a {@link RegtestChain}, with scripted faults.
 * It can be stopped (the port then refuses connections) and started again on the same port.
 */
public abstract class FakeServer implements AutoCloseable {

  protected static final ObjectMapper MAPPER = new ObjectMapper();

  static {
    // Without TCP_NODELAY the JDK server's separate header and body writes meet delayed ACKs: ~45 ms per request.
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  protected final RegtestChain chain;
  private final Deque<Fault> faults = new ArrayDeque<>();
  private final AtomicInteger requests = new AtomicInteger();
  private final AtomicInteger faultsPlayed = new AtomicInteger();
  private volatile CountDownLatch stalled = new CountDownLatch(1);
  private HttpServer server;
  private ExecutorService executor;
  private int port;

  protected FakeServer(RegtestChain chain) {
    this.chain = chain;
    start(0);
  }

  private synchronized void start(int wanted) {
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), wanted), 50);
    } catch (IOException e) {
      throw new IllegalStateException("cannot start the fake server on port " + wanted, e);
    }
    executor = Executors.newCachedThreadPool(r -> {
      Thread thread = new Thread(r, getClass().getSimpleName());
      thread.setDaemon(true);
      return thread;
    });
    server.setExecutor(executor);
    server.createContext("/", this::dispatch);
    server.start();
    port = server.getAddress().getPort();
    stalled = new CountDownLatch(1);
  }

  /** Stops answering: connections to the port are refused until {@link #restart()}. */
  public synchronized void stop() {
    stalled.countDown();
    server.stop(0);
    executor.shutdownNow();
  }

  /** Starts again on the same port. */
  public synchronized void restart() {
    start(port);
  }

  @Override
  public void close() {
    stop();
  }

  /** The base URI of this server. */
  public abstract URI uri();

  protected int port() {
    return port;
  }

  /** Plays {@code fault} for the next request it applies to (in order, after earlier faults). */
  public synchronized void inject(Fault fault, int times) {
    for (int i = 0; i < times; i++) {
      faults.add(fault);
    }
  }

  /** How many faults were played so far. */
  public int faultsPlayed() {
    return faultsPlayed.get();
  }

  /** How many requests arrived so far. */
  public int requests() {
    return requests.get();
  }

  /** Takes the next fault if it applies to a request that reads block data ({@code blockData}) or to any request. */
  protected synchronized Fault nextFault(boolean blockData) {
    Fault next = faults.peek();
    if (next == null || next == Fault.BAD_HEX && !blockData) {
      return null;
    }
    faults.poll();
    faultsPlayed.incrementAndGet();
    return next;
  }

  private void dispatch(HttpExchange exchange) throws IOException {
    requests.incrementAndGet();
    try (exchange) {
      handle(exchange);
    } catch (RuntimeException e) {
      send(exchange, 500, "text/plain", ("harness error: " + e).getBytes(StandardCharsets.UTF_8));
    }
  }

  protected abstract void handle(HttpExchange exchange) throws IOException;

  /**
   * Plays a generic fault; returns true if the request was answered by it. {@link Fault#BAD_HEX} is left to the
   * route that reads block data.
   */
  protected boolean playGeneric(HttpExchange exchange, Fault fault, String malformed) throws IOException {
    if (fault == null || fault == Fault.BAD_HEX) {
      return false;
    }
    switch (fault) {
      case HTTP_500 -> send(exchange, 500, "text/plain", "Internal Server Error".getBytes(StandardCharsets.UTF_8));
      case MALFORMED_JSON -> send(exchange, 200, "application/json", malformed.getBytes(StandardCharsets.UTF_8));
      case DROP_CONNECTION -> exchange.getHttpContext().getServer(); // closed below without an answer
      case STALL -> awaitRelease();
      case STALL_IN_BODY -> {
        exchange.sendResponseHeaders(200, 1_000);
        exchange.getResponseBody().write(malformed.getBytes(StandardCharsets.UTF_8));
        exchange.getResponseBody().flush();
        awaitRelease();
      }
      default -> throw new IllegalStateException("unexpected fault " + fault);
    }
    return true;
  }

  private void awaitRelease() {
    try {
      stalled.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  protected static byte[] body(HttpExchange exchange) throws IOException {
    try (InputStream in = exchange.getRequestBody()) {
      return in.readAllBytes();
    }
  }

  protected static void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", contentType);
    exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      exchange.getResponseBody().write(body);
    }
  }

  protected static void sendJson(HttpExchange exchange, int status, Object json) throws IOException {
    send(exchange, status, "application/json", MAPPER.writeValueAsBytes(json));
  }

  protected static void sendText(HttpExchange exchange, int status, String text) throws IOException {
    send(exchange, status, "text/plain", text.getBytes(StandardCharsets.UTF_8));
  }
}
