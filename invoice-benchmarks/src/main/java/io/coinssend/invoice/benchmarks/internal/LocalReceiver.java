package io.coinssend.invoice.benchmarks.internal;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A webhook receiver on the loopback interface: the JDK's {@code HttpServer} (HTTP/1.1, connections kept alive),
 * reading each body to its end and answering {@code 204 No Content}. It does not verify signatures, so neither the
 * dispatcher nor the plain loop pays for verification. Thread-safe; {@link #close()} it.
 */
public final class LocalReceiver implements AutoCloseable {

  private final HttpServer server;
  private final ExecutorService executor;
  private final AtomicLong requests = new AtomicLong();

  private LocalReceiver(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /** Starts a receiver on 127.0.0.1 on a free port, answering with {@code threads} threads. */
  public static LocalReceiver start(int threads) {
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
      ExecutorService executor = Executors.newFixedThreadPool(threads, runnable -> {
        Thread thread = new Thread(runnable, "bench-receiver");
        thread.setDaemon(true);
        return thread;
      });
      LocalReceiver receiver = new LocalReceiver(server, executor);
      server.createContext("/hooks", receiver::handle);
      server.setExecutor(executor);
      server.start();
      return receiver;
    } catch (IOException e) {
      throw new IllegalStateException("could not start the local webhook receiver", e);
    }
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange; InputStream body = exchange.getRequestBody()) {
      body.transferTo(OutputStream.nullOutputStream());
      exchange.sendResponseHeaders(204, -1);
      requests.incrementAndGet();
    }
  }

  /** The URL to post webhooks to. */
  public URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hooks");
  }

  /** How many requests were answered so far. */
  public long requests() {
    return requests.get();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdown();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
