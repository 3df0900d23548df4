package io.coinssend.invoice;

import static java.util.Objects.requireNonNull;

import io.coinssend.invoice.memory.InMemoryInvoiceStore;
import io.coinssend.invoice.spi.ChainCursor;
import io.coinssend.invoice.spi.ChainFact;
import io.coinssend.invoice.spi.ChainReading;
import io.coinssend.invoice.spi.ChainState;
import io.coinssend.invoice.spi.ChainTip;
import io.coinssend.invoice.spi.ChainWatcher;
import io.coinssend.invoice.spi.DepositDerivation;
import io.coinssend.invoice.spi.DepositQuery;
import io.coinssend.invoice.spi.InvoiceQuery;
import io.coinssend.invoice.spi.InvoiceStore;
import io.coinssend.invoice.spi.InvoiceUpdate;
import io.coinssend.invoice.spi.PaymentReversed;
import io.coinssend.invoice.spi.PaymentSeen;
import io.coinssend.invoice.spi.TipChanged;
import io.coinssend.invoice.spi.WatchedAddress;
import io.coinssend.invoice.spi.WatcherContext;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The invoice engine: creates invoices, turns chain facts into statuses, and records every change as an event.
 *
 * <p>Build one with {@link #builder()}, call {@link #start()}, and {@link #close()} it on shutdown. The engine is
 * thread-safe; any number of instances may share one store (each chain should be watched by one instance at a
 * time). Every change to an invoice is written by compare-and-set together with its events, so concurrent writers
 * never lose an update. Methods never return null; missing invoices are {@link Optional#empty()} from
 * {@code find…} methods and an {@link InvoiceNotFoundException} from {@code get…} methods.
 */
public final class InvoiceEngine implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(InvoiceEngine.class);

  /** How often the engine runs its timed work ({@link #tick()}) by default: every second. */
  public static final Duration DEFAULT_TICK_INTERVAL = Duration.ofSeconds(1);
  /** How long {@link #close()} waits for running work by default: 10 seconds. */
  public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(10);
  /** How often a compare-and-set write is retried after losing a race before giving up. */
  static final int MAX_ATTEMPTS = 50;

  private static final int EVENT_BATCH = 256;
  private static final String LEASE_PREFIX = "watch:";

  private enum State {
    CREATED,
    RUNNING,
    CLOSED
  }

  private final InvoiceStore store;
  private final Map<String, ChainWatcher> watchersByChain;
  private final Map<Asset, ChainWatcher> watchersByAsset;
  private final Map<Asset, PaymentPolicy> policies;
  private final Clock clock;
  private final Executor eventExecutor;
  private final ExecutorService ownedEventExecutor;
  private final Map<String, EventListener> listeners;
  private final PaymentScreening screening;
  private final Duration tickInterval;
  private final Duration closeTimeout;
  private final DepositBook deposits;
  private final Optional<Duration> watchLease;
  private final String instanceId;
  private final Map<String, Watching> watching = new ConcurrentHashMap<>();

  /** Whether this instance runs a chain's watcher. */
  private enum Watching {
    ACTIVE,
    STANDBY,
    LOST
  }

  private final AtomicReference<State> state = new AtomicReference<>(State.CREATED);
  /** Per chain: the lock its reports are applied under, holding the block of fact numbers reserved for it. */
  private final Map<String, FactNumbers> chainLocks = new HashMap<>();
  private final ConcurrentHashMap<String, CreateQueue> createQueues = new ConcurrentHashMap<>();
  private final Map<String, Registration> registered = new ConcurrentHashMap<>();
  /**
   * When each registration is due for its recheck, earliest first, so a tick reads only the due ones. An entry is
   * added whenever a registration is made or replaced, and left in place when it is replaced or removed: a stale
   * entry (its time no longer the registration's) is dropped when it comes due.
   */
  private final ConcurrentSkipListSet<Recheck> rechecks = new ConcurrentSkipListSet<>();
  private final Map<String, ScheduledExecutorService> watcherSchedulers = new LinkedHashMap<>();
  private final AtomicLong followPosition = new AtomicLong();
  private final AtomicLong followedDepositAddresses = new AtomicLong();
  /**
   * The chains on which this engine has seen a deposit address: created here, followed from the store (at start and
   * at each tick) or paid in a report. A tip recomputes the deposits awaiting confirmations only on these chains; on
   * the others no deposit can exist, and asking the store at every tip would cost a query for nothing.
   */
  private final Set<String> depositChains = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean dispatching = new AtomicBoolean();
  private final AtomicBoolean dispatchPending = new AtomicBoolean();
  private final Object tickLock = new Object();
  private ScheduledExecutorService ticker;

  /**
   * How many chain fact numbers the engine reserves in the store at a time. Before it numbers a report from its
   * block, it reads the store's last reserved number: if another instance reserved since, it reserves a new block,
   * so numbers still follow the order of reports across instances, at the cost of a read per report instead of a
   * write.
   */
  static final int FACT_NUMBER_BLOCK = 1_000_000;

  /** A chain's block of reserved fact numbers, [next, last]; empty when next > last. Guarded by itself. */
  private static final class FactNumbers {
    long next = 1;
    long last = 0;
    /** Reports waiting for this chain's lock; the next holder applies them together. */
    final ConcurrentLinkedQueue<QueuedReport> waiting = new ConcurrentLinkedQueue<>();
  }

  /** One caller's report, applied by whichever thread holds its chain's lock next; fields guarded by that lock. */
  private static final class QueuedReport {
    final List<ChainFact> facts;
    boolean done;
    RuntimeException failure;

    QueuedReport(List<ChainFact> facts) {
      this.facts = facts;
    }
  }

  /** The most facts applied together from reports that waited for their chain's lock. */
  static final int MAX_COMBINED_FACTS = 10_000;
  /** The most invoices inserted together from creations that waited for their derivation key. */
  static final int MAX_COMBINED_CREATES = 100;

  /**
   * The invoices awaiting confirmations read with a report that moves the tip, and recomputed in its write; if as
   * many await, they are all listed again after it.
   */
  static final int AWAITING_PAGE = 500;

  /** One caller's new invoice, inserted by whichever thread takes its derivation key's queue next. */
  private static final class QueuedCreate {
    final InvoiceId id;
    final String orderId;
    final AtomicReference<Invoice> built = new AtomicReference<>();
    LongFunction<Invoice> invoiceAt;
    Instant createdAt;
    boolean done;
    /** The invoice stored: this creation's, or the one its order had already (another id). */
    Invoice stored;
    RuntimeException failure;

    QueuedCreate(InvoiceId id, String orderId) {
      this.id = id;
      this.orderId = orderId;
    }
  }

  /** The creations waiting under one derivation key; its monitor is held while a group is inserted. */
  private static final class CreateQueue {
    final ConcurrentLinkedQueue<QueuedCreate> waiting = new ConcurrentLinkedQueue<>();
    /** Whether a thread holds the monitor, inserting: a creation arriving now will wait. */
    volatile boolean busy;
  }

  /** An address this engine asked a watcher to watch, and until when (re-checked then). */
  private record Registration(InvoiceId invoiceId, String chain, Instant recheckAt) {}

  /** A registration's recheck time, ordered by time, then address. */
  private record Recheck(Instant at, String address) implements Comparable<Recheck> {
    @Override
    public int compareTo(Recheck other) {
      int byTime = at.compareTo(other.at);
      return byTime != 0 ? byTime : address.compareTo(other.address);
    }
  }

  private InvoiceEngine(Builder builder) {
    this.store = builder.store != null ? builder.store : new InMemoryInvoiceStore();
    this.clock = builder.clock;
    this.listeners = Map.copyOf(builder.listeners);
    this.screening = builder.screening;
    this.tickInterval = builder.tickInterval;
    this.closeTimeout = builder.closeTimeout;
    this.watchLease = Optional.ofNullable(builder.watchLease);
    this.instanceId = builder.instanceId != null ? builder.instanceId
        : "engine-" + java.util.UUID.randomUUID().toString().substring(0, 8);
    Map<String, ChainWatcher> byChain = new LinkedHashMap<>();
    Map<Asset, ChainWatcher> byAsset = new LinkedHashMap<>();
    Map<Asset, PaymentPolicy> policyMap = new LinkedHashMap<>();
    for (ChainWatcher watcher : builder.watchers) {
      String chain = requireNonNull(watcher.chain(), "watcher chain");
      if (byChain.putIfAbsent(chain, watcher) != null) {
        throw new IllegalArgumentException("two watchers serve chain " + chain + "; give each chain one watcher");
      }
      chainLocks.put(chain, new FactNumbers());
      if (watcher.assets().isEmpty()) {
        throw new IllegalArgumentException("watcher for " + chain + " serves no asset");
      }
      for (Asset asset : watcher.assets()) {
        if (!asset.chainKey().equals(chain)) {
          throw new IllegalArgumentException(
              "watcher for " + chain + " declares asset " + asset.key() + " of another chain");
        }
        byAsset.put(asset, watcher);
        policyMap.put(asset, requireNonNull(watcher.defaultPolicy(asset), "default policy of " + asset.key()));
      }
    }
    for (Map.Entry<Asset, PaymentPolicy> override : builder.policies.entrySet()) {
      if (!byAsset.containsKey(override.getKey())) {
        throw new IllegalArgumentException(
            "a policy is set for " + override.getKey().key() + " but no watcher serves it");
      }
      policyMap.put(override.getKey(), override.getValue());
    }
    this.watchersByChain = Map.copyOf(byChain);
    this.watchersByAsset = Map.copyOf(byAsset);
    this.policies = Map.copyOf(policyMap);
    for (Map.Entry<Asset, Money> minimum : builder.depositMinimums.entrySet()) {
      if (!byAsset.containsKey(minimum.getKey())) {
        throw new IllegalArgumentException(
            "a deposit minimum is set for " + minimum.getKey().key() + " but no watcher serves it");
      }
    }
    this.deposits = new DepositBook(store, policies::get, builder.depositMinimums);
    if (builder.executor != null) {
      this.eventExecutor = builder.executor;
      this.ownedEventExecutor = null;
    } else {
      this.ownedEventExecutor = Executors.newSingleThreadExecutor(daemonThreads("coinssend-events"));
      this.eventExecutor = ownedEventExecutor;
    }
  }

  /** A builder with every default; see {@link Builder}. */
  public static Builder builder() {
    return new Builder();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Lifecycle

  /**
   * Starts the engine: loads chain tips, re-registers the addresses of watched invoices with their watchers, starts
   * the watchers, catches up on invoices that expired while it was stopped, and starts the timed work.
   *
   * @return this engine
   * @throws IllegalStateException if already started or closed
   */
  public InvoiceEngine start() {
    if (!state.compareAndSet(State.CREATED, State.RUNNING)) {
      throw new IllegalStateException("the engine was already started (state " + state.get() + ")");
    }
    Instant now = now();
    followPosition.set(store.lastEventSequence());
    int count = 0;
    for (Invoice invoice : store.listAll(InvoiceQuery.all().withWatchedAt(now))) {
      if (register(invoice, now)) {
        count++;
      }
    }
    count += followDepositAddresses();
    log.info("Invoice engine starting: {} chain(s) {}, {} watched address(es), {} listener(s)",
        watchersByChain.size(), watchersByChain.keySet(), count, listeners.size());
    for (ChainWatcher watcher : watchersByChain.values()) {
      if (watchLease.isEmpty() || takeLease(watcher.chain(), now)) {
        startWatcher(watcher);
      } else {
        watching.put(watcher.chain(), Watching.STANDBY);
        log.info("Another instance watches {}; this one ({}) stands by", watcher.chain(), instanceId);
      }
    }
    tick();
    if (!tickInterval.isZero()) {
      ticker = Executors.newSingleThreadScheduledExecutor(daemonThreads("coinssend-ticker"));
      long millis = tickInterval.toMillis();
      ticker.scheduleWithFixedDelay(this::tickSafely, millis, millis, TimeUnit.MILLISECONDS);
    }
    return this;
  }

  private void startWatcher(ChainWatcher watcher) {
    ScheduledExecutorService scheduler =
        Executors.newSingleThreadScheduledExecutor(daemonThreads("coinssend-watcher-" + watcher.chain()));
    watcherSchedulers.put(watcher.chain(), scheduler);
    watching.put(watcher.chain(), Watching.ACTIVE);
    watcher.start(new Context(watcher.chain(), scheduler));
  }

  private boolean takeLease(String chain, Instant now) {
    return store.tryLease(LEASE_PREFIX + chain, instanceId, now, now.plus(watchLease.orElseThrow()));
  }

  /**
   * With a watch lease: renews the leases of the chains this instance watches, and takes over a chain whose watcher
   * on another instance stopped renewing. An instance that loses a lease (it stalled past the lease time) stops that
   * watcher for good; another instance has taken over.
   */
  private void maintainLeases(Instant now) {
    if (watchLease.isEmpty()) {
      return;
    }
    for (ChainWatcher watcher : watchersByChain.values()) {
      String chain = watcher.chain();
      Watching current = watching.get(chain);
      if (current == Watching.ACTIVE && !takeLease(chain, now)) {
        watching.put(chain, Watching.LOST);
        log.error("Instance {} lost the lease on {} to another instance (it did not renew within {}); its watcher"
            + " stops", instanceId, chain, watchLease.get());
        closeWatcher(watcher);
      } else if (current == Watching.STANDBY && takeLease(chain, now)) {
        log.info("Instance {} takes over watching {}", instanceId, chain);
        startWatcher(watcher);
      }
    }
  }

  private void closeWatcher(ChainWatcher watcher) {
    try {
      watcher.close();
    } catch (RuntimeException e) {
      log.warn("Chain watcher for {} failed to close", watcher.chain(), e);
    }
    ScheduledExecutorService scheduler = watcherSchedulers.get(watcher.chain());
    if (scheduler != null) {
      scheduler.shutdownNow();
    }
  }

  /**
   * Whether this instance runs the watcher of {@code chain} now (always, without a watch lease; with one, while it
   * holds the lease).
   */
  public boolean isWatching(String chain) {
    return watching.get(requireNonNull(chain, "chain")) == Watching.ACTIVE;
  }

  /**
   * Stops the timed work and the watchers and waits (up to the close timeout) for running work to end. Events
   * already stored but not yet given to listeners are delivered after the next start. Idempotent.
   */
  @Override
  public void close() {
    State previous = state.getAndSet(State.CLOSED);
    if (previous == State.CLOSED) {
      return;
    }
    List<ExecutorService> toStop = new ArrayList<>();
    if (ticker != null) {
      toStop.add(ticker);
    }
    for (ChainWatcher watcher : watchersByChain.values()) {
      try {
        watcher.close();
      } catch (RuntimeException e) {
        log.warn("Chain watcher for {} failed to close", watcher.chain(), e);
      }
      if (watching.get(watcher.chain()) == Watching.ACTIVE && watchLease.isPresent()) {
        try {
          store.releaseLease(LEASE_PREFIX + watcher.chain(), instanceId); // let a standby take over at once
        } catch (RuntimeException e) {
          log.warn("Could not release the lease on {}; another instance takes over when it lapses",
              watcher.chain(), e);
        }
      }
    }
    toStop.addAll(watcherSchedulers.values());
    if (ownedEventExecutor != null) {
      toStop.add(ownedEventExecutor);
    }
    toStop.forEach(ExecutorService::shutdown);
    long deadline = System.nanoTime() + closeTimeout.toNanos();
    for (ExecutorService executor : toStop) {
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
    log.info("Invoice engine closed");
  }

  private void ensureRunning() {
    State current = state.get();
    if (current != State.RUNNING) {
      throw new IllegalStateException(
          current == State.CREATED ? "the engine is not started; call start() first" : "the engine is closed");
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Creating and reading invoices

  /**
   * Creates an invoice, or returns the existing one for the same order id and terms.
   *
   * <p>Allocates the next derivation index atomically, asks the asset's watcher for the address and payment URI,
   * stores the invoice with its {@code invoice.created} event and starts watching the address. The returned
   * invoice's {@link Invoice#paymentDetails()} is what the customer needs.
   *
   * @throws UnsupportedAssetException if no watcher serves the asset
   * @throws OrderConflictException if the order id already has an invoice with another asset or amount
   * @throws IllegalArgumentException if the requested expiry is not in the future
   * @throws InvoiceStoreException if the store failed; nothing was created
   */
  public Invoice createInvoice(InvoiceRequest request) {
    requireNonNull(request, "request");
    ensureRunning();
    Asset asset = request.asset();
    ChainWatcher watcher = watchersByAsset.get(asset);
    if (watcher == null) {
      throw new UnsupportedAssetException(asset, watchersByAsset.keySet());
    }
    Instant now = now();
    PaymentPolicy policy = policies.get(asset);
    Instant expiresAt = request.expiresAt()
        .map(Ledger::truncate)
        .orElseGet(() -> now.plus(request.expiresIn().orElse(policy.expiry())));
    String badExpiry = !expiresAt.isAfter(now)
        ? "expiry must be in the future, but was " + expiresAt + " (now " + now + ")"
        : Duration.between(now, expiresAt).compareTo(PaymentPolicy.MAX_EXPIRY) > 0
            ? "expiry must be at most " + PaymentPolicy.MAX_EXPIRY + " ahead, but was " + expiresAt
            : null;
    if (badExpiry != null) {
      // A request repeated for an order that has its invoice gets it, whatever its expiry says by now.
      Optional<Invoice> existing = store.findByOrderId(request.orderId());
      if (existing.isPresent()) {
        return sameTerms(existing.get(), request);
      }
      throw new IllegalArgumentException(badExpiry);
    }
    // The order id is looked up, the index allocated and the invoice inserted in one store write (the order's
    // invoice, if it has one, is returned instead); the address is derived in between.
    InvoiceId id = InvoiceId.generate(now);
    QueuedCreate mine = new QueuedCreate(id, request.orderId());
    AtomicReference<Invoice> built = mine.built;
    mine.createdAt = now;
    mine.invoiceAt = index -> {
      String address = watcher.deriveAddress(asset, index);
      String uri = watcher.paymentUri(asset, address, request.amount(), request.label(), request.message());
      Invoice candidate = new Invoice(id, request.orderId(), request.amount(), address, index, uri, now, expiresAt,
          policy, InvoiceStatus.NEW, StatusReason.AWAITING_PAYMENT, List.of(), Optional.empty(), request.metadata(),
          List.of(new StatusChange(InvoiceStatus.NEW, StatusReason.AWAITING_PAYMENT, now, "")), 1);
      built.set(candidate);
      return candidate;
    };
    Invoice invoice;
    try {
      invoice = insertQueued(watcher.derivationKey(), mine);
    } catch (DuplicateInvoiceException e) {
      if (e.field() == DuplicateInvoiceException.Field.ORDER_ID) {
        Invoice winner = store.findByOrderId(request.orderId()).orElseThrow(() -> e);
        return sameTerms(winner, request);
      }
      Invoice refused = built.get();
      throw new InvoiceStoreException("could not store invoice " + id + " for order " + request.orderId()
          + ": its " + e.field().name().toLowerCase(java.util.Locale.ROOT) + " is already taken (derivation key "
          + watcher.derivationKey() + (refused == null ? "" : ", index " + refused.derivationIndex() + ", address "
          + refused.address()) + ")", id, e);
    }
    if (!invoice.id().equals(id)) {
      return sameTerms(invoice, request); // the order had its invoice already
    }
    log.info("Created invoice {} for order {}: {} to {} (index {}), expires {}", invoice.id(), invoice.orderId(),
        invoice.amountDue(), invoice.address(), invoice.derivationIndex(), expiresAt);
    register(invoice, now);
    signalEvents();
    return invoice;
  }

  /**
   * Inserts {@code mine} once it holds its derivation key's queue. Creations that arrive while another group is
   * being inserted under the same key wait, and the next thread to take the queue inserts all of them with
   * {@link InvoiceStore#insertAllAtNextIndex}: one transaction and one commit for their callers (the key's index row
   * is locked until each commit, so creations under one key cannot overlap otherwise). If the group is refused, each
   * of its invoices is inserted again alone (after checking whether a store without transactions kept it), so one
   * caller's refusal, such as a racing order id, is never another's.
   */
  private Invoice insertQueued(String derivationKey, QueuedCreate mine) {
    CreateQueue queue = createQueues.computeIfAbsent(derivationKey, key -> new CreateQueue());
    if (queue.busy) {
      // This creation will wait, and may be inserted in a group, which a repeated order would refuse whole: look the
      // order up now, while waiting. Alone, the store looks it up with the index allocation.
      Optional<Invoice> existing = store.findByOrderId(mine.orderId);
      if (existing.isPresent()) {
        return existing.get();
      }
    }
    queue.waiting.add(mine);
    synchronized (queue) {
      queue.busy = true;
      try {
        insertWaiting(derivationKey, queue, mine);
      } finally {
        queue.busy = false;
      }
    }
    if (mine.failure != null) {
      throw mine.failure;
    }
    return mine.stored;
  }

  /** Inserts the creations waiting in {@code queue} until {@code mine} is done. Under the queue's monitor. */
  private void insertWaiting(String derivationKey, CreateQueue queue, QueuedCreate mine) {
    while (!mine.done) {
      List<QueuedCreate> batch = new ArrayList<>();
      for (QueuedCreate next = queue.waiting.poll(); next != null; next = queue.waiting.poll()) {
        batch.add(next);
        if (batch.size() == MAX_COMBINED_CREATES) {
          break;
        }
      }
      if (batch.isEmpty()) {
        // Taken by a thread that died of an Error before it could say so.
        mine.failure = new IllegalStateException("the creation was lost to a failure in another thread");
        mine.done = true;
      } else {
        insertBatch(derivationKey, batch);
      }
    }
  }

  /** Inserts {@code batch} together, or each alone if that is refused. Under the key's queue monitor. */
  private void insertBatch(String derivationKey, List<QueuedCreate> batch) {
    try {
      if (batch.size() > 1) {
        Map<InvoiceId, QueuedCreate> byId = new HashMap<>();
        List<LongFunction<Invoice>> builders = new ArrayList<>();
        for (QueuedCreate create : batch) {
          byId.put(create.id, create);
          builders.add(create.invoiceAt);
        }
        try {
          List<Invoice> stored = store.insertAllAtNextIndex(derivationKey, builders,
              candidate -> createdEvents(byId.get(candidate.id()).createdAt, candidate));
          for (int i = 0; i < batch.size(); i++) {
            batch.get(i).stored = stored.get(i);
            batch.get(i).done = true;
          }
          return;
        } catch (RuntimeException e) {
          log.debug("{} creations under {} refused together; inserting each alone", batch.size(), derivationKey, e);
        }
      }
      for (QueuedCreate create : batch) {
        try {
          Optional<Invoice> kept = batch.size() > 1 ? store.findById(create.id) : Optional.empty();
          create.stored = kept.isPresent() ? kept.get()
              : store.insertAtNextIndexUnlessOrdered(create.orderId, derivationKey, create.invoiceAt,
                  candidate -> createdEvents(create.createdAt, candidate));
        } catch (RuntimeException e) {
          create.failure = e;
        }
        create.done = true;
      }
    } catch (Error e) {
      for (QueuedCreate create : batch) {
        if (!create.done) {
          create.failure = new IllegalStateException("the creation failed in another thread", e);
          create.done = true;
        }
      }
      throw e;
    }
  }

  private static List<Event> createdEvents(Instant now, Invoice invoice) {
    return List.of(InvoiceEvent.of(EventType.INVOICE_CREATED, now, invoice, Optional.empty()));
  }

  private static Invoice sameTerms(Invoice existing, InvoiceRequest request) {
    if (!existing.amountDue().equals(request.amount())) {
      throw new OrderConflictException(request.orderId(), existing, request.amount());
    }
    return existing;
  }

  public Optional<Invoice> findInvoice(InvoiceId id) {
    return store.findById(requireNonNull(id, "id"));
  }

  /**
   * The invoice with {@code id}.
   *
   * @throws InvoiceNotFoundException if there is none
   */
  public Invoice getInvoice(InvoiceId id) {
    return findInvoice(id).orElseThrow(() -> InvoiceNotFoundException.ofId(id));
  }

  public Optional<Invoice> findByOrderId(String orderId) {
    return store.findByOrderId(requireNonNull(orderId, "orderId"));
  }

  /**
   * The invoice for the merchant order {@code orderId}.
   *
   * @throws InvoiceNotFoundException if there is none
   */
  public Invoice getByOrderId(String orderId) {
    return findByOrderId(orderId)
        .orElseThrow(() -> new InvoiceNotFoundException("no invoice for order " + orderId, null));
  }

  public Optional<Invoice> findByAddress(String address) {
    return store.findByAddress(requireNonNull(address, "address"));
  }

  /** Up to {@code limit} invoices in {@code status}, oldest first. */
  public List<Invoice> listByStatus(InvoiceStatus status, int limit) {
    return store.list(InvoiceQuery.all().withStatus(requireNonNull(status, "status")).withLimit(limit));
  }

  /** A page of invoices matching {@code query}; see {@link InvoiceQuery}. */
  public List<Invoice> list(InvoiceQuery query) {
    return store.list(requireNonNull(query, "query"));
  }

  /**
   * The best block last reported for {@code chain} (a chain key such as {@code bitcoin:mainnet}) by any engine on
   * this store.
   */
  public Optional<BlockRef> chainTip(String chain) {
    return store.findChainTip(requireNonNull(chain, "chain")).flatMap(ChainTip::tip);
  }

  /** The payment policy applied to new invoices of {@code asset}. */
  public PaymentPolicy policy(Asset asset) {
    PaymentPolicy policy = policies.get(asset);
    if (policy == null) {
      throw new UnsupportedAssetException(asset, watchersByAsset.keySet());
    }
    return policy;
  }

  /** The assets this engine's watchers serve. */
  public Set<Asset> assets() {
    return watchersByAsset.keySet();
  }

  /** The store this engine writes to. */
  public InvoiceStore store() {
    return store;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Static deposit addresses

  /**
   * The customer's deposit address for {@code asset}, created on first call (get-or-create, idempotent, safe under
   * concurrency and across engine instances). It is derived apart from invoice addresses and watched from then on;
   * every transfer to it becomes a {@link Deposit}.
   *
   * @throws UnsupportedAssetException if no watcher serves the asset, or its watcher has no deposit derivation
   *     configured
   */
  public DepositAddress depositAddress(String customerId, Asset asset) {
    DepositAddress.checkCustomerId(customerId);
    requireNonNull(asset, "asset");
    ensureRunning();
    Optional<DepositAddress> existing = store.findDepositAddress(customerId, asset);
    if (existing.isPresent()) {
      return existing.get();
    }
    ChainWatcher watcher = watchersByAsset.get(asset);
    if (watcher == null) {
      throw new UnsupportedAssetException(asset, watchersByAsset.keySet());
    }
    DepositDerivation derivation = watcher.depositDerivation().orElseThrow(() -> new UnsupportedAssetException(
        asset, watchersByAsset.keySet().stream().filter(a -> watchersByAsset.get(a).depositDerivation().isPresent())
            .toList()));
    depositChains.add(asset.chainKey()); // before it is stored: a payment to it may be reported at once
    long index = store.allocateIndex(derivation.derivationKey());
    String address = derivation.deriveAddress(asset, index);
    DepositAddress created = new DepositAddress(customerId, asset, address, index,
        derivation.paymentUri(asset, address, Optional.empty()), now());
    try {
      store.insertDepositAddress(created);
    } catch (DuplicateDepositException e) {
      Optional<DepositAddress> winner = store.findDepositAddress(customerId, asset);
      if (winner.isPresent()) {
        return winner.get();
      }
      throw new InvoiceStoreException("could not store the deposit address of customer " + customerId + " for "
          + asset.key() + ": address " + address + " (index " + index + ") is already taken", e);
    }
    watcher.watch(new WatchedAddress(address, asset, index));
    log.info("Created deposit address {} for customer {} ({}, index {})", address, customerId, asset.key(), index);
    return created;
  }

  /** The customer's deposit address for {@code asset}, if it was created. */
  public Optional<DepositAddress> findDepositAddress(String customerId, Asset asset) {
    return store.findDepositAddress(requireNonNull(customerId, "customerId"), requireNonNull(asset, "asset"));
  }

  public Optional<Deposit> findDeposit(DepositId id) {
    return store.findDeposit(requireNonNull(id, "id"));
  }

  /** A page of deposits matching {@code query}: by customer, address, status or chain. */
  public List<Deposit> listDeposits(DepositQuery query) {
    return store.listDeposits(requireNonNull(query, "query"));
  }

  /**
   * What {@code customerId} has deposited, per asset: confirmed, and detected but not yet confirmed. Dust and
   * reversed deposits are not counted.
   */
  public List<DepositTotal> depositTotals(String customerId) {
    requireNonNull(customerId, "customerId");
    Map<Asset, Money[]> totals = new LinkedHashMap<>();
    for (Deposit deposit : store.listAllDeposits(DepositQuery.all().withCustomer(customerId))) {
      if (!deposit.counts()) {
        continue;
      }
      Asset asset = deposit.amount().asset();
      Money[] sums = totals.computeIfAbsent(asset, a -> new Money[] {Money.zero(a), Money.zero(a)});
      int slot = deposit.status() == DepositStatus.CONFIRMED ? 0 : 1;
      sums[slot] = sums[slot].plus(deposit.amount());
    }
    List<DepositTotal> result = new ArrayList<>();
    totals.forEach((asset, sums) -> result.add(new DepositTotal(customerId, asset, sums[0], sums[1])));
    return result;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Merchant actions

  /**
   * Accepts a PARTIALLY_PAID or BLOCKED invoice as paid.
   *
   * @param actor who decided, for the record
   * @param note why, may be empty
   * @throws IllegalTransitionException from any other status
   */
  public Invoice markPaid(InvoiceId id, String actor, String note) {
    return resolve(id, MerchantAction.MARK_PAID, actor, note);
  }

  /**
   * Ends a PARTIALLY_PAID or BLOCKED invoice without accepting it (EXPIRED, reason CLOSED).
   *
   * @throws IllegalTransitionException from any other status
   */
  public Invoice close(InvoiceId id, String actor, String note) {
    return resolve(id, MerchantAction.CLOSE, actor, note);
  }

  /**
   * Withdraws a NEW invoice (EXPIRED, reason CANCELLED). A payment arriving afterwards blocks it for review.
   *
   * @throws IllegalTransitionException from any other status
   */
  public Invoice cancel(InvoiceId id, String actor, String note) {
    return resolve(id, MerchantAction.CANCEL, actor, note);
  }

  /**
   * Gives the customer until {@code expiresAt} to pay a NEW or PARTIALLY_PAID invoice (also one whose time ran
   * out while partially paid). Payments first seen before the new expiry count as on time.
   *
   * @throws IllegalTransitionException from any other status
   * @throws IllegalArgumentException if {@code expiresAt} is not later than both now and the current expiry
   */
  public Invoice extendExpiry(InvoiceId id, Instant expiresAt, String actor) {
    requireNonNull(expiresAt, "expiresAt");
    Instant newExpiry = Ledger.truncate(expiresAt);
    return act(id, MerchantAction.EXTEND_EXPIRY, actor, "expiry extended to " + newExpiry, invoice -> {
      Instant now = now();
      if (!newExpiry.isAfter(now) || !newExpiry.isAfter(invoice.expiresAt())) {
        throw new IllegalArgumentException("the new expiry " + newExpiry + " must be later than now (" + now
            + ") and than the current expiry (" + invoice.expiresAt() + ")");
      }
      if (Duration.between(now, newExpiry).compareTo(PaymentPolicy.MAX_EXPIRY) > 0) {
        throw new IllegalArgumentException(
            "expiry must be at most " + PaymentPolicy.MAX_EXPIRY + " ahead, but was " + newExpiry);
      }
      return invoice.withExpiresAt(newExpiry);
    });
  }

  private Invoice resolve(InvoiceId id, MerchantAction action, String actor, String note) {
    requireNonNull(note, "note");
    String record = actor + (note.isEmpty() ? "" : ": " + note);
    return act(id, action, actor, record, invoice -> {
      Set<PaymentRef> counted = new LinkedHashSet<>();
      for (Payment payment : invoice.payments()) {
        if (!payment.isReversed()) {
          counted.add(payment.ref());
        }
      }
      return invoice.withResolution(Optional.of(new Resolution(action, actor, note, now(), counted)));
    });
  }

  private Invoice act(
      InvoiceId id, MerchantAction action, String actor, String note,
      java.util.function.UnaryOperator<Invoice> change) {
    requireNonNull(id, "id");
    requireNonNull(actor, "actor");
    if (actor.isBlank()) {
      throw new IllegalArgumentException("actor must not be blank");
    }
    ensureRunning();
    for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      Invoice current = getInvoice(id);
      if (!action.isLegalFrom(current.status())) {
        throw new IllegalTransitionException(id, action, current.status());
      }
      Invoice changed = change.apply(current);
      EventType extra = action.isResolution() ? EventType.INVOICE_RESOLVED : EventType.INVOICE_EXPIRY_EXTENDED;
      InvoiceUpdate update = recompute(current, changed, now(), note, Optional.of(extra)).orElseThrow();
      if (store.update(update)) {
        log.info("Invoice {}: {} by {} -> {}/{}", id, action, actor, update.invoice().status(),
            update.invoice().reason());
        signalEvents();
        return update.invoice();
      }
    }
    throw new InvoiceStoreException(
        "invoice " + id + " kept changing under " + action + "; gave up after " + MAX_ATTEMPTS + " attempts", id, null);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Chain facts

  /**
   * Applies a watcher's report once it holds the chain's lock. Reports that arrive while another is being applied wait
   * in a queue, and the next thread to take the lock applies all of them as one report: one read of the chain's
   * state, one transaction for their invoices, one commit shared by their callers, as a database shares one disk
   * flush among concurrent commits. Each caller returns when its facts are durable. If a combined report fails, each
   * of its reports is applied again alone, so one caller's failure is never another's (facts are idempotent: what
   * the failed attempt wrote is merged, not doubled).
   */
  private void report(String chain, List<ChainFact> facts) {
    requireNonNull(facts, "facts");
    if (facts.isEmpty()) {
      return;
    }
    for (ChainFact fact : facts) {
      requireNonNull(fact, "fact");
    }
    if (state.get() == State.CLOSED) {
      throw new IllegalStateException("the engine is closed");
    }
    FactNumbers numbers = chainLocks.get(chain);
    QueuedReport mine = new QueuedReport(List.copyOf(facts));
    numbers.waiting.add(mine);
    synchronized (numbers) {
      while (!mine.done) {
        List<QueuedReport> batch = new ArrayList<>();
        int count = 0;
        for (QueuedReport next = numbers.waiting.peek(); next != null; next = numbers.waiting.peek()) {
          if (!batch.isEmpty() && count + next.facts.size() > MAX_COMBINED_FACTS) {
            break;
          }
          numbers.waiting.poll();
          batch.add(next);
          count += next.facts.size();
        }
        if (batch.isEmpty()) {
          // Taken by a thread that died of an Error before it could say so.
          mine.failure = new IllegalStateException("the report was lost to a failure in another thread");
          mine.done = true;
        } else {
          applyQueued(chain, numbers, batch);
        }
      }
    }
    if (mine.failure != null) {
      throw mine.failure;
    }
    signalEvents();
  }

  /** Applies {@code batch} as one report; if that fails and it holds several, each alone. Under the chain's lock. */
  private void applyQueued(String chain, FactNumbers numbers, List<QueuedReport> batch) {
    try {
      if (batch.size() == 1) {
        applyOne(chain, numbers, batch.get(0));
        return;
      }
      List<ChainFact> all = new ArrayList<>();
      for (QueuedReport report : batch) {
        all.addAll(report.facts);
      }
      try {
        applyReport(chain, numbers, all);
        for (QueuedReport report : batch) {
          report.done = true;
        }
      } catch (RuntimeException e) {
        log.warn("A combined report of {} facts from {} callers on {} failed; applying each caller's alone", all.size(),
            batch.size(), chain, e);
        for (QueuedReport report : batch) {
          applyOne(chain, numbers, report);
        }
      }
    } catch (Error e) {
      for (QueuedReport report : batch) {
        if (!report.done) {
          report.failure = new IllegalStateException("the report failed in another thread", e);
          report.done = true;
        }
      }
      throw e;
    }
  }

  private void applyOne(String chain, FactNumbers numbers, QueuedReport report) {
    try {
      applyReport(chain, numbers, report.facts);
    } catch (RuntimeException e) {
      report.failure = e;
    }
    report.done = true;
  }

  /** Numbers, merges and writes one report's facts (or several reports' together). Under the chain's lock. */
  private void applyReport(String chain, FactNumbers numbers, List<ChainFact> facts) {
    // Numbers come from a block reserved in the store, after any number any instance used: a crash or a second
    // instance watching this chain never gives two facts one number, and later observations always get higher
    // numbers (another instance's reservation since this block's makes this engine reserve a new block).
    // The chain's state and the invoices of the paid addresses are read together (one round trip where the store
    // can); the first attempt to apply the payments uses these invoices.
    // With a new tip, the chain's invoices awaiting confirmations are read with them too, and judged against it in
    // the same write as the payments.
    Set<String> paid = new LinkedHashSet<>();
    boolean tipReported = false;
    for (ChainFact fact : facts) {
      if (fact instanceof PaymentSeen seen) {
        paid.add(seen.address());
      } else if (fact instanceof PaymentReversed reversed) {
        paid.add(reversed.address());
      } else if (fact instanceof TipChanged) {
        tipReported = true;
      }
    }
    ChainState state;
    Map<String, Invoice> invoicesRead;
    Optional<List<Invoice>> awaitingRead = Optional.empty();
    if (paid.isEmpty() && !tipReported) {
      state = store.chainState(chain);
      invoicesRead = Map.of();
    } else {
      ChainReading reading = tipReported ? store.readChain(chain, paid, AWAITING_PAGE) : store.readChain(chain, paid);
      state = reading.state();
      invoicesRead = reading.invoices();
      awaitingRead = reading.awaiting();
    }
    long sequence = firstFactNumber(chain, numbers, facts.size(), state.lastFactNumber()) - 1;
    Map<String, List<Ledger.Sequenced>> byAddress = new LinkedHashMap<>();
    Optional<BlockRef> newTip = Optional.empty();
    long tipSequence = 0;
    for (ChainFact fact : facts) {
      Ledger.Sequenced sequenced = new Ledger.Sequenced(++sequence, fact);
      if (fact instanceof PaymentSeen seen) {
        byAddress.computeIfAbsent(seen.address(), a -> new ArrayList<>()).add(sequenced);
      } else if (fact instanceof PaymentReversed reversed) {
        byAddress.computeIfAbsent(reversed.address(), a -> new ArrayList<>()).add(sequenced);
      } else if (fact instanceof TipChanged tipChanged) {
        newTip = Ledger.truncate(Optional.of(tipChanged.tip()));
        tipSequence = sequenced.sequence();
      }
    }
    // Payments reported with a new tip are judged against it (a watcher may report a payment and a tip several
    // blocks above it in one batch), and the tip is saved in the transaction of the first write of their
    // invoices, or on its own if none changed. A crash before that loses nothing: the watcher saves its cursor
    // only after this returns, so it reports them again. If another instance saved a later tip, that one stands.
    Optional<ChainTip> stored = state.tip();
    Optional<ChainTip> reported = newTip.isPresent()
        ? Optional.of(new ChainTip(chain, newTip, tipSequence)) : Optional.empty();
    Optional<BlockRef> tip = reported.isPresent()
        && (stored.isEmpty() || stored.get().sequence() < reported.get().sequence())
        ? newTip : stored.flatMap(ChainTip::tip);
    List<InvoiceUpdate> awaitingUpdates = new ArrayList<>();
    boolean awaitingAllRead = false;
    if (newTip.isPresent() && awaitingRead.isPresent()) {
      Instant now = now();
      for (Invoice invoice : awaitingRead.get()) {
        if (!paid.contains(invoice.address())) {
          recompute(invoice, invoice, now, "", Optional.empty(), tip).ifPresent(awaitingUpdates::add);
        }
      }
      awaitingAllRead = awaitingRead.get().size() < AWAITING_PAGE;
    }
    Applied applied = applyPaymentFacts(chain, byAddress, invoicesRead, tip, reported, awaitingUpdates);
    if (newTip.isPresent()) {
      if (!awaitingAllRead || applied.alongsideRefused()) {
        // More invoices await than were read, or one changed meanwhile: list them again, after this write.
        recomputeAwaiting(chain, tip, applied.touched());
      }
      if (depositChains.contains(chain)) {
        recomputeDeposits(chain, tip);
      }
    }
  }

  /**
   * Numbers a report of {@code count} facts from the chain's block, reserving a new block when needed: when the
   * block is used up, or when {@code lastReserved}, the store's last reservation, is not this block's end (another
   * instance reserved since, and its numbers may be above this block's).
   */
  private long firstFactNumber(String chain, FactNumbers numbers, int count, long lastReserved) {
    if (numbers.last - numbers.next + 1 >= count && lastReserved == numbers.last) {
      long first = numbers.next;
      numbers.next += count;
      return first;
    }
    int size = Math.max(count, FACT_NUMBER_BLOCK);
    long first = store.reserveFactNumbers(chain, size);
    numbers.next = first + count;
    numbers.last = first + size - 1;
    return first;
  }

  /**
   * Merges the facts into the invoices of their addresses and writes the changes; {@code tipToSave}, the tip
   * reported with them, is saved with the first write, or alone if nothing changed. The first attempt uses
   * {@code invoicesRead}, the invoices of the addresses read with the chain's state; a retry reads them again. The
   * first write also carries {@code alongside}, updates of other invoices (those awaiting confirmations at the new
   * tip); one of them refused is not retried here but reported.
   */
  private Applied applyPaymentFacts(String chain, Map<String, List<Ledger.Sequenced>> byAddress,
      Map<String, Invoice> invoicesRead, Optional<BlockRef> tip, Optional<ChainTip> tipToSave,
      List<InvoiceUpdate> alongside) {
    Optional<ChainTip> unsaved = tipToSave;
    Set<InvoiceId> touched = new LinkedHashSet<>();
    boolean alongsideRefused = false;
    Map<String, List<Ledger.Sequenced>> pending = byAddress;
    for (int attempt = 1; !pending.isEmpty() || attempt == 1 && !alongside.isEmpty(); attempt++) {
      Instant now = now();
      List<InvoiceUpdate> updates = new ArrayList<>();
      Map<InvoiceId, String> addressOf = new HashMap<>();
      Map<String, Invoice> invoices = attempt == 1 ? invoicesRead : store.findByAddresses(pending.keySet());
      for (Map.Entry<String, List<Ledger.Sequenced>> entry : pending.entrySet()) {
        Optional<Invoice> found = Optional.ofNullable(invoices.get(entry.getKey()));
        if (found.isEmpty()) {
          if (attempt == 1) {
            applyToDepositAddress(chain, entry.getKey(), entry.getValue(), tip, now);
          }
          continue;
        }
        Invoice invoice = found.get();
        touched.add(invoice.id());
        List<Payment> merged = Ledger.merge(invoice.id(), invoice.payments(), entry.getValue());
        merged = screenNew(invoice, merged);
        recompute(invoice, invoice.withPayments(merged), now, "", Optional.empty(), tip).ifPresent(update -> {
          updates.add(update);
          addressOf.put(invoice.id(), entry.getKey());
        });
      }
      Set<InvoiceId> alongsideIds = new HashSet<>();
      if (attempt == 1) {
        for (InvoiceUpdate update : alongside) {
          updates.add(update);
          alongsideIds.add(update.invoice().id());
        }
      }
      if (updates.isEmpty()) {
        break;
      }
      Set<InvoiceId> conflicts = new LinkedHashSet<>(unsaved.isPresent() ? store.updateAll(updates, unsaved.get())
          : store.updateAll(updates));
      unsaved = Optional.empty();
      for (InvoiceUpdate update : updates) {
        if (!conflicts.contains(update.invoice().id())) {
          logChange(update);
          refreshRegistration(update.invoice(), now);
        }
      }
      alongsideRefused |= conflicts.removeAll(alongsideIds);
      if (conflicts.isEmpty()) {
        break;
      }
      if (attempt >= MAX_ATTEMPTS) {
        InvoiceId first = conflicts.iterator().next();
        throw new InvoiceStoreException("invoice " + first + " kept changing while chain facts were applied; gave up"
            + " after " + MAX_ATTEMPTS + " attempts", first, null);
      }
      Map<String, List<Ledger.Sequenced>> retry = new LinkedHashMap<>();
      for (InvoiceId conflict : conflicts) {
        String address = addressOf.get(conflict);
        retry.put(address, pending.get(address));
      }
      pending = retry;
    }
    unsaved.ifPresent(store::saveChainTip);
    return new Applied(touched, alongsideRefused);
  }

  /**
   * What {@link #applyPaymentFacts} did: the invoices of the paid addresses, and whether an update written alongside
   * the payments was refused (its invoice had changed).
   */
  private record Applied(Set<InvoiceId> touched, boolean alongsideRefused) {}

  private void applyToDepositAddress(
      String chain, String address, List<Ledger.Sequenced> facts, Optional<BlockRef> tip, Instant now) {
    Optional<DepositAddress> depositAddress = store.findDepositAddressByAddress(address);
    if (depositAddress.isEmpty()) {
      log.warn("Chain {} reported a payment to {}, which is neither an invoice's nor a deposit address; ignored",
          chain, address);
      return;
    }
    depositChains.add(chain);
    deposits.apply(depositAddress.get(), facts, tip, now);
  }

  private List<Payment> screenNew(Invoice invoice, List<Payment> merged) {
    List<Payment> result = new ArrayList<>(merged.size());
    for (Payment payment : merged) {
      if (invoice.payment(payment.ref()).isPresent() || payment.isReversed()) {
        result.add(payment);
        continue;
      }
      Optional<String> hold;
      try {
        hold = requireNonNull(screening.screen(invoice, payment), "screening result");
      } catch (RuntimeException e) {
        log.error("Payment screening failed for payment {} of invoice {}; holding it for review", payment.ref(),
            invoice.id(), e);
        hold = Optional.of("screening failed: " + e.getClass().getSimpleName());
      }
      result.add(hold.isEmpty() ? payment : new Payment(payment.ref(), payment.amount(), payment.firstSeenAt(),
          payment.block(), payment.reversal(), payment.onTime(), payment.settled(), hold, payment.sequence()));
    }
    return result;
  }

  private void recomputeAwaiting(String chain, Optional<BlockRef> tip, Set<InvoiceId> alreadyDone) {
    InvoiceQuery query = InvoiceQuery.all().withChain(chain).withAwaitingConfirmations();
    for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      Instant now = now();
      List<InvoiceUpdate> updates = new ArrayList<>();
      for (Invoice invoice : store.listAll(query)) {
        if (!alreadyDone.contains(invoice.id())) {
          recompute(invoice, invoice, now, "", Optional.empty(), tip).ifPresent(updates::add);
        }
      }
      if (updates.isEmpty()) {
        return;
      }
      Set<InvoiceId> conflicts = store.updateAll(updates);
      for (InvoiceUpdate update : updates) {
        if (!conflicts.contains(update.invoice().id())) {
          logChange(update);
          refreshRegistration(update.invoice(), now);
        }
      }
      if (conflicts.isEmpty()) {
        return;
      }
    }
    log.warn("Invoices on {} kept changing while confirmations were recomputed; the next tip will retry", chain);
  }

  private void recomputeDeposits(String chain, Optional<BlockRef> tip) {
    Instant now = now();
    DepositQuery query = DepositQuery.all().withChain(chain).withStatus(DepositStatus.DETECTED);
    for (Deposit deposit : store.listAllDeposits(query)) {
      Optional<Deposit> next = deposits.atTip(deposit, tip);
      if (next.isPresent() && !deposits.write(deposit, next.get(), now)) {
        log.debug("Deposit {} changed while confirmations were recomputed; the next tip retries", deposit.id());
      }
    }
  }

  /**
   * The update that brings {@code changed} (a copy of {@code stored} with new facts, a resolution or a new expiry)
   * up to date, with its events; empty if nothing would change and nothing was forced.
   *
   * @param forced an event to record even if the status stays (a merchant action)
   */
  private Optional<InvoiceUpdate> recompute(
      Invoice stored, Invoice changed, Instant now, String note, Optional<EventType> forced) {
    return recompute(stored, changed, now, note, forced, chainTip(stored.asset().chainKey()));
  }

  private Optional<InvoiceUpdate> recompute(
      Invoice stored, Invoice changed, Instant now, String note, Optional<EventType> forced, Optional<BlockRef> tip) {
    StatusRules.Outcome outcome = StatusRules.evaluate(changed, tip, now);
    boolean statusChanged = outcome.status() != stored.status() || outcome.reason() != stored.reason();
    boolean factsChanged = !outcome.payments().equals(stored.payments())
        || !changed.resolution().equals(stored.resolution())
        || !changed.expiresAt().equals(stored.expiresAt());
    if (!statusChanged && !factsChanged && forced.isEmpty()) {
      return Optional.empty();
    }
    List<StatusChange> timeline = new ArrayList<>(stored.timeline());
    if (statusChanged) {
      timeline.add(new StatusChange(outcome.status(), outcome.reason(), now, note));
    }
    Invoice next = changed.withComputed(
        outcome.status(), outcome.reason(), outcome.payments(), timeline, stored.version() + 1);
    return Optional.of(new InvoiceUpdate(next, stored.version(), events(stored, next, now, forced)));
  }

  /** The events describing the change from {@code before} to {@code after}, in a fixed order. */
  private static List<io.coinssend.invoice.Event> events(
      Invoice before, Invoice after, Instant now, Optional<EventType> forced) {
    List<io.coinssend.invoice.Event> events = new ArrayList<>();
    for (Payment payment : after.payments()) {
      Optional<Payment> old = before.payment(payment.ref());
      Optional<PaymentRef> ref = Optional.of(payment.ref());
      boolean wasLive = old.map(p -> !p.isReversed()).orElse(false);
      if (!payment.isReversed() && !wasLive) {
        EventType type = payment.isOf(after.asset()) && !payment.onTime()
            ? EventType.INVOICE_LATE_PAYMENT
            : EventType.INVOICE_PAYMENT_DETECTED;
        events.add(InvoiceEvent.of(type, now, after, ref));
      }
      if (payment.settled() && !old.map(Payment::settled).orElse(false)) {
        events.add(InvoiceEvent.of(EventType.INVOICE_PAYMENT_CONFIRMED, now, after, ref));
      }
      if (payment.isReversed() && wasLive) {
        events.add(InvoiceEvent.of(EventType.INVOICE_PAYMENT_REVERSED, now, after, ref));
      }
    }
    forced.ifPresent(type -> events.add(InvoiceEvent.of(type, now, after, Optional.empty())));
    if (after.status() != before.status() || after.reason() != before.reason()) {
      EventType.reaching(after.status())
          .ifPresent(type -> events.add(InvoiceEvent.of(type, now, after, Optional.empty())));
    }
    return events;
  }

  private static void logChange(InvoiceUpdate update) {
    Invoice invoice = update.invoice();
    if (log.isInfoEnabled()) {
      List<String> types = update.events().stream().map(e -> e.type().code()).toList();
      log.info("Invoice {} v{}: {}/{}, received {} {}", invoice.id(), invoice.version(), invoice.status(),
          invoice.reason(), invoice.received(), types);
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Timed work

  /**
   * Runs the engine's timed work now: expires invoices whose time is up, registers addresses of invoices created by
   * other engine instances, stops watching addresses whose monitoring window ended, and delivers stored events to
   * listeners. The engine calls it every tick interval; tests with a manual clock call it after moving the clock.
   *
   * @return how many invoices changed status because of the time
   */
  public int tick() {
    ensureRunning();
    synchronized (tickLock) {
      Instant now = now();
      maintainLeases(now);
      int changed = reviewDue(now);
      followCreations(now);
      followDepositAddresses();
      sweepRegistrations(now);
      signalEvents();
      return changed;
    }
  }

  private void tickSafely() {
    try {
      if (state.get() == State.RUNNING) {
        tick();
      }
    } catch (RuntimeException e) {
      log.warn("Timed work failed; retrying at the next tick", e);
    }
  }

  private int reviewDue(Instant now) {
    int changed = 0;
    Map<String, Optional<BlockRef>> tipOf = new HashMap<>(); // one read per chain and tick, not per invoice
    for (Invoice due : store.listAll(InvoiceQuery.all().withReviewDueBy(now))) {
      Optional<BlockRef> tip = tipOf.computeIfAbsent(due.asset().chainKey(), this::chainTip);
      for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        Invoice current = attempt == 1 ? due : store.findById(due.id()).orElseThrow();
        Optional<InvoiceUpdate> update = recompute(current, current, now, "", Optional.empty(), tip);
        if (update.isEmpty()) {
          break;
        }
        if (store.update(update.get())) {
          logChange(update.get());
          refreshRegistration(update.get().invoice(), now);
          changed++;
          break;
        }
      }
    }
    return changed;
  }

  private void followCreations(Instant now) {
    while (true) {
      // Only creations are read (the store filters by type), up to the log's end as it was before the read: every
      // event up to there has committed (positions follow commit order), so the read misses none of them, and the
      // next tick starts from there even when no invoice was created since.
      long end = store.lastEventSequence();
      List<io.coinssend.invoice.Event> events =
          store.readEvents(followPosition.get(), EVENT_BATCH, Set.of(EventType.INVOICE_CREATED));
      for (io.coinssend.invoice.Event event : events) {
        if (event instanceof InvoiceEvent created && !registered.containsKey(created.invoice().address())) {
          store.findById(created.invoice().id()).ifPresent(invoice -> register(invoice, now));
        }
      }
      long last = events.isEmpty() ? followPosition.get() : events.get(events.size() - 1).sequence();
      if (events.size() < EVENT_BATCH) {
        followPosition.set(Math.max(last, end));
        return;
      }
      followPosition.set(last);
    }
  }

  /** Registers deposit addresses not yet followed (created here or by other instances); returns how many. */
  private int followDepositAddresses() {
    int count = 0;
    while (true) {
      List<DepositAddress> page = store.listDepositAddresses(followedDepositAddresses.get(), EVENT_BATCH);
      for (DepositAddress address : page) {
        depositChains.add(address.asset().chainKey());
        ChainWatcher watcher = watchersByAsset.get(address.asset());
        if (watcher != null) {
          watcher.watch(new WatchedAddress(address.address(), address.asset(), address.derivationIndex()));
          count++;
        }
      }
      followedDepositAddresses.addAndGet(page.size());
      if (page.size() < EVENT_BATCH) {
        return count;
      }
    }
  }

  /** Rechecks the registrations due by {@code now}: O(due), not O(watched addresses). */
  private void sweepRegistrations(Instant now) {
    // Taken out first, so a recheck that comes due again at once (none should) waits for the next tick.
    List<Recheck> due = new ArrayList<>();
    for (Iterator<Recheck> earliest = rechecks.iterator(); earliest.hasNext(); ) {
      Recheck next = earliest.next();
      if (next.at().isAfter(now)) {
        break;
      }
      earliest.remove();
      due.add(next);
    }
    for (Recheck recheck : due) {
      String address = recheck.address();
      Registration registration = registered.get(address);
      if (registration == null || !registration.recheckAt().equals(recheck.at())) {
        continue; // stale: removed, or replaced with another time (which has its own entry)
      }
      Optional<Invoice> invoice = store.findById(registration.invoiceId());
      if (invoice.isPresent() && invoice.get().isWatchedAt(now)) {
        refreshRegistration(invoice.get(), now);
      } else if (registered.remove(address, registration)) {
        ChainWatcher watcher = watchersByChain.get(registration.chain());
        watcher.unwatch(address);
        log.debug("Stopped watching {} (invoice {})", address, registration.invoiceId());
      }
    }
  }

  private boolean register(Invoice invoice, Instant now) {
    ChainWatcher watcher = watchersByAsset.get(invoice.asset());
    if (watcher == null || !invoice.isWatchedAt(now)) {
      return false;
    }
    watcher.watch(new WatchedAddress(invoice.address(), invoice.asset(), invoice.derivationIndex()));
    Registration registration = registration(invoice, now);
    registered.put(invoice.address(), registration);
    rechecks.add(new Recheck(registration.recheckAt(), invoice.address()));
    return true;
  }

  private void refreshRegistration(Invoice invoice, Instant now) {
    Registration refreshed = registered.computeIfPresent(invoice.address(), (address, old) -> registration(invoice,
        now));
    if (refreshed != null) {
      rechecks.add(new Recheck(refreshed.recheckAt(), invoice.address()));
    }
  }

  private Registration registration(Invoice invoice, Instant now) {
    Instant recheck = invoice.awaitingConfirmations() ? now.plus(Duration.ofMinutes(1)) : invoice.watchUntil();
    return new Registration(invoice.id(), invoice.asset().chainKey(), recheck);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Listeners

  private void signalEvents() {
    if (listeners.isEmpty()) {
      return;
    }
    dispatchPending.set(true);
    try {
      eventExecutor.execute(this::dispatchEvents);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      log.debug("Event delivery not scheduled: the executor is shut down");
    }
  }

  private void dispatchEvents() {
    while (dispatchPending.get()) {
      if (!dispatching.compareAndSet(false, true)) {
        return; // another thread is delivering and will see the pending flag
      }
      try {
        while (dispatchPending.getAndSet(false)) {
          for (Map.Entry<String, EventListener> entry : listeners.entrySet()) {
            deliver(entry.getKey(), entry.getValue());
          }
        }
      } catch (RuntimeException e) {
        log.warn("Event delivery to listeners failed; retrying at the next tick", e);
      } finally {
        dispatching.set(false);
      }
    }
  }

  private void deliver(String name, EventListener listener) {
    String consumer = "listener:" + name;
    long position = store.findConsumerPosition(consumer).orElse(0);
    while (state.get() != State.CLOSED) {
      List<io.coinssend.invoice.Event> events = store.readEvents(position, EVENT_BATCH);
      if (events.isEmpty()) {
        return;
      }
      for (io.coinssend.invoice.Event event : events) {
        try {
          listener.onEvent(event);
        } catch (VirtualMachineError e) {
          throw e;
        } catch (Throwable e) {
          log.warn("Listener '{}' failed on event {} ({}); skipped", name, event.id(), event.type().code(), e);
        }
      }
      long last = events.get(events.size() - 1).sequence();
      if (!store.advanceConsumer(consumer, position, last)) {
        position = store.findConsumerPosition(consumer).orElse(0);
      } else {
        position = last;
      }
    }
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

  /** The context handed to one watcher. */
  private final class Context implements WatcherContext {
    private final String chain;
    private final ScheduledExecutorService scheduler;

    Context(String chain, ScheduledExecutorService scheduler) {
      this.chain = chain;
      this.scheduler = scheduler;
    }

    @Override
    public String chain() {
      return chain;
    }

    @Override
    public Clock clock() {
      return clock;
    }

    @Override
    public ScheduledExecutorService scheduler() {
      return scheduler;
    }

    @Override
    public void report(List<ChainFact> facts) {
      InvoiceEngine.this.report(chain, facts);
    }

    @Override
    public Optional<ChainCursor> loadCursor() {
      return store.findCursor(chain);
    }

    @Override
    public void saveCursor(ChainCursor cursor) {
      requireNonNull(cursor, "cursor");
      if (!cursor.chain().equals(chain)) {
        throw new IllegalArgumentException("cursor of " + cursor.chain() + " saved by the watcher of " + chain);
      }
      store.saveCursor(cursor);
    }
  }

  /**
   * Builds an {@link InvoiceEngine}. Every setting has a default except the chain watchers (at least one). Settings
   * are checked when set; combinations when {@link #build()} is called. Not thread-safe.
   */
  public static final class Builder {
    private InvoiceStore store;
    private final List<ChainWatcher> watchers = new ArrayList<>();
    private Clock clock = Clock.systemUTC();
    private Executor executor;
    private final Map<Asset, PaymentPolicy> policies = new LinkedHashMap<>();
    private final Map<String, EventListener> listeners = new LinkedHashMap<>();
    private PaymentScreening screening = PaymentScreening.NONE;
    private Duration tickInterval = DEFAULT_TICK_INTERVAL;
    private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;
    private final Map<Asset, Money> depositMinimums = new LinkedHashMap<>();
    private Duration watchLease;
    private String instanceId;

    private Builder() {}

    /**
     * Runs each chain's watcher on one engine instance at a time: the instance holding the lease {@code watch:<chain>}
     * in the store watches the chain and renews the lease at every tick; the others stand by (they still create
     * invoices and take merchant actions) and one takes over when the lease lapses or is released. Default: off,
     * every instance runs its watchers (still safe: fact numbers and tips come from the store). The lease time
     * must be at least three tick intervals; keep the instances' clocks in sync.
     */
    public Builder watchLease(Duration leaseTime) {
      requireNonNull(leaseTime, "leaseTime");
      if (leaseTime.compareTo(Duration.ofSeconds(1)) < 0) {
        throw new IllegalArgumentException("the watch lease must be at least 1 s, but was " + leaseTime);
      }
      this.watchLease = leaseTime;
      return this;
    }

    /** This instance's name in leases and logs. Default: {@code engine-} and 8 random characters. */
    public Builder instanceId(String instanceId) {
      requireNonNull(instanceId, "instanceId");
      if (instanceId.isBlank() || instanceId.length() > 100) {
        throw new IllegalArgumentException("instance id must be 1-100 characters, but was '" + instanceId + "'");
      }
      this.instanceId = instanceId;
      return this;
    }

    /**
     * The smallest deposit of {@code minimum}'s asset that counts; smaller ones are recorded as dust, raise no
     * confirmation event and stay out of the totals. Default: none (every amount counts).
     */
    public Builder depositMinimum(Money minimum) {
      requireNonNull(minimum, "minimum");
      if (!minimum.isPositive()) {
        throw new IllegalArgumentException("a deposit minimum must be positive, but was " + minimum);
      }
      depositMinimums.put(minimum.asset(), minimum);
      return this;
    }

    /** Where invoices and events are kept. Default: a new {@link InMemoryInvoiceStore} (not durable). */
    public Builder store(InvoiceStore store) {
      this.store = requireNonNull(store, "store");
      return this;
    }

    /** Adds the watcher of one chain; at least one is required and each chain has at most one. */
    public Builder watcher(ChainWatcher watcher) {
      watchers.add(requireNonNull(watcher, "watcher"));
      return this;
    }

    /** Adds several watchers. */
    public Builder watchers(Collection<? extends ChainWatcher> watchers) {
      watchers.forEach(this::watcher);
      return this;
    }

    /** The clock for creation, expiry and event times. Default: {@link Clock#systemUTC()}. */
    public Builder clock(Clock clock) {
      this.clock = requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Where listeners are called. Default: one daemon thread owned by the engine. {@code Runnable::run} delivers
     * events on the thread that made the change, which makes tests deterministic. An executor given here is not
     * shut down by the engine.
     */
    public Builder executor(Executor executor) {
      this.executor = requireNonNull(executor, "executor");
      return this;
    }

    /** The policy for new invoices of {@code asset}. Default: the asset's watcher's default policy. */
    public Builder policy(Asset asset, PaymentPolicy policy) {
      policies.put(requireNonNull(asset, "asset"), requireNonNull(policy, "policy"));
      return this;
    }

    /**
     * Adds a listener under a unique name; its position in the event log is stored under that name, so it sees
     * every event at least once, across restarts, from the start of the log.
     */
    public Builder listener(String name, EventListener listener) {
      requireNonNull(name, "name");
      requireNonNull(listener, "listener");
      if (name.isBlank() || name.length() > 100) {
        throw new IllegalArgumentException("listener name must be 1-100 characters, but was '" + name + "'");
      }
      if (listeners.putIfAbsent(name, listener) != null) {
        throw new IllegalArgumentException("a listener named '" + name + "' is already registered");
      }
      return this;
    }

    /** The hook that may hold new payments for review. Default: {@link PaymentScreening#NONE}. */
    public Builder screening(PaymentScreening screening) {
      this.screening = requireNonNull(screening, "screening");
      return this;
    }

    /**
     * How often the engine runs {@link InvoiceEngine#tick()} on its own thread. Default: {@link
     * #DEFAULT_TICK_INTERVAL}. {@link Duration#ZERO} turns the timer off (tests then call {@code tick()}).
     */
    public Builder tickInterval(Duration interval) {
      requireNonNull(interval, "interval");
      if (interval.isNegative()) {
        throw new IllegalArgumentException("tick interval must not be negative, but was " + interval);
      }
      this.tickInterval = interval;
      return this;
    }

    /** How long {@link InvoiceEngine#close()} waits for running work. Default: {@link #DEFAULT_CLOSE_TIMEOUT}. */
    public Builder closeTimeout(Duration timeout) {
      requireNonNull(timeout, "timeout");
      if (timeout.isNegative()) {
        throw new IllegalArgumentException("close timeout must not be negative, but was " + timeout);
      }
      this.closeTimeout = timeout;
      return this;
    }

    /**
     * Builds the engine (not yet started).
     *
     * @throws IllegalStateException if no watcher was given
     * @throws IllegalArgumentException if two watchers serve one chain, or a policy names an asset no watcher serves
     */
    public InvoiceEngine build() {
      if (watchers.isEmpty()) {
        throw new IllegalStateException("an engine needs at least one chain watcher");
      }
      if (watchLease != null && !tickInterval.isZero() && watchLease.compareTo(tickInterval.multipliedBy(3)) < 0) {
        throw new IllegalArgumentException("the watch lease (" + watchLease + ") must last at least three tick"
            + " intervals (" + tickInterval + "), or the holder could lose it between two renewals");
      }
      return new InvoiceEngine(this);
    }
  }

  @Override
  public String toString() {
    return "InvoiceEngine[" + state.get() + ", chains " + watchersByChain.keySet() + ", store "
        + Objects.toString(store.getClass().getSimpleName()) + "]";
  }
}
