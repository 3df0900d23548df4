package io.coinssend.invoice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.coinssend.invoice.Asset;
import io.coinssend.invoice.Invoice;
import io.coinssend.invoice.InvoiceEngine;
import io.coinssend.invoice.InvoiceId;
import io.coinssend.invoice.InvoiceRequest;
import io.coinssend.invoice.InvoiceStatus;
import io.coinssend.invoice.InvoiceStoreException;
import io.coinssend.invoice.Money;
import io.coinssend.invoice.PaymentRef;
import io.coinssend.invoice.memory.InMemoryInvoiceStore;
import io.coinssend.invoice.spi.InvoiceStore;
import io.coinssend.invoice.spi.InvoiceUpdate;
import io.coinssend.invoice.spi.PaymentSeen;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Reports that wait for their chain's lock while another report is applied are applied together by the next thread
 * to take the lock: one read of the chain's state and one write for all of them. A report that fails in such a
 * group fails alone: the others are applied again one by one and succeed.
 */
class ReportCombiningTest {

  private static final Asset BTC = Asset.BTC_REGTEST;
  private static final int WAITING = 3;

  /** An in-memory store whose first chain-state read waits for {@link #release}, counting reads and writes. */
  private static final class GatedStore {
    final InMemoryInvoiceStore target = new InMemoryInvoiceStore();
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final AtomicInteger chainStates = new AtomicInteger();
    final AtomicInteger updateAlls = new AtomicInteger();
    final AtomicReference<InvoiceId> poisoned = new AtomicReference<>();
    final InvoiceStore store = (InvoiceStore) Proxy.newProxyInstance(InvoiceStore.class.getClassLoader(),
        new Class<?>[] {InvoiceStore.class}, (proxy, method, args) -> {
          // A report of payments reads the chain's state with their invoices (readChain), a report of a tip alone
          // reads the state alone.
          boolean readsState = method.getName().equals("chainState") || method.getName().equals("readChain");
          if (readsState && chainStates.incrementAndGet() == 1) {
            entered.countDown();
            assertThat(release.await(10, TimeUnit.SECONDS)).isTrue();
          }
          if (method.getName().equals("updateAll")) {
            updateAlls.incrementAndGet();
            InvoiceId bad = poisoned.get();
            for (Object update : (Collection<?>) args[0]) {
              if (((InvoiceUpdate) update).invoice().id().equals(bad)) {
                throw new InvoiceStoreException("injected: invoice " + bad + " cannot be written", bad, null);
              }
            }
          }
          try {
            return method.invoke(target, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  private record Outcome(Thread thread, AtomicReference<Throwable> failure) {}

  @Test
  void reportsThatWaitedForTheChainAreAppliedTogetherInOneWrite() throws Exception {
    GatedStore gated = new GatedStore();
    ScriptedWatcher watcher = new ScriptedWatcher(BTC);
    try (InvoiceEngine engine = engine(gated, watcher)) {
      List<Invoice> invoices = invoices(engine, WAITING + 1);
      List<Outcome> outcomes = reportWhileTheFirstWaits(gated, watcher, invoices);

      for (Outcome outcome : outcomes) {
        assertThat(outcome.failure().get()).isNull();
      }
      for (Invoice invoice : invoices) {
        Invoice stored = engine.getInvoice(invoice.id());
        assertThat(stored.status()).isEqualTo(InvoiceStatus.PENDING);
        assertThat(stored.payments()).hasSize(1);
      }
      assertThat(gated.chainStates.get()).as("the first report, then the three waiting ones together").isEqualTo(2);
      assertThat(gated.updateAlls.get()).as("writes").isEqualTo(2);
    }
  }

  @Test
  void aReportThatFailsInAGroupFailsAloneAndTheOthersAreApplied() throws Exception {
    GatedStore gated = new GatedStore();
    ScriptedWatcher watcher = new ScriptedWatcher(BTC);
    try (InvoiceEngine engine = engine(gated, watcher)) {
      List<Invoice> invoices = invoices(engine, WAITING + 1);
      gated.poisoned.set(invoices.get(2).id());
      List<Outcome> outcomes = reportWhileTheFirstWaits(gated, watcher, invoices);

      for (int i = 0; i < outcomes.size(); i++) {
        Throwable failure = outcomes.get(i).failure().get();
        if (i == 2) {
          assertThat(failure).isInstanceOf(InvoiceStoreException.class).hasMessageContaining("injected");
          assertThat(engine.getInvoice(invoices.get(i).id()).payments()).isEmpty();
        } else {
          assertThat(failure).as("report " + i).isNull();
          assertThat(engine.getInvoice(invoices.get(i).id()).status()).isEqualTo(InvoiceStatus.PENDING);
        }
      }
      assertThat(gated.updateAlls.get()).as("the first, the failed group, then each of the three alone")
          .isEqualTo(5);
    }
  }

  private static InvoiceEngine engine(GatedStore gated, ScriptedWatcher watcher) {
    return InvoiceEngine.builder().store(gated.store).watcher(watcher).clock(ManualClock.startingAt2026())
        .tickInterval(Duration.ZERO).build().start();
  }

  private static List<Invoice> invoices(InvoiceEngine engine, int count) {
    List<Invoice> invoices = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      invoices.add(engine.createInvoice(InvoiceRequest.of("order-" + i, Money.ofUnits(BTC, 10_000))));
    }
    return invoices;
  }

  /**
   * Reports a payment to the first invoice, holds it in its chain-state read until every other invoice's report
   * waits for the chain's lock, then lets it go; returns each report's outcome in invoice order.
   */
  private static List<Outcome> reportWhileTheFirstWaits(
      GatedStore gated, ScriptedWatcher watcher, List<Invoice> invoices) throws Exception {
    List<Outcome> outcomes = new ArrayList<>();
    for (int i = 0; i < invoices.size(); i++) {
      Invoice invoice = invoices.get(i);
      AtomicReference<Throwable> failure = new AtomicReference<>();
      Thread thread = new Thread(() -> {
        try {
          watcher.context().report(List.of(PaymentSeen.inMempool(invoice.address(),
              new PaymentRef("tx-" + invoice.orderId(), 0), invoice.amountDue(), invoice.createdAt())));
        } catch (Throwable e) {
          failure.set(e);
        }
      }, "report-" + i);
      outcomes.add(new Outcome(thread, failure));
      thread.start();
      if (i == 0) {
        assertThat(gated.entered.await(10, TimeUnit.SECONDS)).isTrue();
      }
    }
    List<Thread> threads = outcomes.stream().map(Outcome::thread).toList();
    WaitingThreads.openOnceAllBlocked(threads.subList(1, threads.size()), gated.release);
    WaitingThreads.joinAll(threads);
    return outcomes;
  }
}
