package io.coinssend.invoice.benchmarks;

import com.zaxxer.hikari.HikariDataSource;
import io.coinssend.invoice.Event;
import io.coinssend.invoice.benchmarks.internal.CountingDeliveryStore;
import io.coinssend.invoice.benchmarks.internal.EngineFixture;
import io.coinssend.invoice.benchmarks.internal.LocalReceiver;
import io.coinssend.invoice.benchmarks.internal.Postgres;
import io.coinssend.invoice.jdbc.PostgresPlans;
import io.coinssend.invoice.json.InvoiceJson;
import io.coinssend.invoice.webhooks.WebhookDispatcher;
import io.coinssend.invoice.webhooks.WebhookEndpoint;
import io.coinssend.invoice.webhooks.WebhookHeaders;
import io.coinssend.invoice.webhooks.WebhookSecret;
import io.coinssend.invoice.webhooks.WebhookSigner;
import io.coinssend.invoice.webhooks.jdbc.JdbcDeliveryStore;
import io.coinssend.invoice.webhooks.memory.InMemoryDeliveryStore;
import io.coinssend.invoice.webhooks.spi.DeliveryStore;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Webhook deliveries per second to a {@link LocalReceiver} (the JDK's HTTP server on 127.0.0.1, HTTP/1.1 keep-alive),
 * in batches of {@value #BATCH} events, with 1 and 4 requests in flight.
 *
 * <ul>
 *   <li>{@code dispatcher}: the durable {@link WebhookDispatcher}, started, woken by {@code signal()} as an engine
 *       listener would: it reads the batch's {@code invoice.created} events from the invoice store (in memory),
 *       records one delivery each in the delivery store ({@code memory}: {@code InMemoryDeliveryStore};
 *       {@code postgresql}: {@code JdbcDeliveryStore} on the same server as the other benchmarks), claims, signs
 *       (v1), posts, and records each attempt; a batch ends when every delivery is recorded as delivered.
 *   <li>{@code plainLoop}: a plain {@link HttpClient} (HTTP/1.1) posting the same event bodies with the same headers,
 *       signed beforehand, from as many threads as requests in flight, each a loop of blocking {@code send}s: no
 *       store, no signing, no bookkeeping.
 * </ul>
 *
 * <p>Target: the dispatcher at least 70 % of the plain loop.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class WebhookDeliveryBenchmark {

  /** Events per batch: one benchmark invocation. */
  public static final int BATCH = 500;

  private static final WebhookSecret SECRET = WebhookSecret.parse(
      "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");

  /** The receiver, shared by both contenders' runs. */
  @State(Scope.Benchmark)
  public static class Receiver {
    LocalReceiver receiver;

    @Setup(Level.Trial)
    public void start() {
      receiver = LocalReceiver.start(4);
    }

    @TearDown(Level.Trial)
    public void stop() {
      receiver.close();
    }
  }

  /** A started dispatcher and the engine whose events it delivers. */
  @State(Scope.Benchmark)
  public static class Durable {
    @Param({"memory", "postgresql"})
    public String deliveryStore;

    @Param({"1", "4"})
    public int inFlight;

    EngineFixture events;
    HikariDataSource pool;
    CountingDeliveryStore deliveries;
    WebhookDispatcher dispatcher;
    long expected;

    @Setup(Level.Trial)
    public void start(Receiver receiver) {
      events = EngineFixture.start("memory", 0);
      DeliveryStore store;
      if (deliveryStore.equals("postgresql")) {
        pool = Postgres.freshEngineDatabase(4);
        // The server's cached plans, as on a default server where autovacuum runs: vacuum() below does its work
        // (with autovacuum off the store would plan its claims and outcomes at each execution instead).
        store = JdbcDeliveryStore.create(pool).withPostgresPlans(PostgresPlans.CACHED)
            .createTables();
      } else {
        store = new InMemoryDeliveryStore();
      }
      deliveries = new CountingDeliveryStore(store);
      dispatcher = WebhookDispatcher.builder()
          .invoiceStore(events.store())
          .deliveryStore(deliveries)
          .endpoint(WebhookEndpoint.of("bench", receiver.receiver.url(), WebhookSigner.v1(SECRET))
              .withMaxConcurrentRequests(inFlight))
          .build()
          .start();
    }

    /** Autovacuum's work, which the CI machine's server leaves undone (see {@link Postgres#vacuumAnalyze}). */
    @Setup(Level.Iteration)
    public void vacuum() {
      if (pool != null) {
        Postgres.vacuumAnalyze(pool, "webhook_delivery", "webhook_payload", "webhook_attempt", "webhook_position");
      }
    }

    @Setup(Level.Invocation)
    public void newEvents() {
      for (int i = 0; i < BATCH; i++) {
        events.createInvoice();
      }
      expected += BATCH;
    }

    @TearDown(Level.Trial)
    public void stop() {
      dispatcher.close();
      events.close();
      if (pool != null) {
        pool.close();
      }
    }
  }

  /** A plain HTTP client and the bodies and headers of {@value #BATCH} events. */
  @State(Scope.Benchmark)
  public static class Plain {
    @Param({"1", "4"})
    public int inFlight;

    HttpClient client;
    ExecutorService threads;
    List<HttpRequest> requests;

    @Setup(Level.Trial)
    public void start(Receiver receiver) {
      client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
          .followRedirects(HttpClient.Redirect.NEVER).build();
      threads = Executors.newFixedThreadPool(inFlight);
      EngineFixture source = EngineFixture.start("memory", 0);
      try {
        for (int i = 0; i < BATCH; i++) {
          source.createInvoice();
        }
        List<Event> batch = source.store().readEvents(0, BATCH);
        WebhookSigner signer = WebhookSigner.v1(SECRET);
        long now = System.currentTimeMillis() / 1000;
        requests = new ArrayList<>(BATCH);
        for (Event event : batch) {
          byte[] body = InvoiceJson.writeBytes(event);
          requests.add(HttpRequest.newBuilder(receiver.receiver.url())
              .timeout(Duration.ofSeconds(30))
              .header("content-type", "application/json")
              .header("user-agent", WebhookDispatcher.USER_AGENT)
              .header(WebhookHeaders.ID, event.id())
              .header(WebhookHeaders.TIMESTAMP, Long.toString(now))
              .header(WebhookHeaders.SIGNATURE, signer.sign(event.id(), now, body))
              .POST(HttpRequest.BodyPublishers.ofByteArray(body))
              .build());
        }
      } finally {
        source.close();
      }
    }

    @TearDown(Level.Trial)
    public void stop() {
      threads.shutdownNow();
    }
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public long dispatcher(Durable durable) throws InterruptedException {
    durable.dispatcher.signal();
    durable.deliveries.awaitDelivered(durable.expected, 120);
    return durable.deliveries.delivered();
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public int plainLoop(Plain plain) throws IOException, InterruptedException {
    int ok = 0;
    if (plain.inFlight == 1) {
      for (HttpRequest request : plain.requests) {
        ok += post(plain.client, request);
      }
      return ok;
    }
    // Each of inFlight threads posts its share with the blocking send: a plain loop per thread. (sendAsync would be
    // slower here: the JDK hands each response to the common pool, a new thread per response on 2 cores.)
    List<Future<Integer>> shares = new ArrayList<>(plain.inFlight);
    for (int t = 0; t < plain.inFlight; t++) {
      int first = t;
      shares.add(plain.threads.submit(() -> {
        int done = 0;
        for (int i = first; i < plain.requests.size(); i += plain.inFlight) {
          done += post(plain.client, plain.requests.get(i));
        }
        return done;
      }));
    }
    for (Future<Integer> share : shares) {
      try {
        ok += share.get();
      } catch (ExecutionException e) {
        throw new IllegalStateException("a post failed", e.getCause());
      }
    }
    return ok;
  }

  /**
   * Posts once, and once more if the connection failed: the JDK's server now and then closes a kept-alive connection
   * just as the client reuses it ("header parser received no bytes"), which the dispatcher would record and retry.
   *
   * @return 1 if the answer was 2xx
   */
  private static int post(HttpClient client, HttpRequest request) throws IOException, InterruptedException {
    HttpResponse<Void> response;
    try {
      response = client.send(request, HttpResponse.BodyHandlers.discarding());
    } catch (IOException e) {
      response = client.send(request, HttpResponse.BodyHandlers.discarding());
    }
    return response.statusCode() / 100 == 2 ? 1 : 0;
  }
}
