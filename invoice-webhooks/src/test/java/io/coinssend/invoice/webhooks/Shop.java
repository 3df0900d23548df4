package io.coinssend.invoice.webhooks;

import io.coinssend.invoice.Asset;
import io.coinssend.invoice.Event;
import io.coinssend.invoice.Invoice;
import io.coinssend.invoice.InvoiceEngine;
import io.coinssend.invoice.InvoiceRequest;
import io.coinssend.invoice.Money;
import io.coinssend.invoice.memory.InMemoryInvoiceStore;
import io.coinssend.invoice.spi.InvoiceStore;
import io.coinssend.invoice.testkit.SimulatedChain;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** A real engine on an in-memory store and a simulated chain: the event source for the webhook tests. */
final class Shop implements AutoCloseable {

  private static final AtomicInteger ORDERS = new AtomicInteger();

  final InvoiceStore store;
  final SimulatedChain chain;
  final InvoiceEngine engine;

  Shop(Clock clock) {
    this(clock, new InMemoryInvoiceStore());
  }

  Shop(Clock clock, InvoiceStore store) {
    this.store = store;
    this.chain = SimulatedChain.create(clock, Asset.BTC_REGTEST);
    this.engine = InvoiceEngine.builder()
        .store(store)
        .watcher(chain.newWatcher())
        .clock(clock)
        .tickInterval(Duration.ZERO)
        .build()
        .start();
  }

  /** Creates an invoice (one {@code invoice.created} event). */
  Invoice createInvoice() {
    return engine.createInvoice(InvoiceRequest.of("order-" + ORDERS.incrementAndGet(),
        Money.parse(Asset.BTC_REGTEST, "0.0015")));
  }

  /** Creates {@code count} invoices and returns the events they stored. */
  List<Event> createInvoices(int count) {
    long before = store.lastEventSequence();
    for (int i = 0; i < count; i++) {
      createInvoice();
    }
    return events(before);
  }

  /** Every event stored after position {@code after}. */
  List<Event> events(long after) {
    List<Event> all = new ArrayList<>();
    long position = after;
    while (true) {
      List<Event> batch = store.readEvents(position, 500);
      if (batch.isEmpty()) {
        return all;
      }
      all.addAll(batch);
      position = batch.get(batch.size() - 1).sequence();
    }
  }

  @Override
  public void close() {
    engine.close();
  }
}
