package io.coinssend.invoice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.coinssend.invoice.Asset;
import io.coinssend.invoice.BlockRef;
import io.coinssend.invoice.Event;
import io.coinssend.invoice.EventType;
import io.coinssend.invoice.IllegalTransitionException;
import io.coinssend.invoice.Invoice;
import io.coinssend.invoice.InvoiceEngine;
import io.coinssend.invoice.InvoiceEvent;
import io.coinssend.invoice.InvoiceRequest;
import io.coinssend.invoice.Money;
import io.coinssend.invoice.PaymentRef;
import io.coinssend.invoice.memory.InMemoryInvoiceStore;
import io.coinssend.invoice.spi.ChainFact;
import io.coinssend.invoice.spi.PaymentSeen;
import io.coinssend.invoice.spi.TipChanged;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Many threads feeding chain facts for the same invoices, while another engine instance on the same store takes
 * merchant actions and runs its timed work: no update is lost and every event is recorded once.
 */
class EngineConcurrencyTest {

  private static final Asset BTC = Asset.BTC_REGTEST;

  @Test
  void concurrentFactsAndMerchantActionsLoseNoUpdateAndRecordEachEventOnce() throws Exception {
    ManualClock clock = ManualClock.startingAt2026();
    InMemoryInvoiceStore store = new InMemoryInvoiceStore();
    ScriptedWatcher watcher = new ScriptedWatcher(BTC);
    InvoiceEngine facts = InvoiceEngine.builder().store(store).watcher(watcher).clock(clock)
        .tickInterval(Duration.ZERO).build().start();
    InvoiceEngine merchant = InvoiceEngine.builder().store(store).watcher(new ScriptedWatcher(BTC)).clock(clock)
        .tickInterval(Duration.ZERO).build().start();

    int invoiceCount = 12;
    List<Invoice> invoices = new ArrayList<>();
    for (int i = 0; i < invoiceCount; i++) {
      invoices.add(facts.createInvoice(InvoiceRequest.of("order-" + i, Money.ofUnits(BTC, 1_000_000))
          .withExpiresIn(Duration.ofHours(1))));
    }

    int feeders = 6;
    int paymentsPerFeeder = 60;
    Map<String, Map<PaymentRef, Long>> sent = new ConcurrentHashMap<>();
    AtomicLong height = new AtomicLong(1);
    ExecutorService pool = Executors.newFixedThreadPool(feeders + 2);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<?>> work = new ArrayList<>();
    try {
      for (int f = 0; f < feeders; f++) {
        int feeder = f;
        work.add(pool.submit(() -> {
          Random random = new Random(feeder);
          go.await();
          for (int p = 0; p < paymentsPerFeeder; p++) {
            Invoice target = invoices.get(random.nextInt(invoiceCount));
            PaymentRef ref = new PaymentRef("tx-" + feeder + "-" + p, 0);
            long units = 1_000 + random.nextInt(9_000);
            Money amount = Money.ofUnits(BTC, units);
            sent.computeIfAbsent(target.address(), a -> new ConcurrentHashMap<>()).put(ref, units);
            Instant seen = clock.instant();
            List<ChainFact> batch = new ArrayList<>();
            batch.add(PaymentSeen.inMempool(target.address(), ref, amount, seen));
            batch.add(PaymentSeen.inMempool(target.address(), ref, amount, seen));
            watcher.context().report(batch);
            long h = height.incrementAndGet();
            BlockRef block = new BlockRef(h, "block-" + h, seen);
            watcher.context().report(List.of(PaymentSeen.inBlock(target.address(), ref, amount, block),
                new TipChanged(block)));
          }
          return null;
        }));
      }
      work.add(pool.submit(() -> {
        Random random = new Random(99);
        go.await();
        for (int i = 0; i < 300; i++) {
          Invoice target = invoices.get(random.nextInt(invoiceCount));
          try {
            merchant.extendExpiry(target.id(), clock.instant().plus(Duration.ofHours(2 + i)), "ops");
          } catch (IllegalTransitionException | IllegalArgumentException expectedSometimes) {
            // the invoice may be paid by now, or already extended further
          }
        }
        return null;
      }));
      work.add(pool.submit(() -> {
        go.await();
        for (int i = 0; i < 300; i++) {
          merchant.tick();
        }
        return null;
      }));
      go.countDown();
      for (Future<?> f : work) {
        f.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
      facts.close();
      merchant.close();
    }

    // No lost update: every payment sent to an invoice is in it, with its amount.
    int totalPayments = 0;
    for (Invoice invoice : invoices) {
      Invoice stored = store.findById(invoice.id()).orElseThrow();
      Map<PaymentRef, Long> expected = sent.getOrDefault(invoice.address(), Map.of());
      Map<PaymentRef, Long> actual = new HashMap<>();
      stored.payments().forEach(p -> actual.put(p.ref(), p.amount().units().longValue()));
      assertThat(actual).as("payments of " + invoice.orderId()).isEqualTo(expected);
      assertThat(stored.payments()).allSatisfy(p -> assertThat(p.block()).isPresent());
      totalPayments += expected.size();
    }
    assertThat(totalPayments).isEqualTo(feeders * paymentsPerFeeder);

    // Every event once: one detection per payment, unique ids, and per invoice strictly increasing versions.
    List<Event> log = store.readEvents(0, 100_000);
    assertThat(log).extracting(Event::id).doesNotHaveDuplicates();
    Map<PaymentRef, Integer> detections = new HashMap<>();
    Map<String, Long> lastVersion = new HashMap<>();
    for (Event event : log) {
      InvoiceEvent invoiceEvent = (InvoiceEvent) event;
      if (event.type() == EventType.INVOICE_PAYMENT_DETECTED) {
        detections.merge(invoiceEvent.payment().orElseThrow(), 1, Integer::sum);
      }
      Long previous = lastVersion.put(event.subjectId(), event.subjectVersion());
      if (previous != null) {
        assertThat(event.subjectVersion()).as("versions never go back").isGreaterThanOrEqualTo(previous);
      }
    }
    assertThat(detections).hasSize(totalPayments);
    assertThat(detections.values()).containsOnly(1);
    Optional<Event> anyConfirmed = log.stream()
        .filter(e -> e.type() == EventType.INVOICE_PAYMENT_CONFIRMED).findAny();
    assertThat(anyConfirmed).isPresent();
  }
}
