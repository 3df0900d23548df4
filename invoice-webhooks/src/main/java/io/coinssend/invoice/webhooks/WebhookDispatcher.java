package io.coinssend.invoice.webhooks;

import static java.util.Objects.requireNonNull;

import io.coinssend.invoice.Event;
import io.coinssend.invoice.json.InvoiceJson;
import io.coinssend.invoice.spi.InvoiceStore;
import io.coinssend.invoice.webhooks.internal.Redaction;
import io.coinssend.invoice.webhooks.internal.RetryAfter;
import io.coinssend.invoice.webhooks.spi.DeliveryOutcome;
import io.coinssend.invoice.webhooks.spi.DeliveryStore;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the store's events to webhook endpoints, durably.
 *
 * <p>The dispatcher reads the {@link InvoiceStore}'s event log and turns each event into one {@link Delivery} per
 * matching endpoint, recorded in the {@link DeliveryStore} <em>before</em> anything is sent; then it sends due
 * deliveries, endpoint by endpoint, with at most {@link WebhookEndpoint#maxConcurrentRequests()} in flight each, and
 * records every attempt. A failed attempt is retried on the {@link RetrySchedule}; after the last one the delivery is
 * dead-lettered until {@link #redeliver(String)}. A 410 answer disables the endpoint durably (see
 * {@link #enableEndpoint(String)}). Because all of this is in the stores, a restarted dispatcher resumes where the
 * last one stopped, and several dispatchers (in one JVM or many) sharing the stores and {@link Builder#group(String)}
 * share the work without sending an event twice in normal operation.
 *
 * <p>Each request is a POST of the event's JSON envelope ({@link InvoiceJson#writeBytes}) with {@code content-type:
 * application/json}, {@code webhook-id} (the event id, the same on every attempt), {@code webhook-timestamp} (the
 * attempt's time) and {@code webhook-signature} over those exact bytes. Redirects are not followed; only 2xx is
 * success.
 *
 * <p>Call {@link #start()} to run on its own threads, polling every {@link Builder#pollInterval(Duration)}, or call
 * {@link #runDue()} to do the due work now (tests with a manual clock). {@link #close()} it on shutdown. Thread-safe.
 * Methods never return null; a missing delivery is {@link Optional#empty()} from {@code find…} and a
 * {@link DeliveryNotFoundException} from {@code get…} and {@code redeliver}. Logs never contain keys, signatures or
 * endpoint URL queries.
 */
public final class WebhookDispatcher implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(WebhookDispatcher.class);

  /** The dispatcher group used unless {@link Builder#group(String)} says otherwise. */
  public static final String DEFAULT_GROUP = "default";
  /** How long to wait for a TCP (and TLS) connection by default: 10 seconds. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
  /** How long to wait for the response headers by default: 30 seconds. */
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
  /** How often a started dispatcher looks for new events and due deliveries by default: every second. */
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);
  /** How long finished deliveries and attempts are kept by default: 30 days. */
  public static final Duration DEFAULT_RETENTION = Duration.ofDays(30);
  /** How long {@link #close()} waits for attempts in flight by default: 10 seconds. */
  public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(10);
  /** How many events are read, and deliveries claimed, at a time by default. */
  public static final int DEFAULT_BATCH_SIZE = 100;
  /** How often expired deliveries and attempts are purged: every hour. */
  public static final Duration PURGE_INTERVAL = Duration.ofHours(1);
  /** How much longer than the longest possible attempt a claim lasts before another dispatcher may take over. */
  public static final Duration LEASE_MARGIN = Duration.ofSeconds(60);
  /** The {@code user-agent} header sent. */
  public static final String USER_AGENT = "CoinsSend-Webhooks/0.1";

  /** Where a dispatcher group that has never enqueued anything starts reading the event log. */
  public enum StartFrom {
    /** From the first event: every event ever stored is delivered. */
    BEGINNING,
    /** From the event log's end at the first start: only later events are delivered. */
    LATEST
  }

  private enum State {
    CREATED,
    RUNNING,
    CLOSED
  }

  private final InvoiceStore invoiceStore;
  private final DeliveryStore deliveryStore;
  private final Map<String, WebhookEndpoint> endpoints;
  private final Map<String, Semaphore> permits;
  private final Clock clock;
  private final RetrySchedule schedule;
  private final RandomGenerator random;
  private final HttpClient http;
  /** Runs each attempt's blocking {@code send}; at most the endpoints' in-flight bounds are busy at once. */
  private final Executor sendExecutor;
  private final ExecutorService ownedExecutor;
  private final Duration requestTimeout;
  private final Duration attemptGuard;
  private final Duration lease;
  private final Duration pollInterval;
  private final Duration retention;
  private final Duration closeTimeout;
  private final String group;
  private final StartFrom startFrom;
  private final int batchSize;
  private final String owner = "dispatcher-" + UUID.randomUUID();

  /** Whether this thread is inside {@link #continueAfter}: a nested dispatch goes through the poller instead. */
  private static final ThreadLocal<Boolean> DISPATCHING = ThreadLocal.withInitial(() -> false);

  private final AtomicReference<State> state = new AtomicReference<>(State.CREATED);
  private final Object enqueueLock = new Object();
  private final AtomicReference<Instant> nextPurgeAt = new AtomicReference<>(Instant.MIN);
  private final java.util.concurrent.atomic.AtomicBoolean pollRequested =
      new java.util.concurrent.atomic.AtomicBoolean();
  private volatile ScheduledExecutorService poller;

  private WebhookDispatcher(Builder builder) {
    this.invoiceStore = builder.invoiceStore;
    this.deliveryStore = builder.deliveryStore;
    Map<String, WebhookEndpoint> byId = new LinkedHashMap<>();
    Map<String, Semaphore> permitMap = new LinkedHashMap<>();
    for (WebhookEndpoint endpoint : builder.endpoints) {
      byId.put(endpoint.id(), endpoint);
      permitMap.put(endpoint.id(), new Semaphore(endpoint.maxConcurrentRequests()));
    }
    this.endpoints = java.util.Collections.unmodifiableMap(byId);
    this.permits = Map.copyOf(permitMap);
    this.clock = builder.clock;
    this.schedule = builder.schedule;
    this.random = builder.random != null ? builder.random : new SplittableRandom();
    this.requestTimeout = builder.requestTimeout;
    this.pollInterval = builder.pollInterval;
    this.retention = builder.retention;
    this.closeTimeout = builder.closeTimeout;
    this.group = builder.group;
    this.startFrom = builder.startFrom;
    this.batchSize = builder.batchSize;
    Executor executor = builder.executor;
    if (executor == null) {
      this.ownedExecutor = Executors.newCachedThreadPool(daemonThreads("coinssend-webhooks-http"));
      executor = ownedExecutor;
    } else {
      this.ownedExecutor = null;
    }
    this.sendExecutor = executor;
    if (builder.httpClient != null) {
      this.http = builder.httpClient;
    } else {
      this.http = HttpClient.newBuilder()
          .connectTimeout(builder.connectTimeout)
          .followRedirects(HttpClient.Redirect.NEVER)
          .version(HttpClient.Version.HTTP_1_1)
          .executor(executor)
          .build();
    }
    Duration connect = http.connectTimeout().orElse(DEFAULT_CONNECT_TIMEOUT);
    this.attemptGuard = connect.plus(requestTimeout).plusSeconds(10);
    this.lease = attemptGuard.plus(LEASE_MARGIN);
  }

  /** A builder; {@link Builder#invoiceStore}, {@link Builder#deliveryStore} and one endpoint are required. */
  public static Builder builder() {
    return new Builder();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Lifecycle

  /**
   * Starts polling on a background thread: new events are enqueued and due deliveries sent every poll interval, and
   * as soon as an attempt ends (so a backlog drains without waiting for the next poll).
   *
   * @return this dispatcher
   * @throws IllegalStateException if already started or closed
   */
  public WebhookDispatcher start() {
    if (!state.compareAndSet(State.CREATED, State.RUNNING)) {
      throw new IllegalStateException("the webhook dispatcher was already started (state " + state.get() + ")");
    }
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(daemonThreads(
        "coinssend-webhooks-poll"));
    poller = scheduler;
    long millis = Math.max(1, pollInterval.toMillis());
    scheduler.scheduleWithFixedDelay(this::pollSafely, 0, millis, TimeUnit.MILLISECONDS);
    log.info("Webhook dispatcher {} started: group '{}', {} endpoint(s) {}", owner, group, endpoints.size(),
        endpoints.values());
    return this;
  }

  /**
   * Stops polling and waits (up to the close timeout) for attempts in flight. An attempt still running then is
   * abandoned: its claim lapses and it is sent again later, by this group. Idempotent.
   */
  @Override
  public void close() {
    State previous = state.getAndSet(State.CLOSED);
    if (previous == State.CLOSED) {
      return;
    }
    long deadline = System.nanoTime() + closeTimeout.toNanos();
    ScheduledExecutorService scheduler = poller;
    if (scheduler != null) {
      scheduler.shutdown();
      awaitQuietly(scheduler, deadline);
    }
    for (Map.Entry<String, WebhookEndpoint> entry : endpoints.entrySet()) {
      int max = entry.getValue().maxConcurrentRequests();
      Semaphore semaphore = permits.get(entry.getKey());
      try {
        long left = Math.max(0, deadline - System.nanoTime());
        if (semaphore.tryAcquire(max, left, TimeUnit.NANOSECONDS)) {
          semaphore.release(max);
        } else {
          log.warn("Webhook dispatcher {} closed with attempt(s) to {} still running; their claims lapse and they "
              + "are sent again later", owner, entry.getKey());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    if (ownedExecutor != null) {
      ownedExecutor.shutdown();
      awaitQuietly(ownedExecutor, deadline);
    }
    log.info("Webhook dispatcher {} closed", owner);
  }

  private static void awaitQuietly(ExecutorService executor, long deadline) {
    try {
      long left = deadline - System.nanoTime();
      if (left <= 0 || !executor.awaitTermination(left, TimeUnit.NANOSECONDS)) {
        executor.shutdownNow();
      }
    } catch (InterruptedException e) {
      executor.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Does all due work now and waits for it: enqueues every new event, then sends due deliveries (round after round,
   * within each endpoint's concurrency bound) until none is due at the clock's current time, then purges expired
   * records if an hour has passed. For tests on a manual clock, and for callers that drive the dispatcher
   * themselves instead of {@link #start()}ing it: on a started dispatcher it is safe but does not wait for attempts
   * the background thread has in flight.
   *
   * @return how many attempts were made
   * @throws IllegalStateException if closed
   * @throws io.coinssend.invoice.InvoiceStoreException if a store failed
   */
  public int runDue() {
    if (state.get() == State.CLOSED) {
      throw new IllegalStateException("the webhook dispatcher is closed");
    }
    enqueueNew(Integer.MAX_VALUE);
    int attempts = 0;
    while (true) {
      Map<String, EndpointDisabled> disabled = deliveryStore.disabledEndpoints();
      List<CompletableFuture<Void>> round = new ArrayList<>();
      for (WebhookEndpoint endpoint : endpoints.values()) {
        round.addAll(dispatch(endpoint, disabled, false));
      }
      if (round.isEmpty()) {
        break;
      }
      CompletableFuture.allOf(round.toArray(CompletableFuture[]::new)).join();
      attempts += round.size();
    }
    purgeIfDue(now());
    return attempts;
  }

  /**
   * Asks a started dispatcher to look for new events and due deliveries now rather than at the next poll (for
   * example from an engine listener, so webhooks leave as soon as events are stored). Signals that arrive while a
   * requested poll has not started yet are merged into it, so calling this once per event is cheap. Does nothing
   * on a dispatcher that is not started.
   */
  public void signal() {
    ScheduledExecutorService scheduler = poller;
    if (state.get() == State.RUNNING && scheduler != null && pollRequested.compareAndSet(false, true)) {
      try {
        scheduler.execute(() -> {
          pollRequested.set(false);
          pollSafely();
        });
      } catch (RejectedExecutionException e) {
        pollRequested.set(false);
        log.debug("Webhook poll not scheduled: the dispatcher is closing");
      }
    }
  }

  private void pollSafely() {
    if (state.get() != State.RUNNING) {
      return;
    }
    try {
      enqueueNew(10);
      Map<String, EndpointDisabled> disabled = deliveryStore.disabledEndpoints();
      for (WebhookEndpoint endpoint : endpoints.values()) {
        dispatch(endpoint, disabled, true);
      }
      purgeIfDue(now());
    } catch (RuntimeException e) {
      log.warn("Webhook dispatch failed; retrying in {}", pollInterval, e);
    }
  }

  /**
   * After an attempt ends: dispatches the endpoint's next due deliveries at once, on the thread that finished the
   * attempt, so a busy endpoint's next request leaves without a hop through the poller thread. A dispatch that
   * starts inside another on the same thread (an attempt that ended before it was sent, say) goes through the poller
   * instead, so failures in a row never nest.
   */
  private void continueAfter(WebhookEndpoint endpoint) {
    if (state.get() != State.RUNNING || poller == null) {
      return;
    }
    if (DISPATCHING.get()) {
      wake(endpoint);
      return;
    }
    DISPATCHING.set(true);
    try {
      dispatch(endpoint, deliveryStore.disabledEndpoints(), true);
    } catch (RuntimeException e) {
      log.warn("Webhook dispatch to {} failed; retrying in {}", endpoint.id(), pollInterval, e);
    } finally {
      DISPATCHING.set(false);
    }
  }

  private void wake(WebhookEndpoint endpoint) {
    ScheduledExecutorService scheduler = poller;
    if (state.get() != State.RUNNING || scheduler == null) {
      return;
    }
    try {
      scheduler.execute(() -> {
        if (state.get() != State.RUNNING) {
          return;
        }
        try {
          dispatch(endpoint, deliveryStore.disabledEndpoints(), true);
        } catch (RuntimeException e) {
          log.warn("Webhook dispatch to {} failed; retrying in {}", endpoint.id(), pollInterval, e);
        }
      });
    } catch (RejectedExecutionException e) {
      log.debug("Webhook dispatch to {} not scheduled: the dispatcher is closing", endpoint.id());
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Enqueueing

  private void enqueueNew(int maxBatches) {
    synchronized (enqueueLock) {
      for (int batch = 0; batch < maxBatches; batch++) {
        OptionalLong saved = deliveryStore.findPosition(group);
        if (saved.isEmpty() && startFrom == StartFrom.LATEST) {
          long last = invoiceStore.lastEventSequence();
          if (deliveryStore.enqueue(group, 0, last, List.of())) {
            log.info("Webhook group '{}' starts after event {} (the end of the log)", group, last);
          }
          continue;
        }
        long position = saved.orElse(0);
        List<Event> events = invoiceStore.readEvents(position, batchSize);
        if (events.isEmpty()) {
          return;
        }
        Instant now = now();
        List<Delivery> deliveries = new ArrayList<>();
        for (Event event : events) {
          String payload = null;
          for (WebhookEndpoint endpoint : endpoints.values()) {
            if (endpoint.enabled() && endpoint.accepts(event.type())) {
              if (payload == null) {
                payload = new String(InvoiceJson.writeBytes(event), StandardCharsets.UTF_8);
              }
              deliveries.add(Delivery.pending(event.id(), event.type().code(), event.sequence(),
                  event.subjectId(), endpoint.id(), now, payload));
            }
          }
        }
        long last = events.get(events.size() - 1).sequence();
        if (deliveryStore.enqueue(group, position, last, deliveries)) {
          log.debug("Enqueued {} webhook deliveries for events {} to {}", deliveries.size(),
              events.get(0).sequence(), last);
        } else {
          log.debug("Events after {} were enqueued by another dispatcher of group '{}'", position, group);
        }
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Sending

  private List<CompletableFuture<Void>> dispatch(
      WebhookEndpoint endpoint, Map<String, EndpointDisabled> disabled, boolean wakeAfter) {
    if (!endpoint.enabled() || disabled.containsKey(endpoint.id())) {
      return List.of();
    }
    Semaphore semaphore = permits.get(endpoint.id());
    int wanted = 0;
    while (wanted < batchSize && semaphore.tryAcquire()) {
      wanted++;
    }
    if (wanted == 0) {
      return List.of();
    }
    List<Delivery> claimed;
    try {
      Instant now = now();
      claimed = deliveryStore.claim(endpoint.id(), now, wanted, owner, now.plus(lease));
    } catch (RuntimeException e) {
      semaphore.release(wanted);
      throw e;
    }
    semaphore.release(wanted - claimed.size());
    List<CompletableFuture<Void>> attempts = new ArrayList<>(claimed.size());
    for (Delivery delivery : claimed) {
      CompletableFuture<Void> attempt;
      try {
        attempt = attempt(endpoint, delivery);
      } catch (RuntimeException e) {
        attempt = CompletableFuture.failedFuture(e);
      }
      attempts.add(attempt.handle((ignored, error) -> {
        semaphore.release();
        if (error != null) {
          log.warn("Recording the attempt of delivery {} to {} failed; it is retried when its claim lapses",
              delivery.id(), endpoint.id(), error);
        }
        if (wakeAfter) {
          continueAfter(endpoint);
        }
        return null;
      }));
    }
    return attempts;
  }

  private CompletableFuture<Void> attempt(WebhookEndpoint endpoint, Delivery delivery) {
    Instant started = now();
    long startNanos = System.nanoTime();
    byte[] body = delivery.payload().getBytes(StandardCharsets.UTF_8);
    String signature;
    try {
      signature = endpoint.signer().sign(delivery.eventId(), started.getEpochSecond(), body);
    } catch (RuntimeException e) {
      // A plugin signer's message might quote its key; keep only the type.
      return failedBeforeSending(endpoint, delivery, started, startNanos,
          "signing failed: " + e.getClass().getSimpleName());
    }
    HttpRequest request;
    try {
      request = HttpRequest.newBuilder(endpoint.url())
          .timeout(requestTimeout)
          .header("content-type", "application/json")
          .header("user-agent", USER_AGENT)
          .header(WebhookHeaders.ID, delivery.eventId())
          .header(WebhookHeaders.TIMESTAMP, Long.toString(started.getEpochSecond()))
          .header(WebhookHeaders.SIGNATURE, signature)
          .POST(HttpRequest.BodyPublishers.ofByteArray(body))
          .build();
    } catch (RuntimeException e) {
      // The JDK refuses some URLs (and header values) only here; record it like any failed attempt.
      return failedBeforeSending(endpoint, delivery, started, startNanos,
          "invalid request: " + Redaction.error(e, endpoint.url()));
    }
    // A blocking send on the dispatcher's executor rather than sendAsync: the JDK's sendAsync hands every response to
    // the common pool, which on a machine with 2 cores or fewer is a new thread per response (JDK 17's
    // HttpClientImpl, ASYNC_POOL); that thread start cost more than the request itself.
    CompletableFuture<HttpResponse<Void>> sent;
    try {
      sent = CompletableFuture.supplyAsync(() -> send(request), sendExecutor);
    } catch (RejectedExecutionException e) {
      return failedBeforeSending(endpoint, delivery, started, startNanos, "not sent: the dispatcher is closing");
    }
    return sent
        .orTimeout(attemptGuard.toMillis(), TimeUnit.MILLISECONDS)
        .handle((response, error) -> {
          if (error != null && state.get() == State.CLOSED && interrupted(error)) {
            // close() interrupted a send still waiting for its answer: abandon it as close() documents (its claim
            // lapses and it is sent again later) rather than record a failed attempt.
            log.debug("Attempt of delivery {} to {} abandoned by close()", delivery.id(), endpoint.id());
            return null;
          }
          finish(endpoint, delivery, started, startNanos, response, error == null ? null : describe(error, endpoint));
          return null;
        });
  }

  private static boolean interrupted(Throwable error) {
    for (Throwable cause = error; cause != null; cause = cause.getCause()) {
      if (cause instanceof InterruptedException) {
        return true;
      }
    }
    return false;
  }

  private HttpResponse<Void> send(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.discarding());
    } catch (IOException e) {
      throw new CompletionException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CompletionException(e);
    }
  }

  private CompletableFuture<Void> failedBeforeSending(
      WebhookEndpoint endpoint, Delivery delivery, Instant started, long startNanos, String error) {
    try {
      finish(endpoint, delivery, started, startNanos, null, error);
      return CompletableFuture.completedFuture(null);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private void finish(WebhookEndpoint endpoint, Delivery delivery, Instant started, long startNanos,
      HttpResponse<?> response, String error) {
    Duration latency = Duration.ofNanos(Math.max(0, System.nanoTime() - startNanos));
    Instant end = now();
    OptionalInt status = OptionalInt.empty();
    Optional<Duration> retryAfter = Optional.empty();
    boolean success = false;
    Optional<String> failure;
    if (response != null) {
      int code = response.statusCode();
      status = OptionalInt.of(code);
      success = code >= 200 && code < 300;
      failure = success ? Optional.empty() : Optional.of("HTTP " + code);
      retryAfter = response.headers().firstValue("retry-after").flatMap(value -> RetryAfter.parse(value, end));
    } else {
      failure = Optional.of(error == null ? "no response" : error);
    }
    int number = delivery.attempts() + 1;
    DeliveryAttempt attempt = new DeliveryAttempt(delivery.id(), delivery.eventId(), endpoint.id(), number, started,
        status, latency, success, failure);
    DeliveryState next;
    Instant nextAttemptAt = end;
    if (success) {
      next = DeliveryState.DELIVERED;
    } else if (number >= schedule.maxAttempts()) {
      next = DeliveryState.DEAD;
    } else {
      Duration wait;
      synchronized (random) {
        wait = schedule.jitteredDelayBefore(number + 1, random);
      }
      if (retryAfter.isPresent()) {
        Duration asked = retryAfter.get().compareTo(schedule.maxRetryAfter()) > 0
            ? schedule.maxRetryAfter() : retryAfter.get();
        wait = asked.compareTo(wait) > 0 ? asked : wait;
      }
      next = DeliveryState.PENDING;
      nextAttemptAt = end.plus(wait).truncatedTo(ChronoUnit.MILLIS);
    }
    if (status.isPresent() && status.getAsInt() == 410) {
      deliveryStore.disableEndpoint(new EndpointDisabled(endpoint.id(), end, "HTTP 410 Gone"));
      log.warn("Webhook endpoint {} answered 410 Gone and is disabled; its deliveries are kept until "
          + "enableEndpoint(\"{}\")", endpoint.id(), endpoint.id());
    }
    boolean kept = deliveryStore.complete(new DeliveryOutcome(owner, attempt, next, number, nextAttemptAt, end));
    if (!kept) {
      log.info("Delivery {} of {} to {} ended after its claim was taken over; the attempt is logged, its state is "
          + "the new owner's", delivery.id(), delivery.eventId(), endpoint.id());
      return;
    }
    switch (next) {
      case DELIVERED -> log.debug("Delivered {} ({}) to {} in {} ms, attempt {}", delivery.eventId(),
          delivery.eventType(), endpoint.id(), latency.toMillis(), number);
      case DEAD -> log.warn("Delivery {} of {} ({}) to {} is dead after {} attempts (last: {}); "
          + "redeliver it with redeliver(\"{}\")", delivery.id(), delivery.eventId(), delivery.eventType(),
          endpoint.id(), number, failure.orElse(""), delivery.id());
      default -> log.info("Delivery of {} ({}) to {} failed, attempt {} of {}: {}; next attempt at {}",
          delivery.eventId(), delivery.eventType(), endpoint.id(), number, schedule.maxAttempts(),
          failure.orElse(""), nextAttemptAt);
    }
  }

  private String describe(Throwable error, WebhookEndpoint endpoint) {
    Throwable root = error;
    while (root instanceof CompletionException && root.getCause() != null) {
      root = root.getCause();
    }
    if (root instanceof HttpConnectTimeoutException) {
      return "connect timeout (" + http.connectTimeout().orElse(DEFAULT_CONNECT_TIMEOUT).toMillis() + " ms)";
    }
    if (root instanceof HttpTimeoutException) {
      return "timeout: no response within " + requestTimeout.toMillis() + " ms";
    }
    if (root instanceof TimeoutException) {
      return "timeout: no complete response within " + attemptGuard.toMillis() + " ms";
    }
    if (root instanceof ConnectException) {
      return "connection failed: " + Redaction.error(root, endpoint.url());
    }
    if (root instanceof IOException) {
      return "connection error: " + Redaction.error(root, endpoint.url());
    }
    return "error: " + Redaction.error(root, endpoint.url());
  }

  private void purgeIfDue(Instant now) {
    Instant due = nextPurgeAt.get();
    if (now.isBefore(due) || !nextPurgeAt.compareAndSet(due, now.plus(PURGE_INTERVAL))) {
      return;
    }
    int removed = deliveryStore.purge(now.minus(retention));
    if (removed > 0) {
      log.info("Purged {} webhook deliveries and attempts older than {}", removed, retention);
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Dead letters and endpoints

  /**
   * Sends a delivery again, whatever it became (dead, delivered or still pending): it is due now, with a fresh
   * schedule, and keeps its {@code webhook-id}.
   *
   * @return the delivery as queued again
   * @throws DeliveryNotFoundException if there is no such delivery
   * @throws IllegalStateException if it is being sent at this moment
   */
  public Delivery redeliver(String deliveryId) {
    requireNonNull(deliveryId, "deliveryId");
    Delivery delivery = deliveryStore.redeliver(deliveryId, now())
        .orElseThrow(() -> new DeliveryNotFoundException(deliveryId));
    if (delivery.state() == DeliveryState.SENDING) {
      throw new IllegalStateException("delivery " + deliveryId + " is being sent right now; try again after the "
          + "attempt ends");
    }
    log.info("Delivery {} of {} to {} queued again by hand", deliveryId, delivery.eventId(), delivery.endpointId());
    signal();
    return delivery;
  }

  /**
   * Sends every dead delivery of an endpoint again (due now, fresh schedule).
   *
   * @return how many were queued again
   */
  public int redeliverDead(String endpointId) {
    requireNonNull(endpointId, "endpointId");
    int count = deliveryStore.redeliverDead(endpointId, now());
    log.info("{} dead delivery(ies) to {} queued again by hand", count, endpointId);
    signal();
    return count;
  }

  /**
   * Re-enables an endpoint disabled by a 410 answer; its held deliveries become due now.
   *
   * @return false if it was not disabled
   */
  public boolean enableEndpoint(String endpointId) {
    requireNonNull(endpointId, "endpointId");
    boolean changed = deliveryStore.enableEndpoint(endpointId, now());
    if (changed) {
      log.info("Webhook endpoint {} enabled again", endpointId);
      signal();
    }
    return changed;
  }

  /** Whether, since when and why an endpoint is disabled by a 410 answer. */
  public Optional<EndpointDisabled> findDisabled(String endpointId) {
    return Optional.ofNullable(deliveryStore.disabledEndpoints().get(requireNonNull(endpointId, "endpointId")));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // The delivery log

  public Optional<Delivery> findDelivery(String deliveryId) {
    return deliveryStore.findDelivery(requireNonNull(deliveryId, "deliveryId"));
  }

  /**
   * The delivery with this id.
   *
   * @throws DeliveryNotFoundException if there is none
   */
  public Delivery getDelivery(String deliveryId) {
    return findDelivery(deliveryId).orElseThrow(() -> new DeliveryNotFoundException(deliveryId));
  }

  /** The delivery of an event to an endpoint, if one was made. */
  public Optional<Delivery> findDelivery(String eventId, String endpointId) {
    return findDelivery(Delivery.idOf(requireNonNull(eventId, "eventId"), requireNonNull(endpointId, "endpointId")));
  }

  /** The deliveries of one event, one per endpoint it went to. */
  public List<Delivery> deliveriesOfEvent(String eventId) {
    return deliveryStore.deliveriesOfEvent(requireNonNull(eventId, "eventId"));
  }

  /** Up to {@code limit} deliveries of an endpoint in {@code state}, oldest event first (for dead letters). */
  public List<Delivery> deliveriesOfEndpoint(String endpointId, DeliveryState state, int limit) {
    return deliveryStore.deliveriesOfEndpoint(requireNonNull(endpointId, "endpointId"),
        Optional.of(requireNonNull(state, "state")), 0, limit);
  }

  /** Every attempt of one event, at every endpoint, oldest first. */
  public List<DeliveryAttempt> attemptsOfEvent(String eventId) {
    return deliveryStore.attemptsOfEvent(requireNonNull(eventId, "eventId"));
  }

  /** Up to {@code limit} attempts at an endpoint since {@code since}, oldest first. */
  public List<DeliveryAttempt> attemptsOfEndpoint(String endpointId, Instant since, int limit) {
    return deliveryStore.attemptsOfEndpoint(requireNonNull(endpointId, "endpointId"),
        requireNonNull(since, "since"), limit);
  }

  /** The endpoints, in the order configured. */
  public Collection<WebhookEndpoint> endpoints() {
    return endpoints.values();
  }

  /** The retry schedule in use. */
  public RetrySchedule schedule() {
    return schedule;
  }

  // ---------------------------------------------------------------------------------------------------------------

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MILLIS);
  }

  private static ThreadFactory daemonThreads(String name) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  @Override
  public String toString() {
    return "WebhookDispatcher[" + owner + ", group '" + group + "', " + state.get() + ", " + endpoints.values() + "]";
  }

  /**
   * Builds a {@link WebhookDispatcher}. Each setter checks its value; {@link #build()} checks the combination. Not
   * thread-safe.
   */
  public static final class Builder {
    private InvoiceStore invoiceStore;
    private DeliveryStore deliveryStore;
    private final List<WebhookEndpoint> endpoints = new ArrayList<>();
    private Clock clock = Clock.systemUTC();
    private Executor executor;
    private HttpClient httpClient;
    private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    private boolean connectTimeoutSet;
    private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
    private Duration pollInterval = DEFAULT_POLL_INTERVAL;
    private Duration retention = DEFAULT_RETENTION;
    private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;
    private RetrySchedule schedule = RetrySchedule.ONE_DAY;
    private RandomGenerator random;
    private String group = DEFAULT_GROUP;
    private StartFrom startFrom = StartFrom.BEGINNING;
    private int batchSize = DEFAULT_BATCH_SIZE;

    private Builder() {}

    /** The event source: the same store the {@code InvoiceEngine} writes to. Required. */
    public Builder invoiceStore(InvoiceStore store) {
      this.invoiceStore = requireNonNull(store, "store");
      return this;
    }

    /** Where deliveries, attempts and the enqueue position are kept. Required. */
    public Builder deliveryStore(DeliveryStore store) {
      this.deliveryStore = requireNonNull(store, "store");
      return this;
    }

    /** Adds an endpoint (ids must be unique). At least one is required. */
    public Builder endpoint(WebhookEndpoint endpoint) {
      endpoints.add(requireNonNull(endpoint, "endpoint"));
      return this;
    }

    /** Adds endpoints. */
    public Builder endpoints(Collection<WebhookEndpoint> endpoints) {
      requireNonNull(endpoints, "endpoints").forEach(this::endpoint);
      return this;
    }

    /** The clock for due times and {@code webhook-timestamp}. Default {@link Clock#systemUTC()}. */
    public Builder clock(Clock clock) {
      this.clock = requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Runs the HTTP requests (each attempt blocks one thread while it waits for its answer, so at most the sum of the
     * endpoints' {@link WebhookEndpoint#maxConcurrentRequests()} at once), the built-in HTTP client's work and the
     * recording of attempts. Default: a cached pool of daemon threads, shut down by
     * {@link WebhookDispatcher#close()}; an executor given here is not shut down.
     */
    public Builder executor(Executor executor) {
      this.executor = requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Your own HTTP client (proxy, TLS settings...). It should not follow redirects. Its connect timeout applies;
     * {@link #connectTimeout} cannot be combined with it.
     */
    public Builder httpClient(HttpClient client) {
      this.httpClient = requireNonNull(client, "client");
      return this;
    }

    /** How long to wait for a connection. Default {@link #DEFAULT_CONNECT_TIMEOUT}. */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive(timeout, "connectTimeout");
      this.connectTimeoutSet = true;
      return this;
    }

    /** How long to wait for the response headers of one attempt. Default {@link #DEFAULT_REQUEST_TIMEOUT}. */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = positive(timeout, "requestTimeout");
      return this;
    }

    /** How often a started dispatcher polls. Default {@link #DEFAULT_POLL_INTERVAL}. */
    public Builder pollInterval(Duration interval) {
      this.pollInterval = positive(interval, "pollInterval");
      return this;
    }

    /** How long finished deliveries and attempts are kept. Default {@link #DEFAULT_RETENTION}. */
    public Builder retention(Duration retention) {
      this.retention = positive(retention, "retention");
      return this;
    }

    /** How long {@link WebhookDispatcher#close()} waits. Default {@link #DEFAULT_CLOSE_TIMEOUT}. */
    public Builder closeTimeout(Duration timeout) {
      requireNonNull(timeout, "closeTimeout");
      if (timeout.isNegative()) {
        throw new IllegalArgumentException("closeTimeout must not be negative, but was " + timeout);
      }
      this.closeTimeout = timeout;
      return this;
    }

    /**
     * When failed deliveries are retried. Default {@link RetrySchedule#ONE_DAY} (about a day);
     * {@link RetrySchedule#STANDARD} is the specification's longer example (about 3 days).
     */
    public Builder schedule(RetrySchedule schedule) {
      this.schedule = requireNonNull(schedule, "schedule");
      return this;
    }

    /** The source of jitter. Default: a {@link SplittableRandom}; used under a lock. */
    public Builder random(RandomGenerator random) {
      this.random = requireNonNull(random, "random");
      return this;
    }

    /**
     * The dispatcher group: dispatchers with the same group and stores share one enqueue position and the work.
     * Default {@link #DEFAULT_GROUP}.
     */
    public Builder group(String group) {
      requireNonNull(group, "group");
      if (group.isBlank() || group.length() > 100) {
        throw new IllegalArgumentException("group must be 1 to 100 characters, but was '" + group + "'");
      }
      this.group = group;
      return this;
    }

    /** Where a new group starts reading the event log. Default {@link StartFrom#BEGINNING}. */
    public Builder startFrom(StartFrom startFrom) {
      this.startFrom = requireNonNull(startFrom, "startFrom");
      return this;
    }

    /** How many events are read, and deliveries claimed, at a time. Default {@link #DEFAULT_BATCH_SIZE}. */
    public Builder batchSize(int batchSize) {
      if (batchSize < 1 || batchSize > 10_000) {
        throw new IllegalArgumentException("batchSize must be 1 to 10000, but was " + batchSize);
      }
      this.batchSize = batchSize;
      return this;
    }

    /**
     * The dispatcher, not yet started.
     *
     * @throws IllegalStateException if a store or every endpoint is missing, two endpoints share an id, or a connect
     *     timeout is combined with a custom HTTP client
     */
    public WebhookDispatcher build() {
      if (invoiceStore == null) {
        throw new IllegalStateException("a webhook dispatcher needs the invoice store (the event source)");
      }
      if (deliveryStore == null) {
        throw new IllegalStateException("a webhook dispatcher needs a delivery store");
      }
      if (endpoints.isEmpty()) {
        throw new IllegalStateException("a webhook dispatcher needs at least one endpoint");
      }
      java.util.Set<String> ids = new java.util.HashSet<>();
      for (WebhookEndpoint endpoint : endpoints) {
        if (!ids.add(endpoint.id())) {
          throw new IllegalStateException("two endpoints have the id " + endpoint.id());
        }
      }
      if (httpClient != null && connectTimeoutSet) {
        throw new IllegalStateException("connectTimeout applies to the built-in HTTP client only; set it on the "
            + "HttpClient given to httpClient(...)");
      }
      return new WebhookDispatcher(this);
    }

    private static Duration positive(Duration value, String name) {
      requireNonNull(value, name);
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException(name + " must be positive, but was " + value);
      }
      return value;
    }
  }
}
