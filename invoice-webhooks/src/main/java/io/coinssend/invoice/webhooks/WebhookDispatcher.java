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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.random.RandomGenerator;
import javax.net.ssl.SSLException;
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
 * <p>Store work is done in batches, not per delivery: new deliveries to an endpoint whose local queue holds less
 * than a batch are enqueued already claimed by this dispatcher ({@link DeliveryStore#enqueueClaiming}) and go
 * straight into that queue, and the other due deliveries are claimed up to
 * {@link Builder#batchSize(int)} at a time (one store call) into the local queue that up to
 * {@link WebhookEndpoint#maxConcurrentRequests()} workers send, each a loop of blocking requests; finished attempts
 * are recorded in groups through {@link DeliveryStore#completeAll} (one call for whatever finished while the previous
 * call ran, waiting up to {@link #GROUP_LINGER} for a small group to grow while workers are sending, at most
 * {@link #MAX_UNRECORDED_ATTEMPTS} waiting); the disabled endpoints are read once per poll, at most
 * every {@link #DISABLED_REFRESH}, not per delivery. Delivery is at least once: if the process dies after a request
 * and before its attempt is recorded, the delivery stays claimed until its lease lapses (connect timeout + request
 * timeout + 10 s + {@link #LEASE_MARGIN}) and is then sent again with the same {@code webhook-id}; receivers
 * deduplicate on it. Nothing is lost: every delivery is in the store before it is sent, and only a recorded outcome
 * ends it. A claimed delivery still queued when its claim no longer covers a whole attempt, or when its endpoint is
 * disabled or the dispatcher closes, is given back ({@link DeliveryStore#release}) rather than sent. Deliveries to one
 * endpoint leave in the store's due order (earliest due, then event order), several at a time up to the endpoint's
 * bound, so order is best effort.
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
  /**
   * How many events the first read of new events takes when no endpoint has anything queued or sending: 8 (or the
   * batch size if smaller). Each next read of the same poll takes four times as many, up to the batch size, so the
   * first requests of a burst leave after a small store write instead of a whole batch's.
   */
  public static final int FIRST_ENQUEUE_EVENTS = 8;
  /** How often expired deliveries and attempts are purged: every hour. */
  public static final Duration PURGE_INTERVAL = Duration.ofHours(1);
  /** How much longer than the longest possible attempt a claim lasts before another dispatcher may take over. */
  public static final Duration LEASE_MARGIN = Duration.ofSeconds(60);
  /**
   * How many finished attempts may wait to be recorded in the delivery store before workers wait to send more:
   * 1,000.
   */
  public static final int MAX_UNRECORDED_ATTEMPTS = 1_000;
  /**
   * How long a group of finished attempts smaller than half the batch size waits for more before it is recorded, while
   * workers are still sending: 10 milliseconds. A group is recorded at once when it reaches half the batch size, when
   * no worker is sending any more (a worker stops when its endpoint's queue of claimed deliveries runs dry), or when
   * the dispatcher closes.
   */
  public static final Duration GROUP_LINGER = Duration.ofMillis(10);
  /** How old this dispatcher's copy of the disabled endpoints may be when a poll starts: 1 second. */
  public static final Duration DISABLED_REFRESH = Duration.ofSeconds(1);
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
  private final List<Lane> lanes;
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

  private final AtomicReference<State> state = new AtomicReference<>(State.CREATED);
  private final Recorder recorder = new Recorder();
  /**
   * Workers running: each will queue more outcomes for the recorder unless its lane runs dry. Counted per worker, not
   * per attempt: a worker with one request in flight is between two attempts after each, and counting attempts would
   * end the recorder's wait for a larger group at every one of them.
   */
  private final AtomicInteger working = new AtomicInteger();
  /** Attempts started, for {@link #runDue()}'s count. */
  private final AtomicInteger attemptsStarted = new AtomicInteger();
  /** A claim that failed on a worker thread since {@link #runDue()} began, rethrown there. */
  private final AtomicReference<RuntimeException> claimFailure = new AtomicReference<>();
  /** The disabled endpoints as last read from the store, plus those this dispatcher disabled or enabled since. */
  private volatile Map<String, EndpointDisabled> disabled = Map.of();
  private final Object disabledLock = new Object();
  /** Bumped by every local change of {@link #disabled}, so a read of the store that raced with one is not kept. */
  private long disabledVersion;
  private volatile long disabledReadAt;
  private volatile boolean disabledRead;
  private final Object enqueueLock = new Object();
  /** Whether {@link #enqueueNew} is running (then no lane starts a claim; see {@link Lane#claimIfLow}). */
  private volatile boolean enqueueing;
  private final AtomicReference<Instant> nextPurgeAt = new AtomicReference<>(Instant.MIN);
  private final java.util.concurrent.atomic.AtomicBoolean pollRequested =
      new java.util.concurrent.atomic.AtomicBoolean();
  private volatile ScheduledExecutorService poller;

  private WebhookDispatcher(Builder builder) {
    this.invoiceStore = builder.invoiceStore;
    this.deliveryStore = builder.deliveryStore;
    // Before the lanes: each sets its low-water mark from it.
    this.batchSize = builder.batchSize;
    Map<String, WebhookEndpoint> byId = new LinkedHashMap<>();
    List<Lane> laneList = new ArrayList<>();
    for (WebhookEndpoint endpoint : builder.endpoints) {
      byId.put(endpoint.id(), endpoint);
      laneList.add(new Lane(endpoint));
    }
    this.endpoints = java.util.Collections.unmodifiableMap(byId);
    this.lanes = List.copyOf(laneList);
    this.clock = builder.clock;
    this.schedule = builder.schedule;
    this.random = builder.random != null ? builder.random : new SplittableRandom();
    this.requestTimeout = builder.requestTimeout;
    this.pollInterval = builder.pollInterval;
    this.retention = builder.retention;
    this.closeTimeout = builder.closeTimeout;
    this.group = builder.group;
    this.startFrom = builder.startFrom;
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
   * Stops polling, gives back the claims of deliveries claimed but not yet sent, waits (up to the close timeout) for
   * attempts in flight and for the recording of finished ones. An attempt still running then is abandoned, and an
   * attempt not yet recorded then is not recorded: their claims lapse and they are sent again later, by this group.
   * Idempotent.
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
    for (Lane lane : lanes) {
      // Workers stop taking deliveries once closed and give back what they hold; this covers a lane without one.
      releaseQuietly(lane.endpoint, lane.drain());
    }
    for (Lane lane : lanes) {
      if (!lane.awaitIdle(deadline)) {
        log.warn("Webhook dispatcher {} closed with attempt(s) to {} still running; their claims lapse and they "
            + "are sent again later", owner, lane.endpoint.id());
      }
    }
    if (!recorder.awaitIdle(deadline)) {
      log.warn("Webhook dispatcher {} closed before {} finished attempt(s) were recorded; their claims lapse and "
          + "they are sent again later", owner, recorder.queued());
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
   * Does all due work now and waits for it: enqueues every new event, then sends every delivery due at the clock's
   * current time (within each endpoint's concurrency bound) and waits until each attempt is recorded, then purges
   * expired records if an hour has passed. For tests on a manual clock, and for callers that drive the dispatcher
   * themselves instead of {@link #start()}ing it: on a started dispatcher it is safe but also waits for the attempts
   * the background work has in flight, and counts them.
   *
   * @return how many attempts were made
   * @throws IllegalStateException if closed
   * @throws io.coinssend.invoice.InvoiceStoreException if a store failed
   */
  public int runDue() {
    if (state.get() == State.CLOSED) {
      throw new IllegalStateException("the webhook dispatcher is closed");
    }
    refreshDisabled(true);
    claimFailure.set(null);
    // Counted from before the enqueue: deliveries it claims here start at once.
    int before = attemptsStarted.get();
    enqueueNew(Integer.MAX_VALUE, false);
    for (Lane lane : lanes) {
      lane.kick();
    }
    for (Lane lane : lanes) {
      lane.awaitIdle(Long.MAX_VALUE);
    }
    recorder.awaitIdle(Long.MAX_VALUE);
    RuntimeException failure = claimFailure.getAndSet(null);
    if (failure != null) {
      throw failure;
    }
    purgeIfDue(now());
    return attemptsStarted.get() - before;
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
      refreshDisabled(false);
      enqueueNew(10, true);
      for (Lane lane : lanes) {
        lane.kick();
        lane.interruptOverdueSends();
      }
      purgeIfDue(now());
    } catch (RuntimeException e) {
      log.warn("Webhook dispatch failed; retrying in {}", pollInterval, e);
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Disabled endpoints

  /**
   * Reads the disabled endpoints from the store if forced or if the last read is older than
   * {@link #DISABLED_REFRESH}: one read per poll at most, not one per delivery. Another dispatcher's 410 is thus
   * seen here within a poll interval or a second, whichever is longer; this dispatcher's own changes are seen at once.
   */
  private void refreshDisabled(boolean force) {
    long now = System.nanoTime();
    if (!force && disabledRead && now - disabledReadAt < DISABLED_REFRESH.toNanos()) {
      return;
    }
    long version;
    synchronized (disabledLock) {
      version = disabledVersion;
    }
    Map<String, EndpointDisabled> read = deliveryStore.disabledEndpoints();
    synchronized (disabledLock) {
      if (version == disabledVersion) {
        disabled = read;
      }
      disabledReadAt = now;
      disabledRead = true;
    }
  }

  private void disabledHere(String endpointId, EndpointDisabled record) {
    synchronized (disabledLock) {
      Map<String, EndpointDisabled> copy = new LinkedHashMap<>(disabled);
      if (record == null) {
        copy.remove(endpointId);
      } else {
        copy.putIfAbsent(endpointId, record);
      }
      disabled = Map.copyOf(copy);
      disabledVersion++;
    }
  }

  private boolean isDisabled(WebhookEndpoint endpoint) {
    return !endpoint.enabled() || disabled.containsKey(endpoint.id());
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Enqueueing

  /**
   * Enqueues up to {@code maxBatches} batches of new events; with {@code kickEach}, starts sending after each batch
   * rather than after the last, so sending overlaps the enqueueing of a burst.
   */
  private void enqueueNew(int maxBatches, boolean kickEach) {
    synchronized (enqueueLock) {
      enqueueing = true;
      try {
        enqueueBatches(maxBatches, kickEach);
      } finally {
        enqueueing = false;
      }
    }
  }

  /** {@link #enqueueNew}, holding the enqueue lock. */
  private void enqueueBatches(int maxBatches, boolean kickEach) {
    // From an idle start, the first read is small and each next one four times larger, up to the batch size: the
    // first requests of a burst then leave after a small insert rather than a whole batch's (on PostgreSQL about
    // 45 µs a delivery, plus the commit).
    int chunk = allLanesIdle() ? Math.min(batchSize, FIRST_ENQUEUE_EVENTS) : batchSize;
    // The position this dispatcher just wrote: the next batch starts there without reading it again (if another
    // dispatcher moved it meanwhile, the enqueue finds it stale, writes nothing, and the position is read again).
    OptionalLong known = OptionalLong.empty();
    for (int batch = 0; batch < maxBatches; batch++) {
      OptionalLong saved = known.isPresent() ? known : deliveryStore.findPosition(group);
      known = OptionalLong.empty();
      if (saved.isEmpty() && startFrom == StartFrom.LATEST) {
        long last = invoiceStore.lastEventSequence();
        if (deliveryStore.enqueue(group, 0, last, List.of())) {
          log.info("Webhook group '{}' starts after event {} (the end of the log)", group, last);
        }
        continue;
      }
      long position = saved.orElse(0);
      List<Event> events = invoiceStore.readEvents(position, chunk);
      if (events.isEmpty()) {
        return;
      }
      chunk = (int) Math.min(batchSize, 4L * chunk);
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
      // The deliveries to endpoints whose queue here has room go in already claimed by this dispatcher, and
      // straight into that queue: no claim in a second store call.
      Set<String> claimFor = new HashSet<>();
      for (Lane lane : lanes) {
        if (lane.hasRoom()) {
          claimFor.add(lane.endpoint.id());
        }
      }
      Optional<List<Delivery>> enqueued = deliveryStore.enqueueClaiming(group, position, last, deliveries,
          claimFor, owner, now.plus(lease), now);
      if (enqueued.isPresent()) {
        known = OptionalLong.of(last);
        log.debug("Enqueued {} webhook deliveries for events {} to {} ({} claimed here)", deliveries.size(),
            events.get(0).sequence(), last, enqueued.get().size());
        if (!enqueued.get().isEmpty()) {
          for (Lane lane : lanes) {
            lane.offer(enqueued.get());
          }
        }
        if (kickEach) {
          for (Lane lane : lanes) {
            lane.kick();
          }
        }
      } else {
        log.debug("Events after {} were enqueued by another dispatcher of group '{}'", position, group);
      }
    }
  }

  /** Whether no endpoint has a delivery queued here or a worker sending. */
  private boolean allLanesIdle() {
    for (Lane lane : lanes) {
      if (!lane.idle()) {
        return false;
      }
    }
    return true;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Sending

  /**
   * One endpoint's sending in this dispatcher. Deliveries are claimed in batches of up to the batch size (one store
   * call for many) into a local queue, in the store's due order, or put there as this dispatcher enqueues them
   * claimed ({@link #offer}), and sent by at most
   * {@link WebhookEndpoint#maxConcurrentRequests()} workers, each a loop of blocking sends on the executor. Claims run
   * as their own task, one at a time, started when the queue runs low (so workers rarely wait for one); a claim
   * starts workers for what it got, and a worker that finds the queue empty stops. A claimed delivery whose claim no
   * longer covers a whole attempt (it waited in the queue too long) is given back rather than sent, so another
   * dispatcher that takes it over never sends it at the same time. Guarded by its own monitor.
   */
  private final class Lane {
    final WebhookEndpoint endpoint;
    /** When the queue is this short, the next batch is claimed. */
    private final int lowWater;
    private final ArrayDeque<Delivery> claimed = new ArrayDeque<>();
    private final java.util.Set<Worker> active = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private int workers;
    private boolean claiming;
    /**
     * Whether the last claim found fewer due deliveries than it asked for, and nothing woke the lane since: the lane
     * then claims again only when woken (an empty claim is a transaction on a JDBC store).
     */
    private boolean dry;
    /** Counts {@link #kick()}s, so a claim that raced with one does not mark the lane dry. */
    private long wakeups;
    private long claimWakeups;

    Lane(WebhookEndpoint endpoint) {
      this.endpoint = endpoint;
      this.lowWater = Math.max(endpoint.maxConcurrentRequests(), batchSize / 4);
    }

    /**
     * Whether new deliveries to this endpoint should be enqueued claimed by this dispatcher, straight into this
     * queue: the endpoint is sending here, and the queue holds less than a batch (more would wait there while their
     * claims run down).
     */
    synchronized boolean hasRoom() {
      return !stopped() && claimed.size() < batchSize;
    }

    /** Whether nothing is queued here and no worker runs. */
    synchronized boolean idle() {
      return claimed.isEmpty() && workers == 0;
    }

    /**
     * Adds this endpoint's deliveries among {@code enqueued} (claimed by this dispatcher as they were enqueued) to the
     * queue, and starts workers for them; gives them back if the lane stopped meanwhile.
     */
    void offer(List<Delivery> enqueued) {
      List<Delivery> mine = new ArrayList<>();
      for (Delivery delivery : enqueued) {
        if (delivery.endpointId().equals(endpoint.id())) {
          mine.add(delivery);
        }
      }
      if (mine.isEmpty()) {
        return;
      }
      int start;
      synchronized (this) {
        if (stopped()) {
          start = -1;
        } else {
          claimed.addAll(mine);
          start = Math.min(claimed.size(), endpoint.maxConcurrentRequests() - workers);
          workers += start;
        }
      }
      if (start < 0) {
        releaseQuietly(endpoint, mine.stream().map(Delivery::id).toList());
        return;
      }
      startWorkers(start);
    }

    /** Starts workers for claimed deliveries waiting, and a claim if the queue is low. */
    void kick() {
      int start;
      boolean claim;
      synchronized (this) {
        if (stopped()) {
          return;
        }
        wakeups++;
        dry = false;
        start = Math.min(claimed.size(), endpoint.maxConcurrentRequests() - workers);
        workers += start;
        claim = claimIfLow();
      }
      startWorkers(start);
      if (claim) {
        startClaim();
      }
    }

    private boolean stopped() {
      return state.get() == State.CLOSED || isDisabled(endpoint);
    }

    /** Under the monitor: whether to start a claim now (and if so, it is marked as running). */
    private boolean claimIfLow() {
      // Not while new events are being enqueued: what they bring to this endpoint comes claimed while the queue has
      // room, and the kick after the enqueue claims whatever else is due (an empty claim is a transaction too).
      if (claiming || dry || enqueueing || claimed.size() > lowWater) {
        return false;
      }
      claiming = true;
      claimWakeups = wakeups;
      return true;
    }

    private void startWorkers(int count) {
      for (int i = 0; i < count; i++) {
        try {
          sendExecutor.execute(new Worker(this));
        } catch (RejectedExecutionException e) {
          synchronized (this) {
            workers -= count - i;
            notifyAll();
          }
          log.debug("Webhook worker for {} not started: the dispatcher is closing", endpoint.id());
          return;
        }
      }
    }

    private void startClaim() {
      try {
        sendExecutor.execute(this::claimBatches);
      } catch (RejectedExecutionException e) {
        synchronized (this) {
          claiming = false;
          notifyAll();
        }
        log.debug("Webhook claim for {} not started: the dispatcher is closing", endpoint.id());
      }
    }

    /** The claim task: claims batches while the queue is low and more may be due, and starts workers for them. */
    private void claimBatches() {
      boolean more = true;
      try {
        while (more) {
          List<Delivery> got;
          try {
            Instant now = now();
            got = deliveryStore.claim(endpoint.id(), now, batchSize, owner, now.plus(lease));
          } catch (RuntimeException e) {
            claimFailure.set(e);
            log.warn("Claiming webhook deliveries for {} failed; retrying at the next poll", endpoint.id(), e);
            got = List.of();
            synchronized (this) {
              dry = true; // until the next kick: the poller's, at the latest
            }
          }
          int start = 0;
          boolean giveBack = false;
          synchronized (this) {
            if (got.size() < batchSize && claimWakeups == wakeups) {
              dry = true;
            }
            if (stopped()) {
              giveBack = true;
              more = false;
            } else {
              claimed.addAll(got);
              start = Math.min(claimed.size(), endpoint.maxConcurrentRequests() - workers);
              workers += start;
              claiming = false;
              more = claimIfLow();
            }
          }
          startWorkers(start);
          if (giveBack) {
            releaseQuietly(endpoint, got.stream().map(Delivery::id).toList());
          }
        }
      } finally {
        synchronized (this) {
          claiming = false; // this task is ending, whichever way
          notifyAll();
        }
      }
    }

    /** The next delivery for a worker to send; null when the worker should stop (its slot is then free). */
    Delivery next() {
      List<String> stale = new ArrayList<>(0);
      Delivery next = null;
      boolean claim;
      synchronized (this) {
        if (stopped()) {
          drainInto(stale);
          claim = false;
        } else {
          Instant now = now();
          for (Delivery delivery = claimed.poll(); delivery != null; delivery = claimed.poll()) {
            if (!now.plus(attemptGuard).isAfter(delivery.leaseUntil().orElseThrow())) {
              next = delivery;
              break;
            }
            stale.add(delivery.id());
          }
          claim = claimIfLow();
        }
      }
      releaseQuietly(endpoint, stale);
      if (next == null) {
        // Only after giving back, so whoever waits for the lane to be idle sees the claims returned; and before the
        // claim starts, so the claim finds this worker's slot free and starts a worker for what it gets.
        synchronized (this) {
          stop();
        }
      }
      if (claim) {
        startClaim();
      }
      return next;
    }

    /** Under the monitor: this worker's slot is free. */
    private void stop() {
      workers--;
      notifyAll();
    }

    private void drainInto(List<String> ids) {
      for (Delivery delivery : claimed) {
        ids.add(delivery.id());
      }
      claimed.clear();
    }

    /** Takes every claimed delivery not yet sent out of the queue. */
    synchronized List<String> drain() {
      List<String> ids = new ArrayList<>(claimed.size());
      drainInto(ids);
      return ids;
    }

    /** Waits until no worker runs; false if {@code deadline} (a {@link System#nanoTime()}) passed first. */
    synchronized boolean awaitIdle(long deadline) {
      return waitOn(this, () -> workers == 0 && !claiming, deadline);
    }

    /**
     * Interrupts sends that have run longer than an attempt may take (a response body that never ends, which the
     * request timeout does not cover); each is recorded as a timeout. Called from the poller.
     */
    void interruptOverdueSends() {
      long now = System.nanoTime();
      for (Worker worker : active) {
        worker.interruptIfOverdue(now);
      }
    }
  }

  /** A loop of blocking sends for one lane, on the executor: one request in flight. */
  private final class Worker implements Runnable {
    private final Lane lane;
    /** When the current send started ({@link System#nanoTime()}), 0 between sends; guarded by this. */
    private long sendingSince;
    private boolean overdue;
    private Thread thread;

    Worker(Lane lane) {
      this.lane = lane;
    }

    @Override
    public void run() {
      synchronized (this) {
        thread = Thread.currentThread();
      }
      lane.active.add(this);
      working.incrementAndGet();
      boolean stopped = false;
      try {
        for (Delivery delivery = lane.next(); delivery != null; delivery = lane.next()) {
          attempt(this, lane.endpoint, delivery);
        }
        stopped = true;
      } finally {
        if (working.decrementAndGet() == 0) {
          recorder.wake(); // the last worker out: record what waits without lingering
        }
        lane.active.remove(this);
        if (!stopped) {
          synchronized (lane) {
            lane.stop();
          }
        }
      }
    }

    synchronized void sending(long since) {
      sendingSince = since;
      overdue = false;
    }

    /** Ends a send; true if the watchdog interrupted it (the interrupt is then cleared). */
    synchronized boolean sent() {
      sendingSince = 0;
      if (overdue) {
        overdue = false;
        Thread.interrupted();
        return true;
      }
      return false;
    }

    synchronized void interruptIfOverdue(long now) {
      if (sendingSince != 0 && !overdue && now - sendingSince > attemptGuard.toNanos() && thread != null) {
        overdue = true;
        thread.interrupt();
      }
    }
  }

  private void releaseQuietly(WebhookEndpoint endpoint, List<String> deliveryIds) {
    if (deliveryIds.isEmpty()) {
      return;
    }
    try {
      deliveryStore.release(owner, deliveryIds, now());
      log.debug("Gave back {} claimed delivery(ies) to {} not sent", deliveryIds.size(), endpoint.id());
    } catch (RuntimeException e) {
      log.warn("Giving back {} claimed delivery(ies) to {} failed; they are sent when their claims lapse",
          deliveryIds.size(), endpoint.id(), e);
    }
  }

  /** One attempt, on a worker's thread: sign, send (blocking), then queue the outcome for the recorder. */
  private void attempt(Worker worker, WebhookEndpoint endpoint, Delivery delivery) {
    attemptsStarted.incrementAndGet();
    attemptAndQueue(worker, endpoint, delivery);
  }

  private void attemptAndQueue(Worker worker, WebhookEndpoint endpoint, Delivery delivery) {
    Instant started = now();
    long startNanos = System.nanoTime();
    try {
      byte[] body = delivery.payload().getBytes(StandardCharsets.UTF_8);
      String signature;
      try {
        signature = endpoint.signer().sign(delivery.eventId(), started.getEpochSecond(), body);
      } catch (RuntimeException e) {
        // A plugin signer's message might quote its key; keep only the type.
        finish(endpoint, delivery, started, startNanos, null, "signing failed: " + e.getClass().getSimpleName());
        return;
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
        finish(endpoint, delivery, started, startNanos, null, "invalid request: " + Redaction.error(e, endpoint.url()));
        return;
      }
      // A blocking send on the worker's own thread rather than sendAsync: the JDK's sendAsync hands every response to
      // the common pool, which on a machine with 2 cores or fewer is a new thread per response (JDK 17's
      // HttpClientImpl, ASYNC_POOL); and the worker goes straight on to the next delivery, with no hand-off.
      HttpResponse<Void> response = null;
      String error = null;
      worker.sending(startNanos);
      try {
        response = sendOnceMoreIfDropped(request, endpoint);
      } catch (IOException | RuntimeException e) {
        error = describe(e, endpoint);
      } catch (InterruptedException e) {
        boolean overdue = worker.sent();
        if (!overdue && state.get() == State.CLOSED) {
          // close() interrupted a send still waiting for its answer: abandon it as close() documents (its claim
          // lapses and it is sent again later) rather than record a failed attempt.
          Thread.currentThread().interrupt();
          log.debug("Attempt of delivery {} to {} abandoned by close()", delivery.id(), endpoint.id());
          return;
        }
        error = overdue ? describe(new TimeoutException(), endpoint) : "interrupted";
      } finally {
        worker.sent();
      }
      finish(endpoint, delivery, started, startNanos, response, error);
    } catch (RuntimeException e) {
      log.warn("Recording the attempt of delivery {} to {} failed; it is sent again when its claim lapses",
          delivery.id(), endpoint.id(), e);
    }
  }

  /**
   * Sends {@code request}, and sends it once more at once if the connection failed after it was made: the receiver
   * closed a kept-alive connection just as it was reused, a race every HTTP client meets, or dropped the request. The
   * receiver dedupes by {@code webhook-id}, so a repeat is safe (as the retry on the schedule would be), and this one
   * saves the delivery a wait of at least the schedule's first step. A refused connection, a TLS failure and a
   * timeout are not repeated: they would fail again.
   */
  private HttpResponse<Void> sendOnceMoreIfDropped(HttpRequest request, WebhookEndpoint endpoint)
      throws IOException, InterruptedException {
    try {
      return http.send(request, HttpResponse.BodyHandlers.discarding());
    } catch (HttpTimeoutException | ConnectException | SSLException e) {
      throw e;
    } catch (IOException e) {
      log.debug("The connection to {} failed ({}); sending once more", endpoint.id(),
          Redaction.error(e, endpoint.url()));
      return http.send(request, HttpResponse.BodyHandlers.discarding());
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
      if (!success) {
        retryAfter = response.headers().firstValue("retry-after").flatMap(value -> RetryAfter.parse(value, end));
      }
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
      EndpointDisabled gone = new EndpointDisabled(endpoint.id(), end, "HTTP 410 Gone");
      // Seen by this dispatcher's workers at once: they stop and give back what they claimed.
      disabledHere(endpoint.id(), gone);
      try {
        deliveryStore.disableEndpoint(gone);
      } catch (RuntimeException e) {
        log.warn("Recording that webhook endpoint {} is disabled failed; this dispatcher holds it back until it "
            + "reads the store again", endpoint.id(), e);
      }
      log.warn("Webhook endpoint {} answered 410 Gone and is disabled; its deliveries are kept until "
          + "enableEndpoint(\"{}\")", endpoint.id(), endpoint.id());
    }
    recorder.add(new Finished(delivery, new DeliveryOutcome(owner, attempt, next, number, nextAttemptAt, end)));
  }

  /** An attempt's outcome waiting to be recorded, with the delivery it concerns (for the log line). */
  private record Finished(Delivery delivery, DeliveryOutcome outcome) {}

  /**
   * Records finished attempts in groups (group commit): workers queue outcomes, and one writer at a time (a task on
   * the executor, started when the queue gets an entry while no writer runs) records everything queued in one
   * {@link DeliveryStore#completeAll} call, then what arrived meanwhile, until the queue is empty. While workers are
   * still sending, a group smaller than half the batch size waits up to {@link #GROUP_LINGER} for more: without
   * that, a store write (a transaction, with its commit) followed every few attempts, and the writes took the CPU
   * the sends needed. At most {@link #MAX_UNRECORDED_ATTEMPTS} wait; then workers wait before queueing more, so
   * sending never runs ahead of recording by more than that.
   */
  private final class Recorder {
    private final ArrayDeque<Finished> queue = new ArrayDeque<>();
    private boolean writing;

    void add(Finished finished) {
      boolean start;
      synchronized (this) {
        while (queue.size() >= MAX_UNRECORDED_ATTEMPTS && writing) {
          try {
            wait();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            break;
          }
        }
        queue.add(finished);
        start = !writing;
        writing = true;
        if (queue.size() == enoughForAGroup()) {
          notifyAll(); // a lingering writer need not wait longer
        }
      }
      if (start) {
        try {
          sendExecutor.execute(this::write);
        } catch (RejectedExecutionException e) {
          write(); // the executor is shut down (a late attempt after close()): record on this thread
        }
      }
    }

    private void write() {
      boolean done = false;
      try {
        while (true) {
          List<Finished> group;
          synchronized (this) {
            linger();
            if (queue.isEmpty()) {
              writing = false;
              notifyAll();
              done = true;
              return;
            }
            group = new ArrayList<>(queue);
            queue.clear();
            notifyAll();
          }
          record(group);
        }
      } finally {
        if (!done) {
          synchronized (this) {
            writing = false;
            notifyAll();
          }
        }
      }
    }

    /** Under the monitor: waits (up to the linger time) while the group is small and workers are sending. */
    private void linger() {
      long deadline = System.nanoTime() + GROUP_LINGER.toNanos();
      while (queue.size() < enoughForAGroup() && working.get() > 0 && state.get() != State.CLOSED) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(this, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }

    private int enoughForAGroup() {
      return Math.max(1, Math.min(batchSize, MAX_UNRECORDED_ATTEMPTS) / 2);
    }

    /** Wakes a lingering writer: no worker is sending any more. */
    synchronized void wake() {
      notifyAll();
    }

    synchronized int queued() {
      return queue.size();
    }

    /** Waits until everything queued is recorded; false if {@code deadline} ({@link System#nanoTime()}) passed. */
    synchronized boolean awaitIdle(long deadline) {
      return waitOn(this, () -> !writing && queue.isEmpty(), deadline);
    }
  }

  /**
   * Waits on {@code monitor}, which the caller holds, until {@code done} is true (checked after each wake-up and at
   * least every second); false if {@code deadline} (a {@link System#nanoTime()}, or {@link Long#MAX_VALUE} for none)
   * passed first or the thread was interrupted (its interrupt status is kept).
   */
  private static boolean waitOn(Object monitor, BooleanSupplier done, long deadline) {
    while (!done.getAsBoolean()) {
      long left = deadline == Long.MAX_VALUE ? Long.MAX_VALUE : deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      try {
        TimeUnit.NANOSECONDS.timedWait(monitor, Math.min(left, TimeUnit.SECONDS.toNanos(1)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }

  /**
   * Records a group in one store call. If that fails, each outcome is tried once on its own, so one bad outcome does
   * not sink the others; one that still fails is dropped and logged: its delivery stays claimed, and is sent again
   * when the claim lapses (at least once, never lost), and that attempt is missing from the delivery log.
   */
  private void record(List<Finished> group) {
    List<DeliveryOutcome> outcomes = new ArrayList<>(group.size());
    for (Finished finished : group) {
      outcomes.add(finished.outcome());
    }
    java.util.Set<DeliveryOutcome> lost;
    java.util.Set<DeliveryOutcome> unrecorded = java.util.Set.of();
    try {
      lost = identitySet(deliveryStore.completeAll(outcomes));
    } catch (RuntimeException e) {
      log.warn("Recording {} webhook attempt(s) in one step failed; recording them one by one", group.size(), e);
      lost = identitySet(List.of());
      unrecorded = identitySet(List.of());
      for (DeliveryOutcome outcome : outcomes) {
        try {
          if (!deliveryStore.complete(outcome)) {
            lost.add(outcome);
          }
        } catch (RuntimeException again) {
          unrecorded.add(outcome);
          log.warn("Recording the attempt of delivery {} to {} failed; it is sent again when its claim lapses",
              outcome.deliveryId(), outcome.attempt().endpointId(), again);
        }
      }
    }
    for (Finished finished : group) {
      DeliveryOutcome outcome = finished.outcome();
      if (unrecorded.contains(outcome)) {
        continue;
      }
      Delivery delivery = finished.delivery();
      if (lost.contains(outcome)) {
        log.info("Delivery {} of {} to {} ended after its claim was taken over; the attempt is logged, its state is "
            + "the new owner's", delivery.id(), delivery.eventId(), delivery.endpointId());
        continue;
      }
      DeliveryAttempt attempt = outcome.attempt();
      switch (outcome.state()) {
        case DELIVERED -> {
          if (log.isDebugEnabled()) {
            log.debug("Delivered {} ({}) to {} in {} ms, attempt {}", delivery.eventId(), delivery.eventType(),
                delivery.endpointId(), attempt.latency().toMillis(), attempt.number());
          }
        }
        case DEAD -> log.warn("Delivery {} of {} ({}) to {} is dead after {} attempts (last: {}); "
            + "redeliver it with redeliver(\"{}\")", delivery.id(), delivery.eventId(), delivery.eventType(),
            delivery.endpointId(), attempt.number(), attempt.error().orElse(""), delivery.id());
        default -> log.info("Delivery of {} ({}) to {} failed, attempt {} of {}: {}; next attempt at {}",
            delivery.eventId(), delivery.eventType(), delivery.endpointId(), attempt.number(), schedule.maxAttempts(),
            attempt.error().orElse(""), outcome.nextAttemptAt());
      }
    }
  }

  private static java.util.Set<DeliveryOutcome> identitySet(List<DeliveryOutcome> outcomes) {
    java.util.Set<DeliveryOutcome> set = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    set.addAll(outcomes);
    return set;
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
    disabledHere(endpointId, null);
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
     * Runs the workers that send (each blocks one thread while it waits for an answer, so at most the sum of the
     * endpoints' {@link WebhookEndpoint#maxConcurrentRequests()} at once), the built-in HTTP client's work and the
     * short tasks that claim deliveries (one per endpoint at a time) and record finished attempts (one at a time);
     * give it a thread per endpoint and one more beyond the workers. Default: a cached pool of daemon threads, shut down by
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

    /**
     * How many events are read, and deliveries of one endpoint claimed, at a time. Default
     * {@link #DEFAULT_BATCH_SIZE}. Claimed deliveries wait in this dispatcher's queue until a worker sends them, so a
     * larger batch means fewer store calls but more deliveries held by one dispatcher at once.
     */
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
