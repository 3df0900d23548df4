package io.coinssend.invoice.jdbc.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.coinssend.invoice.Invoice;
import io.coinssend.invoice.InvoiceEngine;
import io.coinssend.invoice.InvoiceRequest;
import io.coinssend.invoice.Money;
import io.coinssend.invoice.Payment;
import io.coinssend.invoice.PaymentRef;
import io.coinssend.invoice.jdbc.JdbcInvoiceStore;
import io.coinssend.invoice.spi.ChainFact;
import io.coinssend.invoice.spi.PaymentSeen;
import io.coinssend.invoice.testkit.ManualClock;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * A JVM applying chain facts ({@link FactFeeder}) is killed with SIGKILL while its transaction is open on
 * PostgreSQL, three times, restarting in between. After each kill the store is consistent (no invoice change without
 * its events, no event without its invoice change, a gap-free log), every round the feeder reported as durable is
 * there in full, and a round in flight at the kill is there in full or not at all. A restarted engine carries on.
 */
class KillDashNineIT {

  static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");
  private static final int INVOICES = 100;

  static PaymentRef ref(int round, Invoice invoice) {
    return new PaymentRef("r" + round + "-" + invoice.id().value(), 0);
  }

  @Test
  void aJvmKilledWhileApplyingFactsLeavesAConsistentStore() throws Exception {
    try (TestDatabase db = TestDatabase.postgres()) {
      JdbcInvoiceStore store = JdbcInvoiceStore.builder(db.dataSource()).createTablesIfMissing(true).build();
      ScriptedWatcher watcher = new ScriptedWatcher();
      List<Invoice> invoices = new ArrayList<>();
      try (InvoiceEngine engine = InvoiceEngine.builder().store(store).watcher(watcher).clock(ManualClock.at(T0))
          .tickInterval(Duration.ZERO).build().start()) {
        for (int i = 0; i < INVOICES; i++) {
          invoices.add(engine.createInvoice(InvoiceRequest.of("order-" + i,
              Money.ofUnits(ScriptedWatcher.BTC, 100_000_000))));
        }
      }

      Set<Integer> acknowledged = new TreeSet<>();
      String feederName = db.name() + "-feeder";
      for (int cycle = 1; cycle <= 3; cycle++) {
        try (ChildJvm feeder = ChildJvm.start(FactFeeder.class, feederName + "-" + cycle, db.url(feederName),
            String.valueOf(cycle * 10_000))) {
          for (int round = 0; round < 3; round++) {
            feeder.await("ROUND ", Duration.ofSeconds(90));
          }
          // Kill it while it holds an open write transaction on the invoices and the log.
          await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(1))
              .until(() -> writingBackends(db, feederName) > 0);
          feeder.killHard();
          for (String line : feeder.lines()) {
            if (line.startsWith("ROUND ")) {
              acknowledged.add(Integer.parseInt(line.substring("ROUND ".length())));
            }
          }
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> writingBackends(db, feederName) == 0);
        checkRounds(LogAudit.of(store).assertConsistent(), acknowledged);
      }

      // A restarted engine applies the next round on top of what survived.
      try (InvoiceEngine engine = InvoiceEngine.builder().store(store).watcher(watcher)
          .clock(ManualClock.at(T0.plusSeconds(60))).tickInterval(Duration.ZERO).build().start()) {
        List<ChainFact> facts = new ArrayList<>();
        for (Invoice invoice : invoices) {
          facts.add(PaymentSeen.inMempool(invoice.address(), ref(99_999, invoice),
              Money.ofUnits(ScriptedWatcher.BTC, 1), T0.plusSeconds(60)));
        }
        watcher.report(facts);
        assertThat(engine.getInvoice(invoices.get(0).id()).payment(ref(99_999, invoices.get(0)))).isPresent();
      }
      acknowledged.add(99_999);
      checkRounds(LogAudit.of(store).assertConsistent(), acknowledged);
    }
  }

  /** Sessions of the feeder inside a transaction that has written (holds an xid), other than a chain tip write. */
  private static long writingBackends(TestDatabase db, String applicationName) throws SQLException {
    return db.queryNumber("SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = ?"
        + " AND backend_xid IS NOT NULL AND query NOT LIKE '%chain_tip%'", applicationName);
  }

  /** Every acknowledged round is in every invoice; any other round is in all invoices or none. */
  private static void checkRounds(LogAudit audit, Set<Integer> acknowledged) {
    assertThat(audit.invoices).hasSize(INVOICES);
    Set<Integer> rounds = new HashSet<>();
    for (Invoice invoice : audit.invoices.values()) {
      for (Payment payment : invoice.payments()) {
        String txid = payment.ref().txid();
        rounds.add(Integer.parseInt(txid.substring(1, txid.indexOf('-'))));
      }
    }
    assertThat(rounds).as("every round reported durable is stored").containsAll(acknowledged);
    for (Invoice invoice : audit.invoices.values()) {
      Set<Integer> own = new HashSet<>();
      for (Payment payment : invoice.payments()) {
        String txid = payment.ref().txid();
        own.add(Integer.parseInt(txid.substring(1, txid.indexOf('-'))));
      }
      assertThat(own).as(invoice.id() + ": each round whole or not at all").isEqualTo(rounds);
      assertThat(invoice.version()).as(invoice.id() + ": one version per round, plus creation")
          .isEqualTo(rounds.size() + 1L);
    }
  }
}
