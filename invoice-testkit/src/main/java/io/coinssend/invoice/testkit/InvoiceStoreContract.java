package io.coinssend.invoice.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.coinssend.invoice.Asset;
import io.coinssend.invoice.BlockRef;
import io.coinssend.invoice.Deposit;
import io.coinssend.invoice.DepositAddress;
import io.coinssend.invoice.DepositEvent;
import io.coinssend.invoice.DepositId;
import io.coinssend.invoice.DepositStatus;
import io.coinssend.invoice.DuplicateDepositException;
import io.coinssend.invoice.DuplicateInvoiceException;
import io.coinssend.invoice.Event;
import io.coinssend.invoice.EventType;
import io.coinssend.invoice.Invoice;
import io.coinssend.invoice.InvoiceEvent;
import io.coinssend.invoice.InvoiceId;
import io.coinssend.invoice.InvoiceStatus;
import io.coinssend.invoice.MerchantAction;
import io.coinssend.invoice.Money;
import io.coinssend.invoice.Payment;
import io.coinssend.invoice.PaymentPolicy;
import io.coinssend.invoice.PaymentRef;
import io.coinssend.invoice.Resolution;
import io.coinssend.invoice.Reversal;
import io.coinssend.invoice.ReversalCause;
import io.coinssend.invoice.StatusChange;
import io.coinssend.invoice.StatusReason;
import io.coinssend.invoice.spi.ChainCursor;
import io.coinssend.invoice.spi.ChainReading;
import io.coinssend.invoice.spi.ChainState;
import io.coinssend.invoice.spi.ChainTip;
import io.coinssend.invoice.spi.DepositQuery;
import io.coinssend.invoice.spi.InvoiceQuery;
import io.coinssend.invoice.spi.InvoiceStore;
import io.coinssend.invoice.spi.InvoiceUpdate;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link InvoiceStore} must meet. Extend it and return a fresh, empty store from
 * {@link #newStore()}:
 *
 * <pre>{@code
 * class MyStoreTest extends InvoiceStoreContract {
 *   protected InvoiceStore newStore() { return new MyStore(freshDatabase()); }
 * }
 * }</pre>
 *
 * <p>It checks lookups, uniqueness, exact round trips of every field, compare-and-set (with a multi-threaded race in
 * which exactly one writer wins), the gap-free event log under concurrent writers, derivation-index allocation
 * without duplicates, chain tips, cursors, consumer positions and queries, and the same for static deposit
 * addresses and their deposits.
 */
public abstract class InvoiceStoreContract {

  /** The time the contract's invoices are created at. */
  protected static final Instant T0 = Instant.parse("2026-03-01T12:00:00.123Z");
  private static final Asset TOKEN = Asset.token("USDT", "ethereum", "mainnet", 6,
      "0xdAC17F958D2ee523a2206206994597C13D831ec7");

  /** The store under test, fresh for each test. */
  protected InvoiceStore store;
  private final AtomicInteger counter = new AtomicInteger();

  /** A new, empty store. Called before each test. */
  protected abstract InvoiceStore newStore();

  /** Releases what {@link #newStore()} opened. Default: nothing. */
  protected void closeStore(InvoiceStore store) {}

  /** Threads used by the race tests; lower it for a store with few connections. */
  protected int threads() {
    return 8;
  }

  /**
   * Whether a refused {@link InvoiceStore#insertAtNextIndex} leaves its index unused (the next call gets it). True
   * for the built-in stores; return false for a store that keeps the SPI's default, which allocates first.
   */
  protected boolean releasesTheIndexOfARefusedInsert() {
    return true;
  }

  /**
   * Whether {@link InvoiceStore#insertAllAtNextIndex} stores all or none (one transaction). True for the JDBC store;
   * return false for a store that keeps the SPI's default, which inserts one by one.
   */
  protected boolean insertsAGroupAllOrNothing() {
    return true;
  }

  @BeforeEach
  void createStore() {
    store = newStore();
  }

  @AfterEach
  void releaseStore() {
    closeStore(store);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Fixtures

  /** A NEW invoice of {@code amount} BTC base units with a fresh id, order id and address. */
  protected Invoice newInvoice(long satoshi) {
    int n = counter.incrementAndGet();
    Instant created = T0.plusSeconds(n);
    return new Invoice(InvoiceId.generate(created), "order-" + n + "-" + System.nanoTime(),
        Money.ofUnits(Asset.BTC, satoshi), "bc1qcontract" + n + "x" + System.nanoTime(), n, "bitcoin:addr" + n,
        created, created.plus(Duration.ofMinutes(15)), PaymentPolicy.bitcoinDefaults(), InvoiceStatus.NEW,
        StatusReason.AWAITING_PAYMENT, List.of(), Optional.empty(), Map.of(),
        List.of(new StatusChange(InvoiceStatus.NEW, StatusReason.AWAITING_PAYMENT, created, "")), 1);
  }

  /** {@link #newInvoice(long)} for 1,000 sats, expiring (due for review) at {@code expiresAt}. */
  protected Invoice newInvoiceExpiringAt(Instant expiresAt) {
    Invoice invoice = newInvoice(1000);
    return new Invoice(invoice.id(), invoice.orderId(), invoice.amountDue(), invoice.address(),
        invoice.derivationIndex(), invoice.paymentUri(), invoice.createdAt(), expiresAt, invoice.policy(),
        invoice.status(), invoice.reason(), invoice.payments(), invoice.resolution(), invoice.metadata(),
        invoice.timeline(), invoice.version());
  }

  protected static List<Event> created(Invoice invoice) {
    return List.of(InvoiceEvent.of(EventType.INVOICE_CREATED, invoice.createdAt(), invoice, Optional.empty()));
  }

  /** The next version of {@code invoice} with one more payment and the given status. */
  protected static Invoice next(Invoice invoice, InvoiceStatus status, StatusReason reason, Payment... added) {
    List<Payment> payments = new ArrayList<>(invoice.payments());
    payments.addAll(List.of(added));
    List<StatusChange> timeline = new ArrayList<>(invoice.timeline());
    if (status != invoice.status() || reason != invoice.reason()) {
      timeline.add(new StatusChange(status, reason, invoice.createdAt().plusSeconds(60), ""));
    }
    return new Invoice(invoice.id(), invoice.orderId(), invoice.amountDue(), invoice.address(),
        invoice.derivationIndex(), invoice.paymentUri(), invoice.createdAt(), invoice.expiresAt(), invoice.policy(),
        status, reason, payments, invoice.resolution(), invoice.metadata(), timeline, invoice.version() + 1);
  }

  protected static Payment payment(Invoice invoice, String txid, long units, boolean confirmed) {
    Optional<BlockRef> block = confirmed
        ? Optional.of(new BlockRef(800_000, "00000000000000000002a7c4c1e48d76c5a37902165a270156b7a8d72728a054",
            invoice.createdAt().plusSeconds(30)))
        : Optional.empty();
    return new Payment(new PaymentRef(txid, 0), Money.ofUnits(invoice.asset(), units),
        invoice.createdAt().plusSeconds(10), block, Optional.empty(), true, confirmed, Optional.empty(), 1);
  }

  /** {@code invoice} rebuilt at derivation index {@code index}, with an address of its own. */
  protected static Invoice atIndex(Invoice invoice, long index) {
    return new Invoice(invoice.id(), invoice.orderId(), invoice.amountDue(), invoice.address() + "i" + index, index,
        invoice.paymentUri(), invoice.createdAt(), invoice.expiresAt(), invoice.policy(), invoice.status(),
        invoice.reason(), invoice.payments(), invoice.resolution(), invoice.metadata(), invoice.timeline(),
        invoice.version());
  }

  /** {@code invoice} with another order id. */
  private static Invoice withOrderId(Invoice invoice, String orderId) {
    return new Invoice(invoice.id(), orderId, invoice.amountDue(), invoice.address(), invoice.derivationIndex(),
        invoice.paymentUri(), invoice.createdAt(), invoice.expiresAt(), invoice.policy(), invoice.status(),
        invoice.reason(), invoice.payments(), invoice.resolution(), invoice.metadata(), invoice.timeline(),
        invoice.version());
  }

  private static InvoiceUpdate update(Invoice before, Invoice after, EventType type) {
    return new InvoiceUpdate(after, before.version(),
        List.of(InvoiceEvent.of(type, after.createdAt().plusSeconds(60), after, Optional.empty())));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Lookups and uniqueness

  @Test
  void findsAnInsertedInvoiceByIdOrderIdAndAddress() {
    Invoice invoice = newInvoice(150_000);
    store.insert(invoice, created(invoice));
    assertThat(store.findById(invoice.id())).contains(invoice);
    assertThat(store.findByOrderId(invoice.orderId())).contains(invoice);
    assertThat(store.findByAddress(invoice.address())).contains(invoice);
  }

  @Test
  void findsNothingForUnknownKeys() {
    Invoice invoice = newInvoice(1);
    store.insert(invoice, created(invoice));
    assertThat(store.findById(InvoiceId.of("inv_unknown"))).isEmpty();
    assertThat(store.findByOrderId("no-such-order")).isEmpty();
    assertThat(store.findByAddress("bc1qnosuchaddress")).isEmpty();
  }

  @Test
  void refusesDuplicateOrderIdAddressAndIdWritingNothing() {
    Invoice first = newInvoice(100);
    store.insert(first, created(first));
    long events = store.lastEventSequence();

    Invoice sameOrder = withKeys(newInvoice(200), null, first.orderId(), null);
    assertThatThrownBy(() -> store.insert(sameOrder, created(sameOrder)))
        .isInstanceOfSatisfying(DuplicateInvoiceException.class,
            e -> assertThat(e.field()).isEqualTo(DuplicateInvoiceException.Field.ORDER_ID));
    Invoice sameAddress = withKeys(newInvoice(300), null, null, first.address());
    assertThatThrownBy(() -> store.insert(sameAddress, created(sameAddress)))
        .isInstanceOfSatisfying(DuplicateInvoiceException.class,
            e -> assertThat(e.field()).isEqualTo(DuplicateInvoiceException.Field.ADDRESS));
    Invoice sameId = withKeys(newInvoice(400), first.id(), null, null);
    assertThatThrownBy(() -> store.insert(sameId, created(sameId)))
        .isInstanceOfSatisfying(DuplicateInvoiceException.class,
            e -> assertThat(e.field()).isEqualTo(DuplicateInvoiceException.Field.ID));

    assertThat(store.lastEventSequence()).as("no event of a refused insert").isEqualTo(events);
    assertThat(store.findById(sameOrder.id())).isEmpty();
    assertThat(store.findById(sameAddress.id())).isEmpty();
    assertThat(store.findById(first.id())).contains(first);
    assertThat(store.list(InvoiceQuery.all())).containsExactly(first);
  }

  /** {@code invoice} with another id, order id or address where the argument is not null. */
  protected static Invoice withKeys(Invoice invoice, InvoiceId id, String orderId, String address) {
    return new Invoice(id != null ? id : invoice.id(), orderId != null ? orderId : invoice.orderId(),
        invoice.amountDue(), address != null ? address : invoice.address(), invoice.derivationIndex(),
        invoice.paymentUri(), invoice.createdAt(), invoice.expiresAt(), invoice.policy(), invoice.status(),
        invoice.reason(), invoice.payments(), invoice.resolution(), invoice.metadata(), invoice.timeline(),
        invoice.version());
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Exact round trips

  @Test
  void keepsEveryFieldExactly() {
    Instant created = Instant.parse("2026-03-01T12:00:00.999Z");
    Asset eth = Asset.nativeCoin("ETH", "ethereum", "mainnet", 18);
    BigInteger hugeUnits = Money.maxUnits(eth);
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put("quote", "it's \"quoted\" \\ back\\slash");
    metadata.put("unicode", "Grüße, 日本語, emoji \uD83D\uDE00, RTL \u05E9\u05DC\u05D5\u05DD");
    metadata.put("sql", "'; DROP TABLE invoices; -- ");
    metadata.put("json", "{\"nested\": [1, 2, {\"x\": null}]}");
    metadata.put("lines", "first\nsecond\r\nthird\ttab");
    metadata.put("empty", "");
    Payment settled = new Payment(new PaymentRef("0xabc", 3), Money.ofUnits(eth, new BigInteger("1000000000000000001")),
        created.plusMillis(1), Optional.of(new BlockRef(19_000_000L, "0xblockhash", created.plusMillis(2))),
        Optional.empty(), true, true, Optional.of("held: sanctions list \"X\""), 42);
    Payment reversed = new Payment(new PaymentRef("0xdef", -1), Money.ofUnits(eth, 5), created.plusMillis(3),
        Optional.empty(), Optional.of(new Reversal(ReversalCause.REORG, 7)), false, false, Optional.empty(), 43);
    Payment foreign = new Payment(new PaymentRef("0xfee", 0), Money.ofUnits(TOKEN, 200_000_000L),
        created.plusMillis(4), Optional.empty(), Optional.empty(), true, false, Optional.empty(), 44);
    Invoice invoice = new Invoice(InvoiceId.generate(created), "order-ü-'\"-" + System.nanoTime(),
        Money.ofUnits(eth, hugeUnits), "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed" + counter.incrementAndGet(),
        Long.MAX_VALUE / 2, "ethereum:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed@1?value=1e18", created,
        created.plus(Duration.ofMillis(900_001)),
        new PaymentPolicy(12, new BigDecimal("0.5"), Duration.ofMinutes(20), Duration.ofHours(48)),
        InvoiceStatus.BLOCKED, StatusReason.UNEXPECTED_ASSET, List.of(settled, reversed, foreign),
        Optional.of(new Resolution(MerchantAction.MARK_PAID, "alice@example.com", "paid by wire; ref \"42\"",
            created.plusMillis(5), Set.of(settled.ref()))),
        metadata,
        List.of(new StatusChange(InvoiceStatus.NEW, StatusReason.AWAITING_PAYMENT, created, ""),
            new StatusChange(InvoiceStatus.BLOCKED, StatusReason.UNEXPECTED_ASSET, created.plusMillis(6),
                "note with 'quotes'")),
        1);
    store.insert(invoice, created(invoice));
    Invoice read = store.findById(invoice.id()).orElseThrow();
    assertThat(read).isEqualTo(invoice);
    assertThat(read.metadata()).isEqualTo(metadata);
    assertThat(read.amountDue().units()).isEqualTo(hugeUnits);
    assertThat(read.createdAt()).isEqualTo(created);
    List<Event> events = store.readEvents(0, 10);
    assertThat(events).hasSize(1);
    assertThat(events.get(0)).isEqualTo(created(invoice).get(0).withSequence(events.get(0).sequence()));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Compare-and-set

  @Test
  void updatesWhenTheVersionMatchesAndAppendsTheEvents() {
    Invoice invoice = newInvoice(1000);
    store.insert(invoice, created(invoice));
    Invoice pending = next(invoice, InvoiceStatus.PENDING, StatusReason.AWAITING_CONFIRMATIONS,
        payment(invoice, "tx1", 1000, false));
    assertThat(store.update(update(invoice, pending, EventType.INVOICE_PENDING))).isTrue();
    assertThat(store.findById(invoice.id())).contains(pending);
    List<Event> events = store.readEvents(0, 10);
    assertThat(events).extracting(Event::type)
        .containsExactly(EventType.INVOICE_CREATED, EventType.INVOICE_PENDING);
    assertThat(events.get(1).subjectVersion()).isEqualTo(2);
  }

  @Test
  void refusesAStaleVersionWritingNothing() {
    Invoice invoice = newInvoice(1000);
    store.insert(invoice, created(invoice));
    Invoice v2 = next(invoice, InvoiceStatus.PENDING, StatusReason.AWAITING_CONFIRMATIONS,
        payment(invoice, "tx1", 1000, false));
    assertThat(store.update(update(invoice, v2, EventType.INVOICE_PENDING))).isTrue();
    Invoice stale = next(invoice, InvoiceStatus.EXPIRED, StatusReason.NOT_PAID_IN_TIME);
    long before = store.lastEventSequence();
    assertThat(store.update(update(invoice, stale, EventType.INVOICE_EXPIRED))).isFalse();
    assertThat(store.findById(invoice.id())).contains(v2);
    assertThat(store.lastEventSequence()).isEqualTo(before);
  }

  @Test
  void refusesAnUpdateThatChangesTheOrderIdOrAddressWritingNothing() {
    Invoice invoice = newInvoice(1000);
    Invoice other = newInvoice(2000);
    store.insert(invoice, created(invoice));
    store.insert(other, created(other));
    long before = store.lastEventSequence();
    Invoice v2 = next(invoice, InvoiceStatus.EXPIRED, StatusReason.NOT_PAID_IN_TIME);
    Invoice newOrder = new Invoice(v2.id(), v2.orderId() + "-changed", v2.amountDue(), v2.address(),
        v2.derivationIndex(), v2.paymentUri(), v2.createdAt(), v2.expiresAt(), v2.policy(), v2.status(), v2.reason(),
        v2.payments(), v2.resolution(), v2.metadata(), v2.timeline(), v2.version());
    Invoice newAddress = new Invoice(v2.id(), v2.orderId(), v2.amountDue(), v2.address() + "x",
        v2.derivationIndex(), v2.paymentUri(), v2.createdAt(), v2.expiresAt(), v2.policy(), v2.status(), v2.reason(),
        v2.payments(), v2.resolution(), v2.metadata(), v2.timeline(), v2.version());
    Invoice otherV2 = next(other, InvoiceStatus.EXPIRED, StatusReason.NOT_PAID_IN_TIME);

    assertThatThrownBy(() -> store.update(update(invoice, newOrder, EventType.INVOICE_EXPIRED)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.update(update(invoice, newAddress, EventType.INVOICE_EXPIRED)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(store.findById(invoice.id())).contains(invoice);
    assertThat(store.lastEventSequence()).isEqualTo(before);
    // In a batch, each update is atomic on its own: the refused one writes nothing.
    assertThatThrownBy(() -> store.updateAll(List.of(update(other, otherV2, EventType.INVOICE_EXPIRED),
        update(invoice, newAddress, EventType.INVOICE_EXPIRED)))).isInstanceOf(IllegalArgumentException.class);
    assertThat(store.findById(invoice.id())).contains(invoice);
    assertThat(store.readEvents(before, 10)).extracting(Event::subjectId).doesNotContain(invoice.id().value());
  }

  @Test
  void refusesAnUpdateOfAnUnknownInvoice() {
    Invoice invoice = newInvoice(1000);
    Invoice v2 = next(invoice, InvoiceStatus.EXPIRED, StatusReason.NOT_PAID_IN_TIME);
    assertThat(store.update(update(invoice, v2, EventType.INVOICE_EXPIRED))).isFalse();
    assertThat(store.lastEventSequence()).isZero();
  }

  @Test
  void updatesManyAtOnceReportingConflicts() {
    List<Invoice> invoices = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      Invoice invoice = newInvoice(1000 + i);
      store.insert(invoice, created(invoice));
      invoices.add(invoice);
    }
    // The fifth is changed by someone else first.
    Invoice raced = invoices.get(4);
    Invoice racedV2 = next(raced, InvoiceStatus.EXPIRED, StatusReason.NOT_PAID_IN_TIME);
    assertThat(store.update(update(raced, racedV2, EventType.INVOICE_EXPIRED))).isTrue();
    long before = store.lastEventSequence();

    List<InvoiceUpdate> batch = new ArrayList<>();
    for (Invoice invoice : invoices) {
      Invoice paid = next(invoice, InvoiceStatus.PENDING, StatusReason.AWAITING_CONFIRMATIONS,
          payment(invoice, "tx-" + invoice.id(), invoice.amountDue().units().longValue(), false));
      batch.add(update(invoice, paid, EventType.INVOICE_PENDING));
    }
    Set<InvoiceId> conflicts = store.updateAll(batch);
    assertThat(conflicts).containsExactly(raced.id());
    assertThat(store.lastEventSequence()).isEqualTo(before + 19);
    for (Invoice invoice : invoices) {
      Invoice stored = store.findById(invoice.id()).orElseThrow();
      assertThat(stored.status()).isEqualTo(invoice == raced ? InvoiceStatus.EXPIRED : InvoiceStatus.PENDING);
    }
  }

  @Test
  void exactlyOneOfConcurrentCompareAndSetsWins() throws Exception {
    for (int round = 0; round < 5; round++) {
      Invoice invoice = newInvoice(5000);
      store.insert(invoice, created(invoice));
      long before = store.lastEventSequence();
      int n = threads();
      CountDownLatch ready = new CountDownLatch(n);
      CountDownLatch go = new CountDownLatch(1);
      ExecutorService pool = Executors.newFixedThreadPool(n);
      try {
        List<Future<Boolean>> results = new ArrayList<>();
        for (int t = 0; t < n; t++) {
          Invoice attempt = next(invoice, InvoiceStatus.PENDING, StatusReason.AWAITING_CONFIRMATIONS,
              payment(invoice, "race-" + t, 5000, false));
          results.add(pool.submit(() -> {
            ready.countDown();
            go.await();
            return store.update(update(invoice, attempt, EventType.INVOICE_PENDING));
          }));
        }
        ready.await();
        go.countDown();
        int winners = 0;
        for (Future<Boolean> result : results) {
          if (result.get(60, TimeUnit.SECONDS)) {
            winners++;
          }
        }
        assertThat(winners).as("round " + round + ": exactly one compare-and-set wins").isEqualTo(1);
        assertThat(store.lastEventSequence()).isEqualTo(before + 1);
        assertThat(store.findById(invoice.id()).orElseThrow().version()).isEqualTo(2);
      } finally {
        pool.shutdownNow();
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // The event log

  @Test
  void readsTheLogInOrderAfterACursor() {
    List<Invoice> invoices = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      Invoice invoice = newInvoice(100 + i);
      store.insert(invoice, created(invoice));
      invoices.add(invoice);
    }
    assertThat(store.lastEventSequence()).isEqualTo(7);
    List<Event> all = store.readEvents(0, 100);
    assertThat(all).extracting(Event::sequence).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L);
    assertThat(all).extracting(Event::subjectId)
        .containsExactlyElementsOf(invoices.stream().map(i -> i.id().value()).toList());
    assertThat(store.readEvents(3, 2)).extracting(Event::sequence).containsExactly(4L, 5L);
    assertThat(store.readEvents(7, 10)).isEmpty();
    assertThat(store.readEvents(100, 10)).isEmpty();
  }

  @Test
  void readsTheEventsOfSomeTypesOnlyInOrderAfterACursor() {
    // Log: 1 created A, 2 created B, 3 pending A, 4 created C, 5 expired B, 6 created D.
    Invoice a = newInvoice(100);
    Invoice b = newInvoice(200);
    store.insert(a, created(a));
    store.insert(b, created(b));
    Invoice pendingA = next(a, InvoiceStatus.PENDING, StatusReason.AWAITING_CONFIRMATIONS,
        payment(a, "tx-a", 100, false));
    assertThat(store.update(update(a, pendingA, EventType.INVOICE_PENDING))).isTrue();
    Invoice c = newInvoice(300);
    store.insert(c, created(c));
    assertThat(store.update(update(b, next(b, InvoiceStatus.EXPIRED, StatusReason.NOT_PAID_IN_TIME),
        EventType.INVOICE_EXPIRED))).isTrue();
    Invoice d = newInvoice(400);
    store.insert(d, created(d));
    Set<EventType> creations = Set.of(EventType.INVOICE_CREATED);

    assertThat(store.readEvents(0, 100, creations)).extracting(Event::sequence).containsExactly(1L, 2L, 4L, 6L);
    assertThat(store.readEvents(0, 100, creations)).extracting(Event::subjectId)
        .containsExactly(a.id().value(), b.id().value(), c.id().value(), d.id().value());
    assertThat(store.readEvents(0, 100, creations)).as("the same events as the whole log holds")
        .isEqualTo(store.readEvents(0, 100).stream().filter(e -> e.type() == EventType.INVOICE_CREATED).toList());
    assertThat(store.readEvents(1, 2, creations)).as("a page of two after position 1")
        .extracting(Event::sequence).containsExactly(2L, 4L);
    assertThat(store.readEvents(4, 2, creations)).extracting(Event::sequence).containsExactly(6L);
    assertThat(store.readEvents(0, 100, Set.of(EventType.INVOICE_PENDING, EventType.INVOICE_EXPIRED)))
        .extracting(Event::sequence).containsExactly(3L, 5L);
    assertThat(store.readEvents(6, 10, creations)).isEmpty();
    assertThat(store.readEvents(0, 10, Set.of(EventType.INVOICE_PAID))).isEmpty();
    assertThatThrownBy(() -> store.readEvents(0, 10, Set.of())).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void concurrentWritersLeaveAGapFreeLogWithEveryEventOnce() throws Exception {
    int writers = threads();
    int perWriter = 25;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    Set<String> written = ConcurrentHashMap.newKeySet();
    try {
      List<Future<Object>> done = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        done.add(pool.submit((Callable<Object>) () -> {
          for (int i = 0; i < perWriter; i++) {
            Invoice invoice = newInvoice(10 + i);
            List<Event> events = created(invoice);
            store.insert(invoice, events);
            written.add(events.get(0).id());
            Invoice v2 = next(invoice, InvoiceStatus.EXPIRED, StatusReason.NOT_PAID_IN_TIME);
            InvoiceUpdate u = update(invoice, v2, EventType.INVOICE_EXPIRED);
            assertThat(store.update(u)).isTrue();
            written.add(u.events().get(0).id());
          }
          return null;
        }));
      }
      for (Future<Object> f : done) {
        f.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    int total = writers * perWriter * 2;
    assertThat(store.lastEventSequence()).isEqualTo(total);
    List<Event> log = new ArrayList<>();
    long position = 0;
    while (true) {
      List<Event> page = store.readEvents(position, 37);
      if (page.isEmpty()) {
        break;
      }
      log.addAll(page);
      position = page.get(page.size() - 1).sequence();
    }
    List<Long> positions = log.stream().map(Event::sequence).toList();
    List<Long> expected = new ArrayList<>();
    for (long p = 1; p <= total; p++) {
      expected.add(p);
    }
    assertThat(positions).as("positions 1..n without gaps").isEqualTo(expected);
    assertThat(log).extracting(Event::id).doesNotHaveDuplicates();
    assertThat(new HashSet<>(log.stream().map(Event::id).toList())).isEqualTo(written);
    // Every invoice's created event comes before its expired event.
    Map<String, Long> createdAt = new LinkedHashMap<>();
    for (Event event : log) {
      if (event.type() == EventType.INVOICE_CREATED) {
        createdAt.put(event.subjectId(), event.sequence());
      } else {
        assertThat(createdAt).containsKey(event.subjectId());
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Derivation indexes

  @Test
  void allocatesIndexesFromZeroPerKey() {
    assertThat(store.allocateIndex("xpub-a")).isZero();
    assertThat(store.allocateIndex("xpub-a")).isEqualTo(1);
    assertThat(store.allocateIndex("xpub-b")).isZero();
    assertThat(store.allocateIndex("xpub-a")).isEqualTo(2);
  }

  @Test
  void neverAllocatesAnIndexTwiceUnderConcurrency() throws Exception {
    int n = threads();
    int each = 100;
    ExecutorService pool = Executors.newFixedThreadPool(n);
    List<Long> all = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch go = new CountDownLatch(1);
    try {
      List<Future<Object>> done = new ArrayList<>();
      for (int t = 0; t < n; t++) {
        done.add(pool.submit((Callable<Object>) () -> {
          go.await();
          for (int i = 0; i < each; i++) {
            all.add(store.allocateIndex("shared-key"));
          }
          return null;
        }));
      }
      go.countDown();
      for (Future<Object> f : done) {
        f.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(all).hasSize(n * each).doesNotHaveDuplicates();
    assertThat(all).allSatisfy(i -> assertThat(i).isBetween(0L, (long) n * each - 1));
  }

  @Test
  void insertsAnInvoiceAtTheNextIndexInOneWrite() {
    assertThat(store.allocateIndex("xpub-c")).isZero();
    Invoice first = store.insertAtNextIndex("xpub-c", index -> atIndex(newInvoice(1000), index),
        InvoiceStoreContract::created);
    assertThat(first.derivationIndex()).as("after the index allocated on its own").isEqualTo(1);
    assertThat(store.findById(first.id())).contains(first);
    assertThat(store.findByAddress(first.address())).contains(first);
    List<Event> log = store.readEvents(0, 10);
    assertThat(log).hasSize(1);
    assertThat(log.get(0).type()).isEqualTo(EventType.INVOICE_CREATED);
    assertThat(((InvoiceEvent) log.get(0)).invoice()).isEqualTo(first);
    assertThat(store.allocateIndex("xpub-c")).as("the index is used up").isEqualTo(2);
    Invoice other = store.insertAtNextIndex("xpub-d", index -> atIndex(newInvoice(2000), index),
        InvoiceStoreContract::created);
    assertThat(other.derivationIndex()).as("another key counts from 0").isZero();
    assertThatThrownBy(() -> store.insertAtNextIndex("xpub-c", index -> atIndex(newInvoice(3000), index + 1),
        InvoiceStoreContract::created))
        .as("an invoice built for another index").isInstanceOf(IllegalArgumentException.class);
    assertThat(store.lastEventSequence()).as("nothing written by the refused one").isEqualTo(2);
  }

  @Test
  void insertsAnInvoiceForAnOrderUnlessTheOrderHasOne() {
    assertThat(store.allocateIndex("xpub-o")).isZero();
    Invoice fresh = newInvoice(1000);
    Invoice first = store.insertAtNextIndexUnlessOrdered(fresh.orderId(), "xpub-o",
        index -> atIndex(fresh, index), InvoiceStoreContract::created);
    assertThat(first.derivationIndex()).as("a new order: inserted at the next index").isEqualTo(1);
    assertThat(store.findByOrderId(fresh.orderId())).contains(first);
    assertThat(store.lastEventSequence()).isEqualTo(1);

    // The store may build (derive) the candidate before it finds the order has an invoice, but writes nothing.
    Invoice again = store.insertAtNextIndexUnlessOrdered(fresh.orderId(), "xpub-o",
        index -> withOrderId(atIndex(newInvoice(1000), index), fresh.orderId()), InvoiceStoreContract::created);
    assertThat(again).as("the order's invoice, unchanged").isEqualTo(first);
    assertThat(store.lastEventSequence()).as("nothing written").isEqualTo(1);
    assertThat(store.allocateIndex("xpub-o")).as("no index used by the repeated order").isEqualTo(2);

    Invoice other = newInvoice(2000);
    assertThatThrownBy(() -> store.insertAtNextIndexUnlessOrdered(other.orderId(), "xpub-o",
        index -> atIndex(newInvoice(3000), index), InvoiceStoreContract::created))
        .as("an invoice built for another order").isInstanceOf(IllegalArgumentException.class);
    assertThat(store.findByOrderId(other.orderId())).isEmpty();
    assertThat(store.lastEventSequence()).as("nothing written by the refused one").isEqualTo(1);
  }

  @Test
  void insertsSeveralInvoicesAtConsecutiveIndexesInOneWrite() {
    assertThat(store.allocateIndex("xpub-g")).isZero();
    List<Invoice> group = store.insertAllAtNextIndex("xpub-g", List.of(
        index -> atIndex(newInvoice(1000), index), index -> atIndex(newInvoice(2000), index),
        index -> atIndex(newInvoice(3000), index)), InvoiceStoreContract::created);
    assertThat(group).extracting(Invoice::derivationIndex).containsExactly(1L, 2L, 3L);
    assertThat(group).extracting(i -> i.amountDue().units().longValue()).containsExactly(1000L, 2000L, 3000L);
    for (Invoice invoice : group) {
      assertThat(store.findById(invoice.id())).contains(invoice);
      assertThat(store.findByAddress(invoice.address())).contains(invoice);
    }
    List<Event> log = store.readEvents(0, 10);
    assertThat(log).extracting(e -> ((InvoiceEvent) e).invoice()).as("one created event each, in order")
        .containsExactlyElementsOf(group);
    assertThat(log).extracting(Event::sequence).containsExactly(1L, 2L, 3L);
    assertThat(store.allocateIndex("xpub-g")).as("the indexes are used up").isEqualTo(4);
    assertThat(store.insertAllAtNextIndex("xpub-g", List.of(), InvoiceStoreContract::created)).isEmpty();
    assertThat(store.allocateIndex("xpub-g")).as("an empty group allocates nothing").isEqualTo(5);
  }

  @Test
  void refusesAGroupHoldingADuplicate() {
    Invoice taken = newInvoice(1000);
    store.insert(taken, created(taken));
    AtomicReference<Invoice> before = new AtomicReference<>();
    assertThatThrownBy(() -> store.insertAllAtNextIndex("xpub-h", List.of(
        index -> {
          Invoice first = atIndex(newInvoice(2000), index);
          before.set(first);
          return first;
        },
        index -> withOrderId(atIndex(newInvoice(5000), index), taken.orderId()),
        index -> atIndex(newInvoice(3000), index)), InvoiceStoreContract::created))
        .isInstanceOfSatisfying(DuplicateInvoiceException.class,
            e -> assertThat(e.field()).isEqualTo(DuplicateInvoiceException.Field.ORDER_ID));
    if (insertsAGroupAllOrNothing()) {
      assertThat(store.list(InvoiceQuery.all())).as("nothing of the group").containsExactly(taken);
      assertThat(store.lastEventSequence()).isEqualTo(1);
      assertThat(store.allocateIndex("xpub-h")).as("no index used").isZero();
    } else {
      assertThat(store.findById(before.get().id())).as("the one before the refusal").isPresent();
    }
  }

  @Test
  void refusesADuplicateAtTheNextIndexWritingNothing() {
    Invoice taken = newInvoice(1000);
    store.insert(taken, created(taken));
    assertThatThrownBy(() -> store.insertAtNextIndex("xpub-e",
        index -> withOrderId(atIndex(newInvoice(5000), index), taken.orderId()), InvoiceStoreContract::created))
        .isInstanceOfSatisfying(DuplicateInvoiceException.class,
            e -> assertThat(e.field()).isEqualTo(DuplicateInvoiceException.Field.ORDER_ID));
    assertThat(store.lastEventSequence()).isEqualTo(1);
    assertThat(store.list(InvoiceQuery.all())).containsExactly(taken);
    Invoice next = store.insertAtNextIndex("xpub-e", index -> atIndex(newInvoice(6000), index),
        InvoiceStoreContract::created);
    assertThat(next.derivationIndex()).as("the refused insert's index")
        .isEqualTo(releasesTheIndexOfARefusedInsert() ? 0L : 1L);
  }

  @Test
  void neverGivesConcurrentInsertsAtTheNextIndexOneIndex() throws Exception {
    int n = threads();
    int each = 20;
    ExecutorService pool = Executors.newFixedThreadPool(n);
    List<Invoice> all = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch go = new CountDownLatch(1);
    try {
      List<Future<Object>> done = new ArrayList<>();
      for (int t = 0; t < n; t++) {
        done.add(pool.submit((Callable<Object>) () -> {
          go.await();
          for (int i = 0; i < each; i++) {
            all.add(store.insertAtNextIndex("shared-key", index -> atIndex(newInvoice(1000), index),
                InvoiceStoreContract::created));
          }
          return null;
        }));
      }
      go.countDown();
      for (Future<Object> f : done) {
        f.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(all).extracting(Invoice::derivationIndex).as("every index once, none skipped")
        .containsExactlyInAnyOrderElementsOf(java.util.stream.LongStream.range(0, (long) n * each).boxed().toList());
    for (Invoice invoice : all) {
      assertThat(store.findById(invoice.id())).contains(invoice);
    }
    assertThat(store.lastEventSequence()).isEqualTo((long) n * each);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Chain tips, cursors and consumers

  @Test
  void savesTheTipWithTheUpdatesJudgedAgainstIt() {
    List<Invoice> invoices = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      Invoice invoice = newInvoice(1000 + i);
      store.insert(invoice, created(invoice));
      invoices.add(invoice);
    }
    Invoice raced = invoices.get(2);
    assertThat(store.update(update(raced, next(raced, InvoiceStatus.EXPIRED, StatusReason.NOT_PAID_IN_TIME),
        EventType.INVOICE_EXPIRED))).isTrue();
    BlockRef block = new BlockRef(800_001, "0000000000000000000169bd8dcf7e1b9ed0b1c6b3e0fd2cd1d2e6b8b0bd6d61",
        T0.plusSeconds(600));
    ChainTip tip = new ChainTip("bitcoin:mainnet", Optional.of(block), 40);
    List<InvoiceUpdate> batch = new ArrayList<>();
    for (Invoice invoice : invoices) {
      batch.add(update(invoice, next(invoice, InvoiceStatus.PAID, StatusReason.PAID_IN_FULL,
          payment(invoice, "tx-" + invoice.id(), invoice.amountDue().units().longValue(), true)),
          EventType.INVOICE_PAID));
    }
    assertThat(store.updateAll(batch, tip)).containsExactly(raced.id());
    assertThat(store.findChainTip("bitcoin:mainnet")).as("saved although one update was refused").contains(tip);
    assertThat(store.lastEventSequence()).isEqualTo(5 + 1 + 4);
    for (Invoice invoice : invoices) {
      assertThat(store.findById(invoice.id()).orElseThrow().status())
          .isEqualTo(invoice == raced ? InvoiceStatus.EXPIRED : InvoiceStatus.PAID);
    }

    Invoice late = newInvoice(9000);
    store.insert(late, created(late));
    Invoice latePending = next(late, InvoiceStatus.PENDING, StatusReason.AWAITING_CONFIRMATIONS,
        payment(late, "tx-late", 9000, false));
    ChainTip earlier = tip.withSequence(30);
    assertThat(store.updateAll(List.of(update(late, latePending, EventType.INVOICE_PENDING)), earlier)).isEmpty();
    assertThat(store.findById(late.id())).as("the updates are written").contains(latePending);
    assertThat(store.findChainTip("bitcoin:mainnet")).as("but an earlier tip does not replace a later one")
        .contains(tip);

    ChainTip later = new ChainTip("bitcoin:mainnet", Optional.of(new BlockRef(800_002,
        "00000000000000000001f1b6d2a1b8c1ecb7bf20cd9b2d7e2cf1a6ba7e0a1c9e", T0.plusSeconds(1200))), 50);
    assertThat(store.updateAll(List.of(), later)).isEmpty();
    assertThat(store.findChainTip("bitcoin:mainnet")).as("with no update, the tip alone").contains(later);
  }

  @Test
  void savesTheTipWithASingleUpdateWhetherOrNotTheUpdateIsRefused() {
    Invoice invoice = newInvoice(1000);
    store.insert(invoice, created(invoice));
    ChainTip first = new ChainTip("litecoin:mainnet", Optional.of(new BlockRef(2_900_000,
        "5a2f1d0c9e8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a29", T0)), 10);
    InvoiceUpdate pending = update(invoice, next(invoice, InvoiceStatus.PENDING, StatusReason.AWAITING_CONFIRMATIONS,
        payment(invoice, "tx-ltc", 1000, false)), EventType.INVOICE_PENDING);
    assertThat(store.updateAll(List.of(pending), first)).isEmpty();
    assertThat(store.findChainTip("litecoin:mainnet")).as("the chain's first tip").contains(first);
    assertThat(store.findById(invoice.id())).contains(pending.invoice());
    long events = store.lastEventSequence();

    ChainTip second = new ChainTip("litecoin:mainnet", Optional.of(new BlockRef(2_900_001,
        "6b3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3a", T0.plusSeconds(150))), 20);
    assertThat(store.updateAll(List.of(pending), second)).as("the same update again: its version is stale")
        .containsExactly(invoice.id());
    assertThat(store.findChainTip("litecoin:mainnet")).as("a later tip, saved although its update was refused")
        .contains(second);
    assertThat(store.findById(invoice.id())).contains(pending.invoice());
    assertThat(store.lastEventSequence()).as("no event position taken").isEqualTo(events);

    ChainTip stale = new ChainTip("litecoin:mainnet", Optional.empty(), 15);
    InvoiceUpdate expired = update(pending.invoice(), next(pending.invoice(), InvoiceStatus.EXPIRED,
        StatusReason.NOT_PAID_IN_TIME), EventType.INVOICE_EXPIRED);
    assertThat(store.updateAll(List.of(expired), stale)).isEmpty();
    assertThat(store.findById(invoice.id())).as("the update is written").contains(expired.invoice());
    assertThat(store.findChainTip("litecoin:mainnet")).as("over an earlier observation, nothing").contains(second);
  }

  @Test
  void keepsChainTipsAndCursorsPerChain() {
    assertThat(store.findChainTip("bitcoin:mainnet")).isEmpty();
    assertThat(store.findCursor("bitcoin:mainnet")).isEmpty();
    ChainTip tip = new ChainTip("bitcoin:mainnet", Optional.of(new BlockRef(850_000, "00000000abc",
        Instant.parse("2026-03-01T12:00:01.500Z"))), 77);
    assertThat(store.saveChainTip(tip)).isTrue();
    assertThat(store.saveChainTip(ChainTip.initial("ethereum:1").withSequence(5))).isTrue();
    assertThat(store.findChainTip("bitcoin:mainnet")).contains(tip);
    assertThat(store.findChainTip("ethereum:1")).contains(ChainTip.initial("ethereum:1").withSequence(5));
    ChainTip moved = tip.withSequence(90).withTip(new BlockRef(850_001, "00000000def", Instant.parse(
        "2026-03-01T12:10:00Z")));
    assertThat(store.saveChainTip(moved)).isTrue();
    assertThat(store.findChainTip("bitcoin:mainnet")).contains(moved);
    ChainTip earlier = tip.withSequence(89).withTip(new BlockRef(849_999, "00000000fed", Instant.parse(
        "2026-03-01T11:50:00Z")));
    assertThat(store.saveChainTip(earlier)).as("an earlier observation never replaces a later one").isFalse();
    assertThat(store.saveChainTip(moved.withSequence(90))).as("nor one of the same number").isFalse();
    assertThat(store.findChainTip("bitcoin:mainnet")).contains(moved);

    String data = "{\"blocks\":[{\"h\":1,\"note\":\"ünï'\\\"\"}]}" + "x".repeat(100_000);
    store.saveCursor(new ChainCursor("bitcoin:mainnet", data));
    store.saveCursor(new ChainCursor("ethereum:1", "{}"));
    assertThat(store.findCursor("bitcoin:mainnet")).contains(new ChainCursor("bitcoin:mainnet", data));
    store.saveCursor(new ChainCursor("bitcoin:mainnet", "{\"v\":2}"));
    assertThat(store.findCursor("bitcoin:mainnet")).contains(new ChainCursor("bitcoin:mainnet", "{\"v\":2}"));
    assertThat(store.findCursor("ethereum:1")).contains(new ChainCursor("ethereum:1", "{}"));
  }

  @Test
  void reservesFactNumbersInOrderPerChain() {
    assertThat(store.lastFactNumber("bitcoin:mainnet")).isZero();
    assertThat(store.reserveFactNumbers("bitcoin:mainnet", 3)).isEqualTo(1);
    assertThat(store.lastFactNumber("bitcoin:mainnet")).isEqualTo(3);
    assertThat(store.lastFactNumber("ethereum:1")).isZero();
    assertThat(store.reserveFactNumbers("bitcoin:mainnet", 1)).isEqualTo(4);
    assertThat(store.reserveFactNumbers("ethereum:1", 10)).isEqualTo(1);
    assertThat(store.reserveFactNumbers("bitcoin:mainnet", 5)).isEqualTo(5);
    assertThat(store.reserveFactNumbers("bitcoin:mainnet", 1)).isEqualTo(10);
    assertThat(store.lastFactNumber("bitcoin:mainnet")).isEqualTo(10);
    assertThat(store.lastFactNumber("ethereum:1")).isEqualTo(10);
    assertThatThrownBy(() -> store.reserveFactNumbers("bitcoin:mainnet", 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void readsTheTipAndTheLastFactNumberOfAChainTogether() {
    assertThat(store.chainState("bitcoin:mainnet")).isEqualTo(new ChainState(0, Optional.empty()));
    store.reserveFactNumbers("bitcoin:mainnet", 7);
    assertThat(store.chainState("bitcoin:mainnet")).isEqualTo(new ChainState(7, Optional.empty()));
    BlockRef block = new BlockRef(870_001, "00000000000000000001c0ffee", T0);
    ChainTip tip = new ChainTip("bitcoin:mainnet", Optional.of(block), 6);
    store.saveChainTip(tip);
    store.reserveFactNumbers("ethereum:1", 3);
    store.saveChainTip(new ChainTip("ethereum:1", Optional.empty(), 2));

    assertThat(store.chainState("bitcoin:mainnet")).isEqualTo(new ChainState(7, Optional.of(tip)));
    assertThat(store.chainState("ethereum:1"))
        .isEqualTo(new ChainState(3, Optional.of(new ChainTip("ethereum:1", Optional.empty(), 2))));
    assertThat(store.chainState("litecoin:mainnet")).isEqualTo(new ChainState(0, Optional.empty()));
  }

  @Test
  void readsAChainsStateWithTheInvoicesOfPaidAddresses() {
    Invoice first = newInvoice(1000);
    Invoice second = newInvoice(2000);
    store.insert(first, created(first));
    store.insert(second, created(second));
    assertThat(store.readChain("bitcoin:mainnet", List.of(first.address())))
        .isEqualTo(new ChainReading(new ChainState(0, Optional.empty()), Map.of(first.address(), first)));
    store.reserveFactNumbers("bitcoin:mainnet", 5);
    ChainTip tip = new ChainTip("bitcoin:mainnet", Optional.of(new BlockRef(870_002, "0000000000000000000abc", T0)), 4);
    store.saveChainTip(tip);
    store.saveChainTip(new ChainTip("ethereum:1", Optional.empty(), 2));

    assertThat(store.readChain("bitcoin:mainnet",
        List.of(second.address(), "bc1qnotaninvoiceaddress", first.address(), second.address())))
        .as("each invoice once, unknown addresses left out")
        .isEqualTo(new ChainReading(new ChainState(5, Optional.of(tip)),
            Map.of(first.address(), first, second.address(), second)));
    assertThat(store.readChain("ethereum:1", List.of("bc1qnotaninvoiceaddress"))).isEqualTo(
        new ChainReading(new ChainState(0, Optional.of(new ChainTip("ethereum:1", Optional.empty(), 2))), Map.of()));
    assertThat(store.readChain("bitcoin:mainnet", List.of()))
        .isEqualTo(new ChainReading(new ChainState(5, Optional.of(tip)), Map.of()));
  }

  @Test
  void readsAChainsStateWithTheInvoicesAwaitingConfirmationsInIdOrder() {
    List<Invoice> awaiting = new ArrayList<>();
    Invoice unpaid = newInvoice(100);
    store.insert(unpaid, created(unpaid));
    for (int i = 1; i <= 3; i++) {
      Invoice invoice = newInvoice(1000L * i);
      store.insert(invoice, created(invoice));
      Invoice next = next(invoice, InvoiceStatus.PENDING, StatusReason.AWAITING_CONFIRMATIONS,
          payment(invoice, "tx-" + invoice.id().value(), invoice.amountDue().units().longValueExact(), false));
      assertThat(store.update(update(invoice, next, EventType.INVOICE_PENDING))).isTrue();
      awaiting.add(next);
    }
    awaiting.sort(Comparator.comparing(invoice -> invoice.id().value()));
    ChainTip tip = new ChainTip("bitcoin:mainnet", Optional.of(new BlockRef(870_003, "0000000000000000000abd", T0)), 7);
    store.saveChainTip(tip);
    store.reserveFactNumbers("bitcoin:mainnet", 7);

    ChainReading all = store.readChain("bitcoin:mainnet", List.of(unpaid.address()), 10);
    assertThat(all).isEqualTo(new ChainReading(new ChainState(7, Optional.of(tip)),
        Map.of(unpaid.address(), unpaid), Optional.of(awaiting)));
    assertThat(store.readChain("bitcoin:mainnet", List.of(), 2).awaiting()).as("the first page, without addresses")
        .contains(awaiting.subList(0, 2));
    assertThat(store.readChain("bitcoin:mainnet", List.of(awaiting.get(0).address()), 10).invoices())
        .containsExactly(Map.entry(awaiting.get(0).address(), awaiting.get(0)));
    assertThat(store.readChain("ethereum:1", List.of(), 10))
        .isEqualTo(new ChainReading(new ChainState(0, Optional.empty()), Map.of(), Optional.of(List.of())));
    assertThat(store.readChain("bitcoin:mainnet", List.of()).awaiting()).as("not asked for").isEmpty();
    assertThatThrownBy(() -> store.readChain("bitcoin:mainnet", List.of(), 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void neverReservesAFactNumberTwiceUnderConcurrency() throws Exception {
    int n = threads();
    int each = 50;
    ExecutorService pool = Executors.newFixedThreadPool(n);
    List<Long> all = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch go = new CountDownLatch(1);
    try {
      List<Future<Object>> done = new ArrayList<>();
      for (int t = 0; t < n; t++) {
        int size = 1 + t % 3;
        done.add(pool.submit((Callable<Object>) () -> {
          go.await();
          for (int i = 0; i < each; i++) {
            long first = store.reserveFactNumbers("bitcoin:mainnet", size);
            for (long number = first; number < first + size; number++) {
              all.add(number);
            }
          }
          return null;
        }));
      }
      go.countDown();
      for (Future<Object> f : done) {
        f.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(all).doesNotHaveDuplicates();
    assertThat(Collections.max(all)).as("no gaps either").isEqualTo((long) all.size());
  }

  @Test
  void holdsALeaseForOneOwnerUntilItLapses() {
    Instant now = T0;
    assertThat(store.tryLease("watch:bitcoin:mainnet", "engine-a", now, now.plusSeconds(30))).isTrue();
    assertThat(store.tryLease("watch:bitcoin:mainnet", "engine-b", now.plusSeconds(10), now.plusSeconds(40)))
        .as("held by another owner").isFalse();
    assertThat(store.tryLease("watch:bitcoin:mainnet", "engine-a", now.plusSeconds(10), now.plusSeconds(40)))
        .as("renewed by its owner").isTrue();
    assertThat(store.tryLease("watch:bitcoin:mainnet", "engine-b", now.plusSeconds(39), now.plusSeconds(69)))
        .as("still held until 40 s").isFalse();
    assertThat(store.tryLease("watch:ethereum:1", "engine-b", now, now.plusSeconds(30)))
        .as("another lease is independent").isTrue();
    assertThat(store.tryLease("watch:bitcoin:mainnet", "engine-b", now.plusSeconds(41), now.plusSeconds(71)))
        .as("taken over once lapsed").isTrue();
    assertThat(store.tryLease("watch:bitcoin:mainnet", "engine-a", now.plusSeconds(42), now.plusSeconds(72)))
        .as("the old owner lost it").isFalse();
    store.releaseLease("watch:bitcoin:mainnet", "engine-a");
    assertThat(store.tryLease("watch:bitcoin:mainnet", "engine-a", now.plusSeconds(43), now.plusSeconds(73)))
        .as("a release by a non-owner does nothing").isFalse();
    store.releaseLease("watch:bitcoin:mainnet", "engine-b");
    assertThat(store.tryLease("watch:bitcoin:mainnet", "engine-a", now.plusSeconds(44), now.plusSeconds(74)))
        .as("free after its owner released it").isTrue();
  }

  @Test
  void atMostOneOfConcurrentOwnersTakesAFreeLease() throws Exception {
    for (int round = 0; round < 5; round++) {
      String name = "watch:race-" + round;
      int n = threads();
      CountDownLatch go = new CountDownLatch(1);
      ExecutorService pool = Executors.newFixedThreadPool(n);
      try {
        List<Future<Boolean>> results = new ArrayList<>();
        for (int t = 0; t < n; t++) {
          String owner = "engine-" + t;
          results.add(pool.submit(() -> {
            go.await();
            return store.tryLease(name, owner, T0, T0.plusSeconds(30));
          }));
        }
        go.countDown();
        int holders = 0;
        for (Future<Boolean> result : results) {
          holders += result.get(60, TimeUnit.SECONDS) ? 1 : 0;
        }
        assertThat(holders).as("round " + round).isEqualTo(1);
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void movesConsumerPositionsByCompareAndSet() {
    assertThat(store.findConsumerPosition("listener:a")).isEmpty();
    assertThat(store.advanceConsumer("listener:a", 0, 5)).isTrue();
    assertThat(store.findConsumerPosition("listener:a")).hasValue(5);
    assertThat(store.advanceConsumer("listener:a", 0, 9)).as("stale expected position").isFalse();
    assertThat(store.findConsumerPosition("listener:a")).hasValue(5);
    assertThat(store.advanceConsumer("listener:a", 5, 9)).isTrue();
    assertThat(store.findConsumerPosition("listener:a")).hasValue(9);
    assertThat(store.findConsumerPosition("listener:b")).isEmpty();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Queries

  @Test
  void listsByStatusChainAndPage() {
    List<Invoice> fresh = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      Invoice invoice = newInvoice(100 + i);
      store.insert(invoice, created(invoice));
      fresh.add(invoice);
    }
    Invoice expired = fresh.get(1);
    store.update(update(expired, next(expired, InvoiceStatus.EXPIRED, StatusReason.NOT_PAID_IN_TIME),
        EventType.INVOICE_EXPIRED));

    assertThat(store.list(InvoiceQuery.all().withStatus(InvoiceStatus.EXPIRED)))
        .extracting(Invoice::id).containsExactly(expired.id());
    assertThat(store.list(InvoiceQuery.all().withStatus(InvoiceStatus.NEW))).hasSize(4);
    assertThat(store.list(InvoiceQuery.all().withStatuses(Set.of(InvoiceStatus.NEW, InvoiceStatus.EXPIRED))))
        .hasSize(5);
    assertThat(store.list(InvoiceQuery.all().withChain("bitcoin:mainnet"))).hasSize(5);
    assertThat(store.list(InvoiceQuery.all().withChain("ethereum:1"))).isEmpty();

    List<InvoiceId> ordered = fresh.stream().map(Invoice::id).sorted().toList();
    List<Invoice> page1 = store.list(InvoiceQuery.all().withLimit(2));
    assertThat(page1).extracting(Invoice::id).containsExactlyElementsOf(ordered.subList(0, 2));
    List<Invoice> page2 = store.list(InvoiceQuery.all().withLimit(2).withAfter(page1.get(1).id()));
    assertThat(page2).extracting(Invoice::id).containsExactlyElementsOf(ordered.subList(2, 4));
    assertThat(store.listAll(InvoiceQuery.all().withLimit(2))).extracting(Invoice::id)
        .containsExactlyElementsOf(ordered);
  }

  @Test
  void listsInvoicesDueForReviewAwaitingConfirmationsAndWatched() {
    Invoice open = newInvoice(100);
    Invoice pending = newInvoice(200);
    Invoice paid = newInvoice(300);
    for (Invoice invoice : List.of(open, pending, paid)) {
      store.insert(invoice, created(invoice));
    }
    Invoice pendingV2 = next(pending, InvoiceStatus.PENDING, StatusReason.AWAITING_CONFIRMATIONS,
        payment(pending, "tx-pending", 200, false));
    store.update(update(pending, pendingV2, EventType.INVOICE_PENDING));
    Invoice paidV2 = next(paid, InvoiceStatus.PAID, StatusReason.PAID_IN_FULL, payment(paid, "tx-paid", 300, true));
    store.update(update(paid, paidV2, EventType.INVOICE_PAID));

    Instant beforeExpiry = open.expiresAt().minusSeconds(1);
    assertThat(store.list(InvoiceQuery.all().withReviewDueBy(beforeExpiry))).isEmpty();
    assertThat(store.list(InvoiceQuery.all().withReviewDueBy(open.expiresAt())))
        .extracting(Invoice::id).containsExactly(open.id());
    assertThat(store.list(InvoiceQuery.all().withAwaitingConfirmations()))
        .extracting(Invoice::id).containsExactly(pending.id());

    Instant afterMonitoring = paid.watchUntil().plusSeconds(3600 * 24 * 10);
    assertThat(store.list(InvoiceQuery.all().withWatchedAt(T0))).hasSize(3);
    assertThat(store.list(InvoiceQuery.all().withWatchedAt(afterMonitoring)))
        .as("only the invoice still awaiting confirmations is watched after the window")
        .extracting(Invoice::id).containsExactly(pending.id());
  }

  @Test
  void listsTheInvoicesDueForReviewInIdOrderPageByPageWhateverTheOrderOfTheirReviewTimes() {
    // Created one after the other, so their ids run in that order, while their review times run the other way.
    List<Invoice> due = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      Invoice invoice = newInvoiceExpiringAt(T0.plus(Duration.ofHours(10 - i)));
      store.insert(invoice, created(invoice));
      due.add(invoice);
    }
    Invoice later = newInvoiceExpiringAt(T0.plus(Duration.ofHours(20)));
    store.insert(later, created(later));
    List<InvoiceId> inIdOrder = due.stream().map(Invoice::id).sorted().toList();
    Instant by = T0.plus(Duration.ofHours(10)); // the first one's review time exactly: due

    assertThat(store.listAll(InvoiceQuery.all().withReviewDueBy(by).withLimit(2))).extracting(Invoice::id)
        .containsExactlyElementsOf(inIdOrder);
    List<Invoice> first = store.list(InvoiceQuery.all().withReviewDueBy(by).withLimit(2));
    assertThat(first).extracting(Invoice::id).containsExactlyElementsOf(inIdOrder.subList(0, 2));
    assertThat(store.list(InvoiceQuery.all().withReviewDueBy(by).withLimit(2).withAfter(first.get(1).id())))
        .extracting(Invoice::id).containsExactlyElementsOf(inIdOrder.subList(2, 4));
    assertThat(store.list(InvoiceQuery.all().withReviewDueBy(T0.plus(Duration.ofHours(8)))))
        .extracting(Invoice::id)
        .containsExactlyElementsOf(due.subList(2, 5).stream().map(Invoice::id).sorted().toList());
    assertThat(store.list(InvoiceQuery.all().withReviewDueBy(T0.plus(Duration.ofHours(6)).minusMillis(1))))
        .isEmpty();
    assertThat(store.list(InvoiceQuery.all().withReviewDueBy(by).withStatuses(Set.of(InvoiceStatus.PAID))))
        .isEmpty();
  }

  @Test
  void dropsInvoicesFromTheReviewAndAwaitingListsAsTheyMoveOn() {
    List<Invoice> invoices = new ArrayList<>();
    for (int i = 1; i <= 4; i++) {
      Invoice invoice = newInvoice(100L * i);
      store.insert(invoice, created(invoice));
      invoices.add(invoice);
    }
    Instant due = invoices.get(3).expiresAt();
    assertThat(store.list(InvoiceQuery.all().withReviewDueBy(due))).hasSize(4);
    // Two see a payment in the mempool: awaiting confirmations, and PENDING invoices have no review time.
    List<Invoice> pending = new ArrayList<>();
    for (Invoice invoice : invoices.subList(1, 3)) {
      Invoice next = next(invoice, InvoiceStatus.PENDING, StatusReason.AWAITING_CONFIRMATIONS,
          payment(invoice, "tx-" + invoice.id().value(), invoice.amountDue().units().longValueExact(), false));
      assertThat(store.update(update(invoice, next, EventType.INVOICE_PENDING))).isTrue();
      pending.add(next);
    }
    assertThat(store.list(InvoiceQuery.all().withReviewDueBy(due))).extracting(Invoice::id)
        .containsExactly(invoices.get(0).id(), invoices.get(3).id());
    assertThat(store.list(InvoiceQuery.all().withAwaitingConfirmations())).extracting(Invoice::id)
        .containsExactly(invoices.get(1).id(), invoices.get(2).id());
    assertThat(store.list(InvoiceQuery.all().withAwaitingConfirmations().withAfter(invoices.get(1).id())))
        .extracting(Invoice::id).containsExactly(invoices.get(2).id());
    // One is confirmed: it leaves the awaiting list.
    Invoice confirming = pending.get(0);
    Invoice paid = new Invoice(confirming.id(), confirming.orderId(), confirming.amountDue(), confirming.address(),
        confirming.derivationIndex(), confirming.paymentUri(), confirming.createdAt(), confirming.expiresAt(),
        confirming.policy(), InvoiceStatus.PAID, StatusReason.PAID_IN_FULL,
        List.of(payment(confirming, "tx-" + confirming.id().value(), confirming.amountDue().units().longValueExact(),
            true)), confirming.resolution(), confirming.metadata(), confirming.timeline(), confirming.version() + 1);
    assertThat(store.update(update(confirming, paid, EventType.INVOICE_PAID))).isTrue();
    assertThat(store.list(InvoiceQuery.all().withAwaitingConfirmations())).extracting(Invoice::id)
        .containsExactly(invoices.get(2).id());
    assertThat(store.list(InvoiceQuery.all().withReviewDueBy(due))).extracting(Invoice::id)
        .containsExactly(invoices.get(0).id(), invoices.get(3).id());
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Deposit addresses and deposits

  protected DepositAddress newDepositAddress(String customer, Asset asset) {
    int n = counter.incrementAndGet();
    return new DepositAddress(customer, asset, "bc1qdeposit" + n + "x" + System.nanoTime(), n,
        "bitcoin:bc1qdeposit" + n, T0.plusSeconds(n));
  }

  protected static Deposit deposit(DepositAddress address, String txid, long units, DepositStatus status) {
    PaymentRef ref = new PaymentRef(txid, 1);
    Optional<BlockRef> block = status == DepositStatus.DETECTED ? Optional.empty()
        : Optional.of(new BlockRef(900_000, "00000000blockof" + txid, T0.plusSeconds(600)));
    Optional<Reversal> reversal = status == DepositStatus.REVERSED
        ? Optional.of(new Reversal(ReversalCause.REORG, 2)) : Optional.empty();
    if (status == DepositStatus.REVERSED) {
      block = Optional.empty();
    }
    return new Deposit(DepositId.of(address.address(), ref), address.customerId(), address.asset(),
        address.address(), ref, Money.ofUnits(address.asset(), units), T0.plusSeconds(30), block, reversal, 1,
        units < 546, status, 3, 1);
  }

  private static Deposit nextVersion(Deposit d, DepositStatus status) {
    return new Deposit(d.id(), d.customerId(), d.addressAsset(), d.address(), d.ref(), d.amount(), d.firstSeenAt(),
        d.block(), status == DepositStatus.REVERSED ? Optional.of(new Reversal(ReversalCause.REORG, 1))
        : Optional.empty(), d.confirmationsRequired(), d.dust(), status, d.sequence() + 1, d.version() + 1);
  }

  @Test
  void findsDepositAddressesByCustomerAndAssetAndByAddress() {
    DepositAddress alice = newDepositAddress("alice", Asset.BTC);
    DepositAddress bob = newDepositAddress("bob", Asset.BTC);
    DepositAddress aliceToken = newDepositAddress("alice", TOKEN);
    store.insertDepositAddress(alice);
    store.insertDepositAddress(bob);
    store.insertDepositAddress(aliceToken);
    assertThat(store.findDepositAddress("alice", Asset.BTC)).contains(alice);
    assertThat(store.findDepositAddress("alice", TOKEN)).contains(aliceToken);
    assertThat(store.findDepositAddress("carol", Asset.BTC)).isEmpty();
    assertThat(store.findDepositAddressByAddress(bob.address())).contains(bob);
    assertThat(store.findDepositAddressByAddress("bc1qunknown")).isEmpty();
    assertThat(store.listDepositAddresses(0, 10)).containsExactly(alice, bob, aliceToken);
    assertThat(store.listDepositAddresses(1, 1)).containsExactly(bob);
    assertThat(store.listDepositAddresses(3, 10)).isEmpty();
  }

  @Test
  void refusesASecondDepositAddressForACustomerAndAssetOrATakenAddress() {
    DepositAddress first = newDepositAddress("alice", Asset.BTC);
    store.insertDepositAddress(first);
    assertThatThrownBy(() -> store.insertDepositAddress(newDepositAddress("alice", Asset.BTC)))
        .isInstanceOf(DuplicateDepositException.class);
    DepositAddress sameAddress = new DepositAddress("bob", Asset.BTC, first.address(), 99, "bitcoin:x", T0);
    assertThatThrownBy(() -> store.insertDepositAddress(sameAddress)).isInstanceOf(DuplicateDepositException.class);
    Invoice invoice = newInvoice(1000);
    store.insert(invoice, created(invoice));
    DepositAddress invoiceAddress = new DepositAddress("carol", Asset.BTC, invoice.address(), 98, "bitcoin:y", T0);
    assertThatThrownBy(() -> store.insertDepositAddress(invoiceAddress))
        .as("an invoice's address is taken").isInstanceOf(DuplicateDepositException.class);
    Invoice onDepositAddress = withKeys(newInvoice(2000), null, null, first.address());
    long events = store.lastEventSequence();
    assertThatThrownBy(() -> store.insert(onDepositAddress, created(onDepositAddress)))
        .as("a deposit address is taken").isInstanceOfSatisfying(DuplicateInvoiceException.class,
            e -> assertThat(e.field()).isEqualTo(DuplicateInvoiceException.Field.ADDRESS));
    assertThat(store.findById(onDepositAddress.id())).isEmpty();
    assertThat(store.lastEventSequence()).as("no event position taken").isEqualTo(events);
    assertThat(store.listDepositAddresses(0, 10)).containsExactly(first);
  }

  @Test
  void keepsDepositsAndTheirEventsExactly() {
    DepositAddress address = newDepositAddress("alice", Asset.BTC);
    store.insertDepositAddress(address);
    Deposit detected = deposit(address, "tx-d1", 150_000, DepositStatus.DETECTED);
    DepositEvent event = DepositEvent.of(io.coinssend.invoice.EventType.DEPOSIT_DETECTED, T0.plusSeconds(31),
        detected);
    store.insertDeposit(detected, List.of(event));
    assertThat(store.findDeposit(detected.id())).contains(detected);
    Deposit foreign = new Deposit(DepositId.of(address.address(), new PaymentRef("tx-f", 0)), "alice", Asset.BTC,
        address.address(), new PaymentRef("tx-f", 0), Money.ofUnits(TOKEN, new BigInteger("123456789012345")),
        T0.plusMillis(7), Optional.empty(), Optional.empty(), 0, false, DepositStatus.CONFIRMED, 9, 1);
    store.insertDeposit(foreign, List.of());
    assertThat(store.findDeposit(foreign.id())).contains(foreign);
    List<Event> events = store.readEvents(0, 10);
    assertThat(events).containsExactly(event.withSequence(1));

    assertThatThrownBy(() -> store.insertDeposit(detected, List.of(event)))
        .isInstanceOf(DuplicateDepositException.class);
    assertThat(store.lastEventSequence()).isEqualTo(1);
  }

  @Test
  void updatesADepositByCompareAndSet() {
    DepositAddress address = newDepositAddress("alice", Asset.BTC);
    store.insertDepositAddress(address);
    Deposit v1 = deposit(address, "tx-1", 150_000, DepositStatus.DETECTED);
    store.insertDeposit(v1, List.of());
    Deposit v2 = nextVersion(v1, DepositStatus.CONFIRMED);
    DepositEvent confirmed = DepositEvent.of(io.coinssend.invoice.EventType.DEPOSIT_CONFIRMED, T0, v2);
    assertThat(store.updateDeposit(v2, 1, List.of(confirmed))).isTrue();
    assertThat(store.findDeposit(v1.id())).contains(v2);
    Deposit stale = nextVersion(v1, DepositStatus.REVERSED);
    assertThat(store.updateDeposit(stale, 1, List.of(
        DepositEvent.of(io.coinssend.invoice.EventType.DEPOSIT_REVERSED, T0, stale)))).isFalse();
    assertThat(store.findDeposit(v1.id())).contains(v2);
    assertThat(store.readEvents(0, 10)).extracting(Event::type)
        .containsExactly(io.coinssend.invoice.EventType.DEPOSIT_CONFIRMED);
  }

  @Test
  void exactlyOneOfConcurrentDepositUpdatesWins() throws Exception {
    DepositAddress address = newDepositAddress("alice", Asset.BTC);
    store.insertDepositAddress(address);
    Deposit v1 = deposit(address, "tx-race", 150_000, DepositStatus.DETECTED);
    store.insertDeposit(v1, List.of());
    int n = threads();
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int t = 0; t < n; t++) {
        DepositStatus status = t % 2 == 0 ? DepositStatus.CONFIRMED : DepositStatus.REVERSED;
        results.add(pool.submit(() -> {
          go.await();
          Deposit next = nextVersion(v1, status);
          return store.updateDeposit(next, 1, List.of());
        }));
      }
      go.countDown();
      int winners = 0;
      for (Future<Boolean> result : results) {
        winners += result.get(60, TimeUnit.SECONDS) ? 1 : 0;
      }
      assertThat(winners).isEqualTo(1);
      assertThat(store.findDeposit(v1.id()).orElseThrow().version()).isEqualTo(2);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void listsDepositsByCustomerAddressStatusAndChain() {
    DepositAddress alice = newDepositAddress("alice", Asset.BTC);
    DepositAddress bob = newDepositAddress("bob", Asset.BTC);
    store.insertDepositAddress(alice);
    store.insertDepositAddress(bob);
    Deposit a1 = deposit(alice, "a1", 10_000, DepositStatus.CONFIRMED);
    Deposit a2 = deposit(alice, "a2", 20_000, DepositStatus.DETECTED);
    Deposit a3 = deposit(alice, "a3", 30_000, DepositStatus.REVERSED);
    Deposit b1 = deposit(bob, "b1", 40_000, DepositStatus.CONFIRMED);
    for (Deposit d : List.of(a1, a2, a3, b1)) {
      store.insertDeposit(d, List.of());
    }
    assertThat(store.listDeposits(DepositQuery.all().withCustomer("alice")))
        .containsExactlyInAnyOrder(a1, a2, a3);
    assertThat(store.listDeposits(DepositQuery.all().withAddress(bob.address()))).containsExactly(b1);
    assertThat(store.listDeposits(DepositQuery.all().withStatus(DepositStatus.CONFIRMED)))
        .containsExactlyInAnyOrder(a1, b1);
    assertThat(store.listDeposits(DepositQuery.all().withCustomer("alice").withStatus(DepositStatus.DETECTED)))
        .containsExactly(a2);
    assertThat(store.listDeposits(DepositQuery.all().withChain("bitcoin:mainnet"))).hasSize(4);
    assertThat(store.listDeposits(DepositQuery.all().withChain("ethereum:mainnet"))).isEmpty();
    List<DepositId> ordered = List.of(a1, a2, a3, b1).stream().map(Deposit::id).sorted().toList();
    List<Deposit> page = store.listDeposits(DepositQuery.all().withLimit(3));
    assertThat(page).extracting(Deposit::id).containsExactlyElementsOf(ordered.subList(0, 3));
    assertThat(store.listDeposits(DepositQuery.all().withAfter(page.get(2).id())))
        .extracting(Deposit::id).containsExactly(ordered.get(3));
    assertThat(store.listAllDeposits(DepositQuery.all().withLimit(1))).hasSize(4);
  }
}
