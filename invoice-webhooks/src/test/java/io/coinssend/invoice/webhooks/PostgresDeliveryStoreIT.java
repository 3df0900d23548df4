package io.coinssend.invoice.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.coinssend.invoice.jdbc.PostgresPlans;
import io.coinssend.invoice.webhooks.jdbc.JdbcDeliveryStore;
import io.coinssend.invoice.webhooks.spi.DeliveryOutcome;
import io.coinssend.invoice.webhooks.spi.DeliveryStore;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The JDBC delivery store on the local PostgreSQL server, a fresh schema per test. */
class PostgresDeliveryStoreIT extends DeliveryStoreContract {

  private TestDatabases.Schema schema;

  @Override
  protected DeliveryStore newStore() {
    schema = TestDatabases.postgresql();
    return JdbcDeliveryStore.create(schema.dataSource()).createTables();
  }

  @Override
  protected void dispose() {
    if (schema != null) {
      schema.close();
    }
  }

  @Test
  void theDialectIsDetectedAndTheDdlCanRunAgain() {
    JdbcDeliveryStore jdbc = (JdbcDeliveryStore) store;

    jdbc.createTables();

    assertThat(jdbc.dialect()).isEqualTo(JdbcDeliveryStore.Dialect.POSTGRESQL);
  }

  /**
   * On PostgreSQL the dispatcher's three writes are one statement each, committed on its own: no BEGIN, no COMMIT,
   * no isolation statement (a transaction would be three round trips). Also with a pool that hands out connections
   * in manual-commit mode: the write is committed all the same, and the connection goes back as it came.
   */
  @ParameterizedTest(name = "connections in manual-commit mode: {0}")
  @ValueSource(booleans = {false, true})
  void anEnqueueAClaimAndAGroupOfOutcomesAreOneAutoCommittedStatementEach(boolean manualCommit) {
    RoundTripCounter counter = new RoundTripCounter(schema.dataSource(), manualCommit);
    JdbcDeliveryStore counted = JdbcDeliveryStore.create(counter.dataSource(), JdbcDeliveryStore.Dialect.POSTGRESQL);
    assertThat(counted.enqueue(GROUP, 0, 1, List.of(delivery(1, "shop", T0)))).isTrue();
    Instant now = T0.plusSeconds(1);
    Instant until = now.plusSeconds(60);
    Delivery toShop = delivery(2, "shop", T0);
    Delivery toErp = delivery(2, "erp", T0);

    counter.reset();
    Optional<List<Delivery>> claimedAtEnqueue = counted.enqueueClaiming(GROUP, 1, 2, List.of(toShop, toErp),
        Set.of("shop"), "a", until, now);
    assertThat(claimedAtEnqueue).isPresent();
    assertThat(claimedAtEnqueue.get()).extracting(Delivery::id).containsExactly(toShop.id());
    assertOneStatementAlone(counter, "the enqueue");

    counter.reset();
    List<Delivery> claimed = counted.claim("erp", now, 10, "a", until);
    assertThat(claimed).extracting(Delivery::id).containsExactly(toErp.id());
    assertOneStatementAlone(counter, "the claim");

    counter.reset();
    List<DeliveryOutcome> lost = counted.completeAll(List.of(delivered(claimedAtEnqueue.get().get(0), now),
        delivered(claimed.get(0), now)));
    assertThat(lost).isEmpty();
    assertOneStatementAlone(counter, "the group of outcomes");

    counter.reset();
    assertThat(counted.enqueueClaiming(GROUP, 1, 3, List.of(delivery(3, "shop", T0)), Set.of("shop"), "a", until,
        now)).as("a stale position").isEmpty();
    assertOneStatementAlone(counter, "the refused enqueue");

    // Committed: seen through other connections.
    assertThat(store.findPosition(GROUP)).isEqualTo(OptionalLong.of(2));
    assertThat(store.findDelivery(toShop.id()).orElseThrow().state()).isEqualTo(DeliveryState.DELIVERED);
    assertThat(store.findDelivery(toErp.id()).orElseThrow().state()).isEqualTo(DeliveryState.DELIVERED);
    assertThat(store.attemptsOfEvent(toShop.eventId())).hasSize(2);
    assertThat(store.findDelivery(delivery(3, "shop", T0).id())).isEmpty();
  }

