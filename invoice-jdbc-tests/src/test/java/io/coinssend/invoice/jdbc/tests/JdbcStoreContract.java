package io.coinssend.invoice.jdbc.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.coinssend.invoice.Asset;
import io.coinssend.invoice.BlockRef;
import io.coinssend.invoice.DepositAddress;
import io.coinssend.invoice.DuplicateInvoiceException;
import io.coinssend.invoice.Event;
import io.coinssend.invoice.EventType;
import io.coinssend.invoice.Invoice;
import io.coinssend.invoice.InvoiceEngine;
import io.coinssend.invoice.InvoiceEvent;
import io.coinssend.invoice.InvoiceId;
import io.coinssend.invoice.InvoiceRequest;
import io.coinssend.invoice.InvoiceStatus;
import io.coinssend.invoice.InvoiceStoreException;
import io.coinssend.invoice.Money;
import io.coinssend.invoice.PaymentPolicy;
import io.coinssend.invoice.PaymentRef;
import io.coinssend.invoice.StatusChange;
import io.coinssend.invoice.StatusReason;
import io.coinssend.invoice.jdbc.JdbcDialect;
import io.coinssend.invoice.jdbc.JdbcInvoiceStore;
import io.coinssend.invoice.json.InvoiceJson;
import io.coinssend.invoice.spi.ChainTip;
import io.coinssend.invoice.spi.InvoiceQuery;
import io.coinssend.invoice.spi.InvoiceStore;
import io.coinssend.invoice.spi.InvoiceUpdate;
import io.coinssend.invoice.spi.PaymentSeen;
import io.coinssend.invoice.spi.TipChanged;
import io.coinssend.invoice.testkit.InvoiceStoreContract;
import io.coinssend.invoice.testkit.ManualClock;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
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
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * {@link InvoiceStoreContract} on a real database, plus what a JDBC store must do beyond it: exact keys and
 * documents, exact amounts and millisecond times in the columns, the commit-ordered event log under a forced
 * interleaving, batched updates in few transactions, retries of transient failures and nothing half-written after
 * the others. A subclass gives a fresh database per test.
 */
abstract class JdbcStoreContract extends InvoiceStoreContract {

  protected TestDatabase db;
  protected ProbeDataSource probe;

  /** A fresh, empty database. */
  protected abstract TestDatabase openDatabase();

  @Override
  protected InvoiceStore newStore() {
    db = openDatabase();
    probe = new ProbeDataSource(db.dataSource());
    JdbcInvoiceStore built = JdbcInvoiceStore.builder(probe.dataSource())
        .createTablesIfMissing(true)
        .retryDelay(Duration.ZERO)
        .build();
    assertThat(built.dialect()).isEqualTo(db.dialect());
    return built;
  }

