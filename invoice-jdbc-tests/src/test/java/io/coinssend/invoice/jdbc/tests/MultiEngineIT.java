package io.coinssend.invoice.jdbc.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.coinssend.invoice.EventType;
import io.coinssend.invoice.Invoice;
import io.coinssend.invoice.InvoiceEngine;
import io.coinssend.invoice.InvoiceId;
import io.coinssend.invoice.InvoiceRequest;
import io.coinssend.invoice.InvoiceStatus;
import io.coinssend.invoice.Money;
import io.coinssend.invoice.Payment;
import io.coinssend.invoice.PaymentRef;
import io.coinssend.invoice.StatusReason;
import io.coinssend.invoice.jdbc.JdbcInvoiceStore;
import io.coinssend.invoice.spi.ChainFact;
import io.coinssend.invoice.spi.PaymentSeen;
import io.coinssend.invoice.testkit.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Three engine instances in this JVM, each with its own store and connection pool on one PostgreSQL schema, racing
 * on the same invoices: all three create the same 60 orders at once, each feeds its own payment to every invoice at
 * the same moment (the payments overlap on every invoice), then two expire invoices while the third marks the
 * partly paid ones paid. Nothing is lost, every event is in the log once, no derivation index is handed out twice,
 * and every listener of every engine sees every event.
 */
class MultiEngineIT {

  private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");
  private static final int ENGINES = 3;
  private static final int ORDERS = 60;
  /** Engine j pays this much to every invoice it pays (base units); 1000 is due. */
  static final long[] AMOUNTS = {400, 300, 300};

  /** Which engines pay order k: none (it expires), the first two (it stays partly paid), or all three. */
  static int payers(int k) {
    if (k % 5 == 0) {
      return 0;
    }
    return k % 3 == 0 ? 2 : 3;
  }

  static PaymentRef ref(int k, int engine) {
    return new PaymentRef("tx-" + k + "-" + engine, 0);
  }

