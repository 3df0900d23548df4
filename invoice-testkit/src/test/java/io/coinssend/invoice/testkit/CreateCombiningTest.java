package io.coinssend.invoice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.coinssend.invoice.Asset;
import io.coinssend.invoice.Invoice;
import io.coinssend.invoice.InvoiceEngine;
import io.coinssend.invoice.InvoiceRequest;
import io.coinssend.invoice.Money;
import io.coinssend.invoice.memory.InMemoryInvoiceStore;
import io.coinssend.invoice.spi.InvoiceStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Creations that wait for their derivation key while another is inserted are inserted together by the next thread
 * to take it, in one {@code insertAllAtNextIndex}; a group holding two creations of one order still gives both
 * callers the one invoice of that order.
 */
class CreateCombiningTest {

  private static final Asset BTC = Asset.BTC_REGTEST;

  /**
   * An in-memory store whose first single insert ({@code insertAtNextIndex} or
   * {@code insertAtNextIndexUnlessOrdered}) waits for {@link #release}, counting inserts.
   */
  private static final class GatedStore {
    final InMemoryInvoiceStore target = new InMemoryInvoiceStore();
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final AtomicInteger singles = new AtomicInteger();
    /** Which single insert waits: the first unless a test says otherwise. */
    volatile int gateAt = 1;
    final List<Integer> groups = new java.util.concurrent.CopyOnWriteArrayList<>();
    final InvoiceStore store = (InvoiceStore) Proxy.newProxyInstance(InvoiceStore.class.getClassLoader(),
        new Class<?>[] {InvoiceStore.class}, (proxy, method, args) -> {
          if (method.getName().startsWith("insertAtNextIndex") && singles.incrementAndGet() == gateAt) {
            entered.countDown();
            assertThat(release.await(10, TimeUnit.SECONDS)).isTrue();
          }
          if (method.getName().equals("insertAllAtNextIndex")) {
            groups.add(((List<?>) args[1]).size());
          }
          try {
            return method.invoke(target, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  private record Outcome(Thread thread, AtomicReference<Invoice> invoice, AtomicReference<Throwable> failure) {}

  @Test
  void creationsThatWaitedForTheirKeyAreInsertedTogether() throws Exception {
    GatedStore gated = new GatedStore();
    try (InvoiceEngine engine = engine(gated)) {
      List<Outcome> outcomes = createWhileTheFirstWaits(gated, engine, List.of("a", "b", "c", "d"));

      List<Long> indexes = new ArrayList<>();
      for (Outcome outcome : outcomes) {
        assertThat(outcome.failure().get()).isNull();
        Invoice created = outcome.invoice().get();
        assertThat(engine.getInvoice(created.id())).isEqualTo(created);
        indexes.add(created.derivationIndex());
      }
      assertThat(indexes).containsExactlyInAnyOrder(0L, 1L, 2L, 3L);
      assertThat(gated.groups).as("the three that waited, in one insert").containsExactly(3);
      assertThat(gated.singles.get()).as("the first alone").isEqualTo(1);
      assertThat(engine.store().lastEventSequence()).as("one invoice.created each").isEqualTo(4);
    }
  }

  @Test
  void twoCreationsOfOneOrderInAGroupBothGetItsOneInvoice() throws Exception {
    GatedStore gated = new GatedStore();
    try (InvoiceEngine engine = engine(gated)) {
      List<Outcome> outcomes = createWhileTheFirstWaits(gated, engine, List.of("a", "b", "b", "c"));

      for (Outcome outcome : outcomes) {
        assertThat(outcome.failure().get()).isNull();
      }
      assertThat(outcomes.get(1).invoice().get()).isEqualTo(outcomes.get(2).invoice().get());
      assertThat(engine.getByOrderId("b")).isEqualTo(outcomes.get(1).invoice().get());
      assertThat(engine.getByOrderId("c")).isEqualTo(outcomes.get(3).invoice().get());
      assertThat(gated.groups).as("the group was tried once, then each alone").containsExactly(3);
      assertThat(engine.store().lastEventSequence()).as("three invoices, one invoice.created each").isEqualTo(3);
    }
  }

  @Test
  void aRepeatedOrderArrivingWhileItsKeyIsBusyGetsItsInvoiceWithoutWaiting() throws Exception {
    GatedStore gated = new GatedStore();
    gated.gateAt = 2;
    try (InvoiceEngine engine = engine(gated)) {
      Invoice existing = engine.createInvoice(InvoiceRequest.of("b", Money.ofUnits(BTC, 10_000)));
      Thread first = new Thread(() -> engine.createInvoice(InvoiceRequest.of("a", Money.ofUnits(BTC, 10_000))));
      first.start();
      assertThat(gated.entered.await(10, TimeUnit.SECONDS)).isTrue();

      // The key is held by a's insert: b's repeat must be answered by a look-up, not wait to join a group.
      AtomicReference<Invoice> again = new AtomicReference<>();
      Thread repeat = new Thread(() -> again.set(engine.createInvoice(InvoiceRequest.of("b",
          Money.ofUnits(BTC, 10_000)))));
      repeat.start();
      repeat.join(TimeUnit.SECONDS.toMillis(10));
      assertThat(repeat.isAlive()).as("the repeat waited for the key").isFalse();
      assertThat(again.get()).isEqualTo(existing);

      gated.release.countDown();
      WaitingThreads.joinAll(List.of(first));
      assertThat(gated.groups).as("no group").isEmpty();
      assertThat(engine.store().lastEventSequence()).as("a and b, once each").isEqualTo(2);
    }
  }

  private static InvoiceEngine engine(GatedStore gated) {
    return InvoiceEngine.builder().store(gated.store).watcher(new ScriptedWatcher(BTC))
        .clock(ManualClock.startingAt2026()).tickInterval(Duration.ZERO).build().start();
  }

  /**
   * Creates the first order's invoice, holds it in its insert until every other creation waits for the key, then
   * lets it go; returns each creation's outcome in order.
   */
  private static List<Outcome> createWhileTheFirstWaits(GatedStore gated, InvoiceEngine engine, List<String> orders)
      throws Exception {
    List<Outcome> outcomes = new ArrayList<>();
    for (int i = 0; i < orders.size(); i++) {
      String order = orders.get(i);
      AtomicReference<Invoice> invoice = new AtomicReference<>();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      Thread thread = new Thread(() -> {
        try {
          invoice.set(engine.createInvoice(InvoiceRequest.of(order, Money.ofUnits(BTC, 10_000))));
        } catch (Throwable e) {
          failure.set(e);
        }
      }, "create-" + i);
      outcomes.add(new Outcome(thread, invoice, failure));
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