  @Override
  protected void closeStore(InvoiceStore store) {
    try {
      db.close();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Whether {@code sql} writes events: an insert of its own, or PostgreSQL's counter step and insert in one. */
  private static boolean insertsEvents(String sql) {
    return sql.contains("INSERT INTO coinssend_event ");
  }

  static InvoiceUpdate updateTo(Invoice before, InvoiceStatus status, StatusReason reason, EventType type) {
    Invoice after = next(before, status, reason);
    return new InvoiceUpdate(after, before.version(),
        List.of(InvoiceEvent.of(type, after.createdAt().plusSeconds(60), after, Optional.empty())));
  }

  private static Invoice withKeys(Invoice invoice, String orderId, String address) {
    return new Invoice(invoice.id(), orderId, invoice.amountDue(), address, invoice.derivationIndex(),
        invoice.paymentUri(), invoice.createdAt(), invoice.expiresAt(), invoice.policy(), invoice.status(),
        invoice.reason(), invoice.payments(), invoice.resolution(), invoice.metadata(), invoice.timeline(),
        invoice.version());
  }

  private static Invoice invoice(Asset asset, BigInteger units, Instant created, Map<String, String> metadata) {
    String unique = Long.toHexString(System.nanoTime());
    return new Invoice(InvoiceId.generate(created), "order-" + unique, Money.ofUnits(asset, units), "addr-" + unique,
        7, "uri:" + unique, created, created.plus(Duration.ofMinutes(15)), PaymentPolicy.bitcoinDefaults(),
        InvoiceStatus.NEW, StatusReason.AWAITING_PAYMENT, List.of(), Optional.empty(), metadata,
        List.of(new StatusChange(InvoiceStatus.NEW, StatusReason.AWAITING_PAYMENT, created, "")), 1);
  }

  private String column(String table, String column, InvoiceId id) throws SQLException {
    try (Connection connection = db.connect(); PreparedStatement statement = connection.prepareStatement(
        "SELECT " + column + " FROM coinssend_" + table + " WHERE " + (table.equals("event") ? "invoice_id" : "id")
            + " = ?")) {
      statement.setString(1, id.value());
      try (ResultSet rows = statement.executeQuery()) {
        assertThat(rows.next()).as(table + " row of " + id).isTrue();
        return rows.getString(1);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Exact keys, documents, amounts and times

  @Test
  void keepsOrderIdsAndAddressesThatDifferOnlyInCaseOrTrailingSpacesApart() {
    String base = "Order-" + System.nanoTime();
    Invoice upper = withKeys(newInvoice(100), base, "0xAbCdEf" + base);
    Invoice lower = withKeys(newInvoice(200), base.toLowerCase(Locale.ROOT), "0xabcdef" + base);
    Invoice spaced = withKeys(newInvoice(300), base + " ", "0xAbCdEf" + base + " ");
    for (Invoice invoice : List.of(upper, lower, spaced)) {
      store.insert(invoice, created(invoice));
    }
    assertThat(store.findByOrderId(base)).contains(upper);
    assertThat(store.findByOrderId(base.toLowerCase(Locale.ROOT))).contains(lower);
    assertThat(store.findByOrderId(base + " ")).contains(spaced);
    assertThat(store.findByAddress("0xabcdef" + base)).contains(lower);
    assertThat(store.findByAddress("0xAbCdEf" + base + " ")).contains(spaced);

    Invoice again = withKeys(newInvoice(400), base.toLowerCase(Locale.ROOT), "0xnew" + base);
    assertThatThrownBy(() -> store.insert(again, created(again)))
        .isInstanceOfSatisfying(DuplicateInvoiceException.class,
            e -> assertThat(e.field()).isEqualTo(DuplicateInvoiceException.Field.ORDER_ID));
  }

  @Test
  void storesTheInvoiceAndEventJsonByteForByte() throws SQLException {
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put("quotes", "it's \"quoted\" and `ticked` \\ back\\slash");
    metadata.put("unicode", "Grüße 日本語 \uD83D\uDE00 \u05E9\u05DC\u05D5\u05DD \u0000 nul");
    metadata.put("sql", "x'); DELETE FROM coinssend_invoice; -- /* */ %_");
    metadata.put("json", "{\"a\": [1, 2.50, {\"b\": null}]}");
    Invoice invoice = invoice(Asset.BTC, BigInteger.valueOf(150_000), T0, metadata);
    store.insert(invoice, created(invoice));

    String expected = InvoiceJson.write(invoice);
    String stored = column("invoice", "document", invoice.id());
    assertThat(stored.getBytes(StandardCharsets.UTF_8)).isEqualTo(expected.getBytes(StandardCharsets.UTF_8));
    assertThat(store.findById(invoice.id()).orElseThrow().metadata()).isEqualTo(metadata);

    Event event = created(invoice).get(0).withSequence(1);
    assertThat(column("event", "document", invoice.id()).getBytes(StandardCharsets.UTF_8))
        .isEqualTo(InvoiceJson.write(event).getBytes(StandardCharsets.UTF_8));
    assertThat(store.readEvents(0, 1)).containsExactly(event);
  }

  @Test
  void writesEachEventsLogPositionIntoItsStoredDocument() throws SQLException {
    Invoice first = invoice(Asset.BTC, BigInteger.valueOf(150_000), T0, Map.of());
    Invoice second = invoice(Asset.BTC, BigInteger.valueOf(150_000), T0, Map.of());
    store.insert(first, created(first));
    store.insert(second, created(second));
    Invoice expired = next(first, InvoiceStatus.EXPIRED, StatusReason.NOT_PAID_IN_TIME);
    List<Event> events = List.of(
        InvoiceEvent.of(EventType.INVOICE_EXPIRED, T0.plusSeconds(60), expired, Optional.empty()),
        InvoiceEvent.of(EventType.INVOICE_RESOLVED, T0.plusSeconds(61), expired, Optional.empty()));
    assertThat(store.update(new InvoiceUpdate(expired, first.version(), events))).isTrue();

    List<Event> expected = List.of(created(first).get(0).withSequence(1), created(second).get(0).withSequence(2),
        events.get(0).withSequence(3), events.get(1).withSequence(4));
    try (Connection connection = db.connect(); Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("SELECT log_position, document FROM coinssend_event"
            + " ORDER BY log_position")) {
      for (Event event : expected) {
        assertThat(rows.next()).as("the row at " + event.sequence()).isTrue();
        assertThat(rows.getLong(1)).isEqualTo(event.sequence());
        assertThat(rows.getString(2)).as("the document at " + event.sequence()).isEqualTo(InvoiceJson.write(event));
      }
      assertThat(rows.next()).as("no more rows").isFalse();
    }
    assertThat(store.readEvents(0, 10)).isEqualTo(expected);
  }

  @Test
  void keepsTheLargestAmountExactlyInANumericColumn() throws SQLException {
    // Money's largest amount: 10^15 whole units of an asset with 36 decimals (Asset.MAX_DECIMALS).
    Asset fine = Asset.nativeCoin("FINE", "testchain", "net", 36);
    BigInteger largest = new BigInteger("1" + "0".repeat(51));
    BigInteger odd = new BigInteger("9".repeat(51));
    Invoice big = invoice(fine, largest, T0, Map.of());
    Invoice nines = invoice(fine, odd, T0.plusSeconds(1), Map.of());
    store.insert(big, created(big));
    store.insert(nines, created(nines));
    assertThat(new BigDecimal(column("invoice", "amount_due", big.id()))).isEqualByComparingTo(
        new BigDecimal(largest));
    assertThat(new BigDecimal(column("invoice", "amount_due", nines.id()))).isEqualByComparingTo(
        new BigDecimal(odd));
    assertThat(store.findById(nines.id()).orElseThrow().amountDue().units()).isEqualTo(odd);
  }

  @Test
  void noColumnIsFloatingPoint() throws SQLException {
    Set<Integer> floating = Set.of(Types.FLOAT, Types.REAL, Types.DOUBLE);
    int columns = 0;
    try (Connection connection = db.connect()) {
      DatabaseMetaData metadata = connection.getMetaData();
      for (String table : List.of("invoice", "event", "counter", "derivation_index", "chain_tip", "chain_cursor",
          "consumer")) {
        String name = metadata.storesUpperCaseIdentifiers() ? ("COINSSEND_" + table).toUpperCase(Locale.ROOT)
            : "coinssend_" + table;
        try (ResultSet rows = metadata.getColumns(connection.getCatalog(), connection.getSchema(), name, null)) {
          while (rows.next()) {
            columns++;
            assertThat(floating).as(table + "." + rows.getString("COLUMN_NAME")).doesNotContain(rows.getInt(
                "DATA_TYPE"));
          }
        }
      }
    }
    assertThat(columns).as("columns seen").isEqualTo(13 + 7 + 2 + 2 + 5 + 2 + 2);
  }

  @Test
  void queriesTimesToTheMillisecondAndBeyondExactly() {
    Instant created = Instant.parse("2026-03-01T12:00:00.123456789Z");
    Invoice first = invoice(Asset.BTC, BigInteger.TEN, created, Map.of());
    Invoice oneMilliLater = invoice(Asset.BTC, BigInteger.TEN, created.plusMillis(1), Map.of());
    store.insert(first, created(first));
    store.insert(oneMilliLater, created(oneMilliLater));
    Instant expiry = first.expiresAt();

    assertThat(store.list(InvoiceQuery.all().withReviewDueBy(expiry.minusNanos(1)))).isEmpty();
    assertThat(store.list(InvoiceQuery.all().withReviewDueBy(expiry))).containsExactly(first);
    assertThat(store.list(InvoiceQuery.all().withReviewDueBy(expiry.plusMillis(1))))
        .containsExactlyInAnyOrder(first, oneMilliLater);
    Instant end = first.watchUntil();
    assertThat(store.list(InvoiceQuery.all().withWatchedAt(end.minusNanos(1))))
        .containsExactlyInAnyOrder(first, oneMilliLater);
    assertThat(store.list(InvoiceQuery.all().withWatchedAt(end))).containsExactly(oneMilliLater);
    assertThat(store.findById(first.id()).orElseThrow().createdAt()).isEqualTo(created);
  }

  @Test
  void fillsAPageWhenTheColumnsAreCoarserThanTheQuery() {
    // Ten invoices expiring within the same millisecond, one nanosecond apart: the millisecond column matches all
    // of them, the exact filter only some; a page must still be full while more matches exist.
    Instant created = Instant.parse("2026-03-01T12:00:00.500000000Z");
    List<Invoice> invoices = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      Invoice invoice = invoice(Asset.BTC, BigInteger.TEN, created.plusNanos(i), Map.of());
      store.insert(invoice, created(invoice));
      invoices.add(invoice);
    }
    Instant dueBy = invoices.get(4).expiresAt();
    List<InvoiceId> due = invoices.subList(0, 5).stream().map(Invoice::id).sorted().toList();
    assertThat(store.list(InvoiceQuery.all().withReviewDueBy(dueBy).withLimit(3))).extracting(Invoice::id)
        .containsExactlyElementsOf(due.subList(0, 3));
    assertThat(store.listAll(InvoiceQuery.all().withReviewDueBy(dueBy).withLimit(2))).extracting(Invoice::id)
        .containsExactlyElementsOf(due);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // The event log in commit order

  @Test
  void aLaterTransactionCannotPublishEventsBeforeAnEarlierOneCommits() throws Exception {
    Invoice a = newInvoice(100);
    Invoice b = newInvoice(200);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      ProbeDataSource.Pause pause = probe.pauseNextCommit();
      Future<?> first = pool.submit(() -> store.insert(a, created(a)));
      pause.awaitReached(); // a's transaction has taken its position and holds the counter row, uncommitted
      Future<?> second = pool.submit(() -> store.insert(b, created(b)));
      await().atMost(Duration.ofSeconds(30)).until(() -> db.lockWaiters() >= 1);

      // b's transaction waits for the counter row: it has no position yet and cannot commit before a.
      assertThat(second.isDone()).isFalse();
      assertThat(store.readEvents(0, 10)).isEmpty();
      assertThat(store.lastEventSequence()).isZero();

      pause.release();
      first.get(30, TimeUnit.SECONDS);
      second.get(30, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
    List<Event> log = store.readEvents(0, 10);
    assertThat(log).extracting(Event::sequence).containsExactly(1L, 2L);
    assertThat(log).extracting(Event::subjectId).containsExactly(a.id().value(), b.id().value());
  }

  @Test
  void aPlainAutoNumberedLogWouldLoseAnEventInThatInterleaving() throws SQLException {
    // The control experiment: the hazard the counter row prevents is real on this database. A reader that
    // remembers the highest id it saw skips a row whose transaction took a lower id but commits later.
    try (Connection setup = db.connect(); Statement statement = setup.createStatement()) {
      statement.execute("CREATE TABLE naive_log (id " + db.identityColumn() + ", note VARCHAR(20))");
    }
    try (Connection early = db.connect(); Connection late = db.connect(); Connection reader = db.connect()) {
      early.setAutoCommit(false);
      try (Statement statement = early.createStatement()) {
        statement.executeUpdate("INSERT INTO naive_log (note) VALUES ('early')");
      }
      try (Statement statement = late.createStatement()) {
        statement.executeUpdate("INSERT INTO naive_log (note) VALUES ('late')");
      }
      List<String> seen = new ArrayList<>();
      long highest = readNaive(reader, 0, seen);
      assertThat(seen).containsExactly("late");
      early.commit();
      readNaive(reader, highest, seen);
      assertThat(seen).as("the early row is never read").containsExactly("late");
    }
  }

  private static long readNaive(Connection reader, long after, List<String> seen) throws SQLException {
    long highest = after;
    try (PreparedStatement statement = reader.prepareStatement(
        "SELECT id, note FROM naive_log WHERE id > ? ORDER BY id")) {
      statement.setLong(1, after);
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          highest = rows.getLong(1);
          seen.add(rows.getString(2));
        }
      }
    }
    return highest;
  }

  @Test
  void aReaderFollowingTheLogWhileOthersWriteNeverSkipsAnEvent() throws Exception {
    int writers = Math.min(threads(), 4);
    int perWriter = 30;
    ExecutorService pool = Executors.newFixedThreadPool(writers + 1);
    Set<String> written = ConcurrentHashMap.newKeySet();
    AtomicBoolean writing = new AtomicBoolean(true);
    List<Long> readPositions = new ArrayList<>();
    Set<String> readIds = new HashSet<>();
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<?>> done = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        done.add(pool.submit((Callable<Object>) () -> {
          go.await();
          for (int i = 0; i < perWriter; i++) {
            Invoice invoice = newInvoice(10 + i);
            List<Event> events = created(invoice);
            store.insert(invoice, events);
            written.add(events.get(0).id());
            InvoiceUpdate expire = updateTo(invoice, InvoiceStatus.EXPIRED, StatusReason.NOT_PAID_IN_TIME,
                EventType.INVOICE_EXPIRED);
            assertThat(store.update(expire)).isTrue();
            written.add(expire.events().get(0).id());
          }
          return null;
        }));
      }
      Future<?> reader = pool.submit((Callable<Object>) () -> {
        go.await();
        long position = 0;
        boolean last = false;
        while (true) {
          boolean stillWriting = writing.get();
          List<Event> page = store.readEvents(position, 17);
          for (Event event : page) {
            readPositions.add(event.sequence());
            readIds.add(event.id());
            position = event.sequence();
          }
          if (page.isEmpty() && last) {
            return null;
          }
          last = !stillWriting && page.isEmpty();
        }
      });
      go.countDown();
      for (Future<?> writer : done) {
        writer.get(120, TimeUnit.SECONDS);
      }
      writing.set(false);
      reader.get(120, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
    int total = writers * perWriter * 2;
    List<Long> expected = new ArrayList<>();
    for (long p = 1; p <= total; p++) {
      expected.add(p);
    }
    assertThat(readPositions).as("every position read once, in order").isEqualTo(expected);
    assertThat(readIds).isEqualTo(written);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Batches

  /**
   * Several updates in one write, some of them stale, with a tip: the fresh ones are written with their events at
   * consecutive positions, the stale ones are reported and take no position, and the tip is saved.
   */
  @Test
  void writesTheFreshOnesOfSeveralUpdatesAndReportsTheStaleOnesWithoutAGapInTheLog() {
    List<Invoice> invoices = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      Invoice invoice = newInvoice(100 + i);
      store.insert(invoice, created(invoice));
      invoices.add(invoice);
    }
    InvoiceUpdate moved = updateTo(invoices.get(1), InvoiceStatus.EXPIRED, StatusReason.NOT_PAID_IN_TIME,
        EventType.INVOICE_EXPIRED);
    assertThat(store.update(moved)).isTrue();
    long before = store.lastEventSequence();
    List<InvoiceUpdate> updates = new ArrayList<>();
    for (Invoice invoice : invoices) {
      updates.add(updateTo(invoice, InvoiceStatus.EXPIRED, StatusReason.NOT_PAID_IN_TIME, EventType.INVOICE_EXPIRED));
    }
    ChainTip tip = new ChainTip("bitcoin:mainnet", Optional.of(new BlockRef(870_010, "c1".repeat(32),
        Instant.parse("2026-11-25T09:40:00Z"))), 20);

    assertThat(store.updateAll(updates, tip)).as("the stale one").containsExactly(invoices.get(1).id());

    assertThat(store.findChainTip("bitcoin:mainnet")).contains(tip);
    assertThat(store.findById(invoices.get(1).id())).contains(moved.invoice());
    List<Event> log = store.readEvents(before, 10);
    assertThat(log).extracting(Event::sequence).as("consecutive positions")
        .containsExactly(before + 1, before + 2, before + 3, before + 4);
    assertThat(log).extracting(Event::subjectId).containsExactly(invoices.get(0).id().value(),
        invoices.get(2).id().value(), invoices.get(3).id().value(), invoices.get(4).id().value());
    for (int i : new int[] {0, 2, 3, 4}) {
      assertThat(store.findById(invoices.get(i).id())).contains(updates.get(i).invoice());
    }
  }


  @Test
  void updatesManyInvoicesWithBatchedStatementsInFewTransactions() {
    JdbcInvoiceStore batched = JdbcInvoiceStore.builder(probe.dataSource()).batchSize(400).build();
    List<Invoice> invoices = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      Invoice invoice = newInvoice(1000 + i);
      batched.insert(invoice, created(invoice));
      invoices.add(invoice);
    }
    List<InvoiceUpdate> updates = new ArrayList<>();
    for (Invoice invoice : invoices) {
      updates.add(updateTo(invoice, InvoiceStatus.EXPIRED, StatusReason.NOT_PAID_IN_TIME,
          EventType.INVOICE_EXPIRED));
    }
    probe.resetCounts();
    assertThat(batched.updateAll(updates)).isEmpty();

    assertThat(probe.commits.get()).as("transactions: 400 + 400 + 200 updates").isEqualTo(3);
    if (db.dialect() == JdbcDialect.POSTGRESQL) {
      // The events of a transaction go in with its counter step in one statement.
      assertThat(probe.batches.get()).as("one batch of updates per transaction").isEqualTo(3);
      assertThat(probe.updates.get()).as("one statement of counter and events per transaction").isEqualTo(3);
    } else {
      assertThat(probe.batches.get()).as("one batch of updates and one of events per transaction").isEqualTo(6);
    }
    int statements = probe.queries.get() + probe.updates.get() + probe.batches.get();
    assertThat(statements).as("lock read, counter, update batch, event batch: at most 5 per transaction")
        .isLessThanOrEqualTo(15);
    assertThat(batched.lastEventSequence()).isEqualTo(2000);
    assertThat(batched.list(InvoiceQuery.all().withStatus(InvoiceStatus.EXPIRED).withLimit(2000))).hasSize(1000);
  }

  /**
   * Creations for orders under one key, as the engine makes them. On PostgreSQL the store tries each in one
   * auto-committed statement at the index it saw come next under the key; elsewhere (and when that statement does not
   * apply) in the usual transaction. Either way no index is given twice, none is spent on a refusal, and a repeated
   * order gets its invoice.
   */
  @Test
  void createsAtTheNextIndexWhateverAnotherInstanceTookAndSpendsNoIndexOnARefusal() {
    JdbcInvoiceStore other = JdbcInvoiceStore.builder(db.dataSource()).build();
    List<Invoice> created = new ArrayList<>();
    created.add(createFor("xpub-x", newInvoice(1000)));
    created.add(createFor("xpub-x", newInvoice(2000)));
    probe.resetCounts();
    created.add(createFor("xpub-x", newInvoice(3000)));
    if (db.dialect() == JdbcDialect.POSTGRESQL) {
      assertThat(statements()).as("a creation at the index expected: one statement").isEqualTo(1);
      assertThat(probe.autoCommits.get()).as("which commits on its own").isEqualTo(1);
      assertThat(probe.commits.get()).isEqualTo(1);
    }
    assertThat(other.allocateIndex("xpub-x")).as("another instance takes the index this store expects").isEqualTo(3);
    created.add(createFor("xpub-x", newInvoice(4000)));
    assertThat(created).extracting(Invoice::derivationIndex).containsExactly(0L, 1L, 2L, 4L);

    Invoice last = created.get(3);
    assertThat(store.insertAtNextIndexUnlessOrdered(last.orderId(), "xpub-x",
        index -> withKeys(atIndex(newInvoice(5000), index), null, last.orderId(), null),
        InvoiceStoreContract::created)).as("a repeated order: its invoice").isEqualTo(last);
    Invoice onDeposit = newInvoice(6000);
    store.insertDepositAddress(new DepositAddress("alice", Asset.BTC, "bc1qdepositaddressofalice", 0,
        "bitcoin:bc1qdepositaddressofalice", Instant.parse("2026-11-25T09:00:00Z")));
    assertThatThrownBy(() -> store.insertAtNextIndexUnlessOrdered(onDeposit.orderId(), "xpub-x",
        index -> withKeys(atIndex(onDeposit, index), null, null, "bc1qdepositaddressofalice"),
        InvoiceStoreContract::created))
        .isInstanceOfSatisfying(DuplicateInvoiceException.class,
            e -> assertThat(e.field()).isEqualTo(DuplicateInvoiceException.Field.ADDRESS));
    Invoice taken = newInvoice(7000);
    assertThatThrownBy(() -> store.insertAtNextIndexUnlessOrdered(taken.orderId(), "xpub-x",
        index -> withKeys(atIndex(taken, index), null, null, last.address()), InvoiceStoreContract::created))
        .as("an invoice's address").isInstanceOfSatisfying(DuplicateInvoiceException.class,
            e -> assertThat(e.field()).isEqualTo(DuplicateInvoiceException.Field.ADDRESS));

    Invoice next = createFor("xpub-x", newInvoice(8000));
    assertThat(next.derivationIndex()).as("no index spent by the refusals").isEqualTo(5);
    assertThat(other.allocateIndex("xpub-x")).isEqualTo(6);
    assertThat(store.lastEventSequence()).as("one invoice.created per invoice").isEqualTo(5);
    for (Invoice invoice : created) {
      assertThat(store.findById(invoice.id())).contains(invoice);
    }
  }

  /**
   * A creation whose auto-committed statement went through but whose connection broke before the answer: the replay
   * finds the invoice rather than creating a second one at another index.
   */
  @Test
  void createsOnceWhenTheConnectionBrokeRightAfterACreationCommittedOnItsOwn() {
    createFor("xpub-y", newInvoice(1000));
    probe.failAfterNextCommit(new SQLException("injected: connection lost after commit", "08006"));
    Invoice invoice = createFor("xpub-y", newInvoice(2000));
    assertThat(probe.failures).as("the fault fired").filteredOn(e -> e.getMessage().startsWith("injected"))
        .hasSize(1);
    assertThat(invoice.derivationIndex()).isEqualTo(1);
    assertThat(store.findById(invoice.id())).contains(invoice);
    assertThat(store.lastEventSequence()).as("created once").isEqualTo(2);
    assertThat(store.allocateIndex("xpub-y")).as("no index spent by the replay").isEqualTo(2);
  }

  /** Creates {@code invoice}'s order at the next index under {@code key}, as the engine does. */
  private Invoice createFor(String key, Invoice invoice) {
    Invoice stored = store.insertAtNextIndexUnlessOrdered(invoice.orderId(), key, index -> atIndex(invoice, index),
        InvoiceStoreContract::created);
    assertThat(stored.id()).isEqualTo(invoice.id());
    return stored;
  }

  /**
   * The statements of one invoice lifecycle through the engine (created, seen in the mempool, mined with its block as
   * the tip: PAID), as {@code EngineLifecycleBenchmark} runs it: one commit per step, each flushed to disk, and a
   * bounded number of statements, fewest on PostgreSQL, which writes an invoice row, takes event positions and inserts
   * the events in one (a creation also checks the deposit addresses in it). The
   * second lifecycle is counted: the first report of a chain also reserves a block of fact numbers, once per
   * million facts.
   */
  @Test
  void anInvoiceLifecycleThroughTheEngineIsThreeCommitsAndFewStatements() {
    ScriptedWatcher watcher = new ScriptedWatcher();
    Instant now = Instant.now();
    try (InvoiceEngine engine = InvoiceEngine.builder().store(store).watcher(watcher)
        .clock(ManualClock.at(now)).tickInterval(Duration.ZERO).build().start()) {
      lifecycle(engine, watcher, now, 1);
      probe.resetCounts();
      int[][] steps = lifecycle(engine, watcher, now, 2);

      assertThat(store.lastEventSequence()).as("created, payment detected, pending, confirmed, paid; twice")
          .isEqualTo(10);
      assertThat(new int[] {steps[0][0], steps[1][0], steps[2][0]}).as("commits of each step")
          .containsExactly(1, 1, 1);
      assertThat(probe.rollbacks.get()).isZero();
      int[] statements = {steps[0][1], steps[1][1], steps[2][1]};
      int[] autoCommitted = {steps[0][2], steps[1][2], steps[2][2]};
      if (db.dialect() == JdbcDialect.POSTGRESQL) {
        // Created: index, order id's look-up, invoice and events in one. Seen: chain state with the invoice,
        // update with events. Mined: the same, the read with the invoices awaiting confirmations and the update with
        // the tip (no deposit address exists on this chain, so no deposits are looked up).
        assertThat(statements).as("statements of each step").containsExactly(1, 2, 2);
        // The update of the invoice, with its events (and the tip), is one statement, so it commits on its own: no
        // COMMIT after it; so is a creation at the index the store expects. Round trips: 1, 2, 2.
        assertThat(autoCommitted).as("commits without a COMMIT of their own").containsExactly(1, 1, 1);
      } else {
        // A counter step is a locking read and an update here, and events are a batch of their own.
        assertThat(statements).as("statements of each step").containsExactly(8, 6, 8);
        assertThat(autoCommitted).as("commits without a COMMIT of their own").containsExactly(0, 0, 0);
      }
    }
  }

  /** One lifecycle ending PAID; the commits, statements and auto-committed statements of each step. */
  private int[][] lifecycle(InvoiceEngine engine, ScriptedWatcher watcher, Instant now, int n) {
    int[][] steps = new int[3][];
    probe.resetCounts();
    Invoice invoice = engine.createInvoice(InvoiceRequest.of("order-lifecycle-" + n, Money.ofUnits(Asset.BTC, 1000)));
    steps[0] = new int[] {probe.commits.get(), statements(), probe.autoCommits.get()};
    probe.resetCounts();
    PaymentRef ref = new PaymentRef(Integer.toString(n).repeat(64), 0);
    watcher.report(List.of(PaymentSeen.inMempool(invoice.address(), ref, invoice.amountDue(), now)));
    steps[1] = new int[] {probe.commits.get(), statements(), probe.autoCommits.get()};
    probe.resetCounts();
    BlockRef block = new BlockRef(870_000 + n, Integer.toString(n).repeat(64), now);
    watcher.report(List.of(PaymentSeen.inBlock(invoice.address(), ref, invoice.amountDue(), block),
        new TipChanged(block)));
    steps[2] = new int[] {probe.commits.get(), statements(), probe.autoCommits.get()};
    assertThat(engine.getInvoice(invoice.id()).status()).isEqualTo(InvoiceStatus.PAID);
    return steps;
  }

  private int statements() {
    return probe.queries.get() + probe.updates.get() + probe.batches.get();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Failures

  private Invoice stored() {
    Invoice invoice = newInvoice(5000);
    store.insert(invoice, created(invoice));
    return invoice;
  }

  @Test
  void replaysATransactionAfterADeadlockAndWritesItOnce() {
    Invoice invoice = stored();
    long before = store.lastEventSequence();
    probe.failStatements(JdbcStoreContract::insertsEvents,
        new SQLException("injected: deadlock", "40001", 1213), 2);
    InvoiceUpdate update = updateTo(invoice, InvoiceStatus.EXPIRED, StatusReason.NOT_PAID_IN_TIME,
        EventType.INVOICE_EXPIRED);
    assertThat(store.update(update)).isTrue();
    assertThat(store.findById(invoice.id())).contains(update.invoice());
    assertThat(store.readEvents(before, 10)).extracting(Event::id).containsExactly(update.events().get(0).id());
    // Two attempts failed (rolled back, or on PostgreSQL a statement committing alone that the server undid).
    assertThat(probe.failures).as("two attempts failed").filteredOn(e -> e.getMessage().startsWith("injected"))
        .hasSize(2);
  }

  @Test
  void replaysATransactionWhoseConnectionBrokeBeforeTheCommit() {
    Invoice invoice = stored();
    long before = store.lastEventSequence();
    probe.failInsteadOfNextCommit(new SQLException("injected: I/O error, connection reset", "08006"));
    InvoiceUpdate update = updateTo(invoice, InvoiceStatus.EXPIRED, StatusReason.NOT_PAID_IN_TIME,
        EventType.INVOICE_EXPIRED);
    assertThat(store.update(update)).isTrue();
    assertThat(store.findById(invoice.id())).contains(update.invoice());
    assertThat(store.lastEventSequence()).isEqualTo(before + 1);
  }

  @Test
  void doesNotWriteTwiceWhenTheConnectionBrokeRightAfterTheCommit() {
    Invoice invoice = stored();
    long before = store.lastEventSequence();
    probe.failAfterNextCommit(new SQLException("injected: connection lost after commit", "08006"));
    InvoiceUpdate update = updateTo(invoice, InvoiceStatus.EXPIRED, StatusReason.NOT_PAID_IN_TIME,
        EventType.INVOICE_EXPIRED);
    assertThat(store.update(update)).as("the update did happen").isTrue();
    assertThat(store.lastEventSequence()).isEqualTo(before + 1);

    Invoice fresh = newInvoice(77);
    probe.failAfterNextCommit(new SQLException("injected: connection lost after commit", "08006"));
    store.insert(fresh, created(fresh));
    assertThat(store.findById(fresh.id())).contains(fresh);
    assertThat(store.lastEventSequence()).isEqualTo(before + 2);

    probe.failAfterNextCommit(new SQLException("injected: connection lost after commit", "08006"));
    assertThat(store.advanceConsumer("listener:x", 0, 2)).isTrue();
    assertThat(store.findConsumerPosition("listener:x")).hasValue(2);
  }

  /**
   * A single update with a chain tip, as a block's report brings it. On PostgreSQL it is one statement that commits on
   * its own: a connection lost right after it leaves the outcome unknown, and the replay must find the update done
   * rather than report a conflict or write it twice; a connection lost before it must leave nothing written.
   */
  @Test
  void writesASingleUpdateWithItsTipOnceWhenTheConnectionBrokeAroundItsCommit() {
    Invoice first = stored();
    Invoice second = stored();
    long before = store.lastEventSequence();
    ChainTip tip = new ChainTip("bitcoin:mainnet", Optional.of(new BlockRef(870_001, "a1".repeat(32),
        Instant.parse("2026-11-25T08:00:00Z"))), 10);
    InvoiceUpdate update = updateTo(first, InvoiceStatus.EXPIRED, StatusReason.NOT_PAID_IN_TIME,
        EventType.INVOICE_EXPIRED);
    probe.resetCounts();
    probe.failAfterNextCommit(new SQLException("injected: connection lost after commit", "08006"));
    assertThat(store.updateAll(List.of(update), tip)).as("no conflict: the update did happen").isEmpty();
    assertThat(probe.failures).as("the fault fired").filteredOn(e -> e.getMessage().startsWith("injected"))
        .hasSize(1);
    assertThat(store.findById(first.id())).contains(update.invoice());
    assertThat(store.findChainTip("bitcoin:mainnet")).contains(tip);
    assertThat(store.lastEventSequence()).as("its event appended once").isEqualTo(before + 1);

    ChainTip later = new ChainTip("bitcoin:mainnet", Optional.of(new BlockRef(870_002, "a2".repeat(32),
        Instant.parse("2026-11-25T08:10:00Z"))), 11);
    InvoiceUpdate other = updateTo(second, InvoiceStatus.EXPIRED, StatusReason.NOT_PAID_IN_TIME,
        EventType.INVOICE_EXPIRED);
    probe.resetCounts();
    probe.failInsteadOfNextCommit(new SQLException("injected: I/O error, connection reset", "08006"));
    assertThat(store.updateAll(List.of(other), later)).isEmpty();
    assertThat(probe.failures).as("the fault fired").filteredOn(e -> e.getMessage().startsWith("injected"))
        .hasSize(1);
    assertThat(store.findById(second.id())).contains(other.invoice());
    assertThat(store.findChainTip("bitcoin:mainnet")).contains(later);
    assertThat(store.lastEventSequence()).isEqualTo(before + 2);
  }

  @Test
  void insertsAGroupOfNewInvoicesInOneCommitAndOnceWhenTheCommitsOutcomeWasLost() {
    probe.resetCounts();
    List<Invoice> group = store.insertAllAtNextIndex("xpub-group", List.of(
        index -> atIndex(newInvoice(1000), index), index -> atIndex(newInvoice(2000), index)),
        InvoiceStoreContract::created);
    assertThat(probe.commits.get()).isEqualTo(1);
    assertThat(group).extracting(Invoice::derivationIndex).containsExactly(0L, 1L);

    probe.failAfterNextCommit(new SQLException("injected: connection lost after commit", "08006"));
    List<Invoice> again = store.insertAllAtNextIndex("xpub-group", List.of(
        index -> atIndex(newInvoice(3000), index), index -> atIndex(newInvoice(4000), index)),
        InvoiceStoreContract::created);
    assertThat(again).extracting(Invoice::derivationIndex).containsExactly(2L, 3L);
    for (Invoice invoice : again) {
      assertThat(store.findById(invoice.id())).contains(invoice);
    }
    assertThat(store.lastEventSequence()).as("four invoices, each created once").isEqualTo(4);
    assertThat(store.allocateIndex("xpub-group")).as("no index spent by the replay").isEqualTo(4);
  }

  @Test
  void rollsBackEverythingAndNamesTheInvoiceWhenAFailureIsNotTransient() {
    List<Invoice> invoices = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      invoices.add(stored());
    }
    long before = store.lastEventSequence();
    probe.failStatements(JdbcStoreContract::insertsEvents,
        new SQLException("injected: value too long for type character varying(40)", "22001"), 1);
    List<InvoiceUpdate> updates = invoices.stream().map(i -> updateTo(i, InvoiceStatus.EXPIRED,
        StatusReason.NOT_PAID_IN_TIME, EventType.INVOICE_EXPIRED)).toList();
    assertThatThrownBy(() -> store.updateAll(updates))
        .isInstanceOfSatisfying(InvoiceStoreException.class, e -> {
          assertThat(e.invoiceId()).contains(invoices.get(0).id());
          assertThat(e.getMessage()).contains(invoices.get(0).id().value()).contains("22001")
              .contains("not retried");
        });
    for (Invoice invoice : invoices) {
      assertThat(store.findById(invoice.id())).as("no invoice half-written").contains(invoice);
    }
    assertThat(store.lastEventSequence()).as("no event written").isEqualTo(before);
  }

  @Test
  void refusesToWriteEventsWithoutTheCounterRowNamingItAndWritingNothing() throws SQLException {
    try (Connection connection = db.connect(); Statement statement = connection.createStatement()) {
      assertThat(statement.executeUpdate("DELETE FROM coinssend_counter WHERE counter_name = 'event_position'"))
          .isEqualTo(1);
    }
    Invoice invoice = newInvoice(9000);
    assertThatThrownBy(() -> store.insert(invoice, created(invoice)))
        .isInstanceOf(InvoiceStoreException.class)
        .hasMessageContaining("'event_position'").hasMessageContaining("is missing");
    assertThat(store.findById(invoice.id())).isEmpty();
    assertThat(store.readEvents(0, 10)).isEmpty();
  }

  @Test
  void givesUpAfterTheConfiguredAttemptsNamingTheInvoice() {
    Invoice invoice = stored();
    long before = store.lastEventSequence();
    JdbcInvoiceStore patient = JdbcInvoiceStore.builder(probe.dataSource()).maxAttempts(3)
        .retryDelay(Duration.ofMillis(1)).build();
    probe.failStatements(sql -> sql.contains("UPDATE coinssend_invoice "),
        new SQLException("injected: deadlock", "40001", 1213), 3);
    InvoiceUpdate update = updateTo(invoice, InvoiceStatus.EXPIRED, StatusReason.NOT_PAID_IN_TIME,
        EventType.INVOICE_EXPIRED);
    assertThatThrownBy(() -> patient.update(update))
        .isInstanceOfSatisfying(InvoiceStoreException.class, e -> {
          assertThat(e.invoiceId()).contains(invoice.id());
          assertThat(e.getMessage()).startsWith("could not update invoice " + invoice.id() + " to version 2")
              .contains("gave up after 3 attempts");
        });
    assertThat(store.findById(invoice.id())).contains(invoice);
    assertThat(store.lastEventSequence()).isEqualTo(before);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Tables

  @Test
  void instancesStartingTogetherCreateTheTablesOnce() throws Exception {
    int instances = 4;
    ExecutorService pool = Executors.newFixedThreadPool(instances);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<JdbcInvoiceStore>> built = new ArrayList<>();
      for (int i = 0; i < instances; i++) {
        built.add(pool.submit(() -> {
          go.await();
          return JdbcInvoiceStore.builder(db.dataSource()).tablePrefix("race_").createTablesIfMissing(true).build();
        }));
      }
      go.countDown();
      List<Long> indexes = new ArrayList<>();
      for (Future<JdbcInvoiceStore> store : built) {
        indexes.add(store.get(60, TimeUnit.SECONDS).allocateIndex("k"));
      }
      assertThat(indexes).containsExactlyInAnyOrder(0L, 1L, 2L, 3L);
    } finally {
      pool.shutdownNow();
    }
  }
}
