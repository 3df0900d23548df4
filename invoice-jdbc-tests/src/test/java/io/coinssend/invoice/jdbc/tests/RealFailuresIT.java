package io.coinssend.invoice.jdbc.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.coinssend.invoice.EventType;
import io.coinssend.invoice.Invoice;
import io.coinssend.invoice.InvoiceEvent;
import io.coinssend.invoice.InvoiceId;
import io.coinssend.invoice.InvoiceStatus;
import io.coinssend.invoice.Money;
import io.coinssend.invoice.PaymentPolicy;
import io.coinssend.invoice.StatusChange;
import io.coinssend.invoice.StatusReason;
import io.coinssend.invoice.jdbc.JdbcInvoiceStore;
import io.coinssend.invoice.spi.InvoiceUpdate;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Failures the servers themselves cause, not injected ones: a deadlock PostgreSQL detects and breaks by aborting the
 * store's transaction, a PostgreSQL backend terminated by an administrator, a MariaDB connection killed while
 * waiting for a lock. Each time the store replays its transaction on a new connection and writes the change once.
 */
class RealFailuresIT {

  private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");

  private final ExecutorService pool = Executors.newFixedThreadPool(2);

  @AfterEach
  void stopThreads() {
    pool.shutdownNow();
  }

  private record Setup(JdbcInvoiceStore store, ProbeDataSource probe, Invoice invoice, InvoiceUpdate update) {}

  private static Setup setup(TestDatabase db) {
    ProbeDataSource probe = new ProbeDataSource(db.unpooled());
    JdbcInvoiceStore store = JdbcInvoiceStore.builder(probe.dataSource()).createTablesIfMissing(true)
        .retryDelay(Duration.ZERO).build();
    Invoice invoice = new Invoice(InvoiceId.generate(T0), "order-1", Money.ofUnits(ScriptedWatcher.BTC, 1000),
        "bc1qreal", 0, "bitcoin:bc1qreal", T0, T0.plus(Duration.ofMinutes(15)), PaymentPolicy.bitcoinDefaults(),
        InvoiceStatus.NEW, StatusReason.AWAITING_PAYMENT, List.of(), Optional.empty(), java.util.Map.of(),
        List.of(new StatusChange(InvoiceStatus.NEW, StatusReason.AWAITING_PAYMENT, T0, "")), 1);
    store.insert(invoice, List.of(InvoiceEvent.of(EventType.INVOICE_CREATED, T0, invoice, Optional.empty())));
    List<StatusChange> timeline = new ArrayList<>(invoice.timeline());
    timeline.add(new StatusChange(InvoiceStatus.EXPIRED, StatusReason.NOT_PAID_IN_TIME, invoice.expiresAt(), ""));
    Invoice expired = new Invoice(invoice.id(), invoice.orderId(), invoice.amountDue(), invoice.address(), 0,
        invoice.paymentUri(), T0, invoice.expiresAt(), invoice.policy(), InvoiceStatus.EXPIRED,
        StatusReason.NOT_PAID_IN_TIME, List.of(), Optional.empty(), java.util.Map.of(), timeline, 2);
    InvoiceUpdate update = new InvoiceUpdate(expired, 1,
        List.of(InvoiceEvent.of(EventType.INVOICE_EXPIRED, invoice.expiresAt(), expired, Optional.empty())));
    probe.resetCounts();
    return new Setup(store, probe, invoice, update);
  }

  /** Opens a transaction on {@code connection} holding the event counter row, as a long writer would. */
  private static void holdCounter(Connection connection) throws SQLException {
    connection.setAutoCommit(false);
    try (Statement statement = connection.createStatement()) {
      statement.executeUpdate("UPDATE coinssend_counter SET counter_value = counter_value"
          + " WHERE counter_name = 'event_position'");
    }
  }

  private static void assertWrittenOnce(Setup setup) {
    assertThat(setup.store().findById(setup.invoice().id())).contains(setup.update().invoice());
    assertThat(setup.store().readEvents(0, 10)).extracting(e -> e.type())
        .containsExactly(EventType.INVOICE_CREATED, EventType.INVOICE_EXPIRED);
  }

  private static List<String> states(ProbeDataSource probe) {
    return probe.failures.stream().map(SQLException::getSQLState).toList();
  }