  @Test
  void threeEnginesOnOneDatabaseLoseNothingAndSeeEverything() throws Exception {
    try (TestDatabase db = TestDatabase.postgres()) {
      JdbcInvoiceStore.builder(db.dataSource()).createTablesIfMissing(true).build();
      ManualClock clock = ManualClock.at(T0);
      List<ScriptedWatcher> watchers = new ArrayList<>();
      List<InvoiceEngine> engines = new ArrayList<>();
      List<List<String>> seen = new ArrayList<>();
      List<String> sharedSeen = Collections.synchronizedList(new ArrayList<>());
      for (int i = 0; i < ENGINES; i++) {
        ScriptedWatcher watcher = new ScriptedWatcher();
        List<String> mine = Collections.synchronizedList(new ArrayList<>());
        JdbcInvoiceStore store = JdbcInvoiceStore.builder(db.pool(4)).build();
        engines.add(InvoiceEngine.builder().store(store).watcher(watcher).clock(clock).tickInterval(Duration.ZERO)
            .listener("audit-" + i, event -> mine.add(event.id()))
            .listener("shared", event -> sharedSeen.add(event.id()))
            .build().start());
        watchers.add(watcher);
        seen.add(mine);
      }
      List<String> orders = new ArrayList<>();
      for (int k = 0; k < ORDERS; k++) {
        orders.add(String.format("order-%02d", k));
      }
      List<Map<String, InvoiceId>> created = new ArrayList<>();
      ExecutorService pool = Executors.newFixedThreadPool(ENGINES);
      try {
        // 1. Every engine creates every order at once, in the same order, so they collide on each insert.
        runTogether(pool, i -> {
          Map<String, InvoiceId> ids = new LinkedHashMap<>();
          for (int n = 0; n < ORDERS; n++) {
            String order = orders.get(n);
            ids.put(order, engines.get(i).createInvoice(InvoiceRequest.of(order,
                Money.ofUnits(ScriptedWatcher.BTC, 1000))).id());
          }
          synchronized (created) {
            created.add(ids);
          }
        });
        Map<String, InvoiceId> idOf = created.get(0);
        assertThat(created).as("every engine got the same invoice for each order").allSatisfy(
            ids -> assertThat(ids).isEqualTo(idOf));
        Map<String, Invoice> byOrder = new LinkedHashMap<>();
        for (String order : orders) {
          byOrder.put(order, engines.get(0).getInvoice(idOf.get(order)));
        }
        assertThat(byOrder.values().stream().map(Invoice::derivationIndex).toList())
            .as("no derivation index handed out twice").doesNotHaveDuplicates();
        assertThat(byOrder.values().stream().map(Invoice::address).toList()).doesNotHaveDuplicates();

        // 2. Each engine reports its own payment to every invoice, six invoices per report, all at once.
        clock.advance(Duration.ofMinutes(1));
        runTogether(pool, j -> {
          for (int from = 0; from < ORDERS; from += 6) {
            List<ChainFact> facts = new ArrayList<>();
            for (int k = from; k < from + 6; k++) {
              if (j < payers(k)) {
                facts.add(PaymentSeen.inMempool(byOrder.get(orders.get(k)).address(), ref(k, j),
                    Money.ofUnits(ScriptedWatcher.BTC, AMOUNTS[j]), T0.plusSeconds(60)));
              }
            }
            watchers.get(j).report(facts);
          }
        });

        // 3. After the expiry, two engines run their timed work while the third marks partly paid invoices paid.
        clock.advance(Duration.ofMinutes(15));
        runTogether(pool, i -> {
          if (i == 1) {
            for (int k = 0; k < ORDERS; k++) {
              if (payers(k) == 2) {
                engines.get(i).markPaid(idOf.get(orders.get(k)), "alice@example.com", "paid the rest by wire");
              }
            }
          } else {
            engines.get(i).tick();
          }
        });
      } finally {
        pool.shutdownNow();
      }

      LogAudit audit = LogAudit.of(engines.get(0).store()).assertConsistent();
      assertThat(audit.invoices).hasSize(ORDERS);
      for (int k = 0; k < ORDERS; k++) {
        Invoice invoice = audit.invoices.get(created.get(0).get(orders.get(k)));
        Set<PaymentRef> expectedRefs = new HashSet<>();
        for (int j = 0; j < payers(k); j++) {
          expectedRefs.add(ref(k, j));
        }
        assertThat(invoice.payments().stream().map(Payment::ref).toList())
            .as("order %d keeps every payment reported", k).containsExactlyInAnyOrderElementsOf(expectedRefs);
        switch (payers(k)) {
          case 0 -> {
            assertThat(invoice.reason()).isEqualTo(StatusReason.NOT_PAID_IN_TIME);
            assertThat(audit.count(invoice.id(), EventType.INVOICE_EXPIRED)).as("expired once").isEqualTo(1);
          }
          case 2 -> {
            assertThat(invoice.reason()).isEqualTo(StatusReason.MARKED_PAID);
            assertThat(invoice.resolution()).isPresent();
            assertThat(audit.count(invoice.id(), EventType.INVOICE_RESOLVED)).isEqualTo(1);
            assertThat(audit.count(invoice.id(), EventType.INVOICE_PAID)).isEqualTo(1);
          }
          default -> {
            assertThat(invoice.status()).isEqualTo(InvoiceStatus.PENDING);
            assertThat(invoice.received().units().longValue()).isEqualTo(1000);
            assertThat(audit.count(invoice.id(), EventType.INVOICE_PARTIALLY_PAID)).isEqualTo(1);
            assertThat(audit.count(invoice.id(), EventType.INVOICE_PENDING)).isEqualTo(1);
          }
        }
      }

      // 4. Every engine's listener sees the whole log once, in order; the shared one sees every event.
      for (InvoiceEngine engine : engines) {
        engine.tick();
      }
      List<String> all = audit.ids();
      for (int i = 0; i < ENGINES; i++) {
        List<String> mine = seen.get(i);
        await().atMost(Duration.ofSeconds(60)).until(() -> mine.size() >= all.size());
        assertThat(List.copyOf(mine)).as("listener audit-" + i).isEqualTo(all);
      }
      await().atMost(Duration.ofSeconds(60)).until(() -> new HashSet<>(sharedSeen).size() >= all.size());
      assertThat(new HashSet<>(sharedSeen)).as("the shared listener, across engines").isEqualTo(new HashSet<>(all));
      engines.forEach(InvoiceEngine::close);
    }
  }

  @FunctionalInterface
  interface Part {
    void run(int index) throws Exception;
  }

  /** Runs {@code part} for each engine index on its own thread, all released at once, and waits for all. */
  static void runTogether(ExecutorService pool, Part part) throws Exception {
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Object>> done = new ArrayList<>();
    for (int i = 0; i < ENGINES; i++) {
      int index = i;
      done.add(pool.submit((Callable<Object>) () -> {
        go.await();
        part.run(index);
        return null;
      }));
    }
    go.countDown();
    for (Future<Object> future : done) {
      future.get(120, TimeUnit.SECONDS);
    }
  }
}