  /**
   * With connections at SERIALIZABLE the same writes are transactions at READ COMMITTED: auto-committed at the
   * session's level, concurrent claims would fail each other (PostgresSerializableDeliveryStoreIT runs the races).
   */
  @Test
  void atAStricterSessionIsolationTheWritesAreReadCommittedTransactions() {
    TestDatabases.Schema serializable = TestDatabases.postgresql("TRANSACTION_SERIALIZABLE");
    try {
      RoundTripCounter counter = new RoundTripCounter(serializable.dataSource(), false);
      JdbcDeliveryStore counted = JdbcDeliveryStore.create(counter.dataSource()).createTables();
      assertThat(counted.enqueue(GROUP, 0, 1, List.of(delivery(1, "shop", T0)))).isTrue();
      Instant now = T0.plusSeconds(1);

      counter.reset();
      assertThat(counted.claim("shop", now, 10, "a", now.plusSeconds(60))).hasSize(1);

      assertThat(counter.statementsInTransactions.get()).as(counter.toString())
          .isEqualTo(counter.statements.get()).isEqualTo(2); // SET TRANSACTION …, then the claim
      assertThat(counter.commits.get()).as(counter.toString()).isEqualTo(1);
    } finally {
      serializable.close();
    }
  }

  /**
   * The claim and outcome statements join a list of deliveries with webhook_delivery. Where autovacuum does not run for
   * that table (the CI server has it off; here the table's storage parameter turns it off on any server), a plan the
   * server kept from when the table was nearly empty would read the whole table at every claim, so by default they are
   * not prepared on the server and are planned at each execution. With CACHED they are prepared (pgjdbc does so at
   * the fifth execution on a connection), and the server may keep a plan for them.
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(PostgresPlans.class)
  void withoutAutovacuumTheClaimAndOutcomeStatementsArePlannedAtEachExecution(PostgresPlans plans)
      throws SQLException {
    TestDatabases.execute(schema.dataSource(), "ALTER TABLE webhook_delivery SET (autovacuum_enabled = false)");
    try (HikariDataSource one = TestDatabases.onePostgresConnection(schema)) {
      JdbcDeliveryStore onOne = JdbcDeliveryStore.create(one).withPostgresPlans(plans);
      assertThat(onOne.postgresPlans()).isEqualTo(plans);
      Instant now = T0.plusSeconds(1);
      for (int i = 1; i <= 12; i++) {
        assertThat(onOne.enqueue(GROUP, i - 1, i, List.of(delivery(i, "shop", T0)))).isTrue();
        List<Delivery> claimed = onOne.claim("shop", now, 10, "a", now.plusSeconds(60));
        assertThat(claimed).hasSize(1);
        assertThat(onOne.completeAll(List.of(delivered(claimed.get(0), now)))).isEmpty();
      }

      List<String> prepared = new ArrayList<>();
      try (Connection connection = one.getConnection();
          Statement statement = connection.createStatement();
          ResultSet rows = statement.executeQuery("SELECT statement FROM pg_prepared_statements")) {
        while (rows.next()) {
          String sql = rows.getString(1);
          if (sql.startsWith("WITH claimed AS (UPDATE webhook_delivery")) {
            prepared.add("claim");
          } else if (sql.startsWith("WITH o AS (SELECT * FROM unnest(")) {
            prepared.add("outcome");
          }
        }
      }
      if (plans == PostgresPlans.CACHED) {
        assertThat(prepared).as("prepared on the server, with plans it may keep").containsExactlyInAnyOrder("claim",
            "outcome");
      } else {
        assertThat(prepared).as("never prepared on the server: planned at each execution").isEmpty();
      }
    }
  }

  private static void assertOneStatementAlone(RoundTripCounter counter, String what) {
    assertThat(counter.statements.get()).as(what + ": " + counter).isEqualTo(1);
    assertThat(counter.statementsInTransactions.get() + counter.commits.get() + counter.rollbacks.get()
        + counter.returnedInAnotherMode.get()).as(what + ": " + counter).isZero();
  }

  private static DeliveryOutcome delivered(Delivery claimed, Instant at) {
    DeliveryAttempt attempt = new DeliveryAttempt(claimed.id(), claimed.eventId(), claimed.endpointId(), 1, at,
        OptionalInt.of(204), Duration.ofMillis(3), true, Optional.empty());
    return new DeliveryOutcome(claimed.leaseOwner().orElseThrow(), attempt, DeliveryState.DELIVERED, 1, at, at);
  }
}