  @Test
  void postgresBreaksADeadlockByAbortingTheStoreWhichReplaysIt() throws Exception {
    try (TestDatabase db = TestDatabase.postgres(); Connection other = db.connect()) {
      Setup setup = setup(db);
      try (Statement statement = other.createStatement()) {
        // The store's sessions keep the default 1 s; this one waits longer, so PostgreSQL aborts the store.
        statement.execute("SET deadlock_timeout = '20s'");
      }
      holdCounter(other);
      Future<Boolean> update = pool.submit(() -> setup.store().update(setup.update()));
      // The store has locked the invoice row and now waits for the counter row.
      await().atMost(Duration.ofSeconds(30)).until(() -> db.lockWaiters() == 1);
      Future<Integer> crossing = pool.submit(() -> {
        try (PreparedStatement statement = other.prepareStatement(
            "UPDATE coinssend_invoice SET version = version WHERE id = ?")) {
          statement.setString(1, setup.invoice().id().value());
          return statement.executeUpdate();
        }
      });
      assertThat(crossing.get(30, TimeUnit.SECONDS)).as("the other transaction got the invoice row").isEqualTo(1);
      other.rollback();

      assertThat(update.get(30, TimeUnit.SECONDS)).isTrue();
      assertThat(states(setup.probe())).as("PostgreSQL reported a deadlock to the store").contains("40P01");
      assertWrittenOnce(setup);
    }
  }

  @Test
  void aTerminatedPostgresBackendIsReplayedOnANewConnection() throws Exception {
    try (TestDatabase db = TestDatabase.postgres(); Connection other = db.connect();
        Connection admin = db.connect()) {
      Setup setup = setup(db);
      holdCounter(other);
      Future<Boolean> update = pool.submit(() -> setup.store().update(setup.update()));
      long pid = await().atMost(Duration.ofSeconds(30)).until(() -> waitingPid(admin, db.name()), p -> p > 0);
      TestDatabase.queryNumber(admin, "SELECT CASE WHEN pg_terminate_backend(?) THEN 1 ELSE 0 END", (int) pid);
      // The replay waits for the counter row again, on another backend.
      await().atMost(Duration.ofSeconds(30)).until(() -> waitingPid(admin, db.name()), p -> p > 0 && p != pid);
      other.rollback();

      assertThat(update.get(30, TimeUnit.SECONDS)).isTrue();
      assertThat(states(setup.probe())).as("the store saw its connection end").anyMatch(
          state -> state.startsWith("08") || state.startsWith("57P"));
      assertWrittenOnce(setup);
    }
  }

  private static long waitingPid(Connection admin, String applicationName) throws SQLException {
    return TestDatabase.queryNumber(admin, "SELECT pid FROM pg_stat_activity"
        + " WHERE application_name = ? AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()", applicationName);
  }

  @Test
  void aKilledMariaDbConnectionIsReplayedOnANewConnection() throws Exception {
    try (TestDatabase db = TestDatabase.mariaDb(); Connection other = db.connect();
        Connection admin = db.connect()) {
      Setup setup = setup(db);
      holdCounter(other);
      Future<Boolean> update = pool.submit(() -> setup.store().update(setup.update()));
      long thread = await().atMost(Duration.ofSeconds(30)).until(() -> waitingThread(admin, db.name()), t -> t > 0);
      try (Statement statement = admin.createStatement()) {
        statement.execute("KILL CONNECTION " + thread);
      }
      await().atMost(Duration.ofSeconds(30)).until(() -> waitingThread(admin, db.name()),
          t -> t > 0 && t != thread);
      other.rollback();

      assertThat(update.get(30, TimeUnit.SECONDS)).isTrue();
      assertThat(setup.probe().failures).as("the store saw its connection killed").isNotEmpty();
      assertWrittenOnce(setup);
    }
  }

  private static long waitingThread(Connection admin, String database) throws SQLException {
    return TestDatabase.queryNumber(admin, "SELECT t.trx_mysql_thread_id FROM information_schema.INNODB_TRX t"
        + " JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id"
        + " WHERE t.trx_state = 'LOCK WAIT' AND p.DB = ?", database);
  }
}
