package io.coinssend.invoice.jdbc.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.coinssend.invoice.Event;
import io.coinssend.invoice.EventType;
import io.coinssend.invoice.Invoice;
import io.coinssend.invoice.InvoiceEvent;
import io.coinssend.invoice.InvoiceId;
import io.coinssend.invoice.Payment;
import io.coinssend.invoice.PaymentRef;
import io.coinssend.invoice.spi.InvoiceQuery;
import io.coinssend.invoice.spi.InvoiceStore;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Everything a store holds, read once, and the consistency every workload of these tests must leave: a gap-free
 * log with each event once; for each invoice, events for every version from 1 to its current one (each change of
 * these workloads writes at least one event), all events of a version carrying the same snapshot, the latest
 * snapshot equal to the stored invoice, one detection event per payment and none for a payment the invoice lacks.
 */
final class LogAudit {

  final List<Event> log = new ArrayList<>();
  final Map<InvoiceId, Invoice> invoices = new LinkedHashMap<>();
  final Map<InvoiceId, List<InvoiceEvent>> byInvoice = new LinkedHashMap<>();

  private LogAudit(InvoiceStore store) {
    long position = 0;
    while (true) {
      List<Event> page = store.readEvents(position, 500);
      if (page.isEmpty()) {
        break;
      }
      log.addAll(page);
      position = page.get(page.size() - 1).sequence();
    }
    for (Invoice invoice : store.listAll(InvoiceQuery.all())) {
      invoices.put(invoice.id(), invoice);
    }
    for (Event event : log) {
      InvoiceEvent invoiceEvent = (InvoiceEvent) event;
      byInvoice.computeIfAbsent(invoiceEvent.invoice().id(), id -> new ArrayList<>()).add(invoiceEvent);
    }
    assertThat(store.lastEventSequence()).as("the counter matches the log").isEqualTo(log.size());
  }

  static LogAudit of(InvoiceStore store) {
    return new LogAudit(store);
  }

  List<String> ids() {
    return log.stream().map(Event::id).toList();
  }

  List<InvoiceEvent> eventsOf(InvoiceId id) {
    return byInvoice.getOrDefault(id, List.of());
  }

  long count(InvoiceId id, EventType type) {
    return eventsOf(id).stream().filter(e -> e.type() == type).count();
  }

  LogAudit assertConsistent() {
    for (int i = 0; i < log.size(); i++) {
      assertThat(log.get(i).sequence()).as("position " + (i + 1) + " without gaps").isEqualTo(i + 1L);
    }
    assertThat(ids()).as("each event once").doesNotHaveDuplicates();
    assertThat(invoices.keySet()).as("every event is about a stored invoice").containsAll(byInvoice.keySet());
    for (Invoice invoice : invoices.values()) {
      List<InvoiceEvent> events = eventsOf(invoice.id());
      assertThat(events).as(invoice.id() + " has its events").isNotEmpty();
      Set<Long> versions = new TreeSet<>();
      Map<Long, Invoice> snapshots = new LinkedHashMap<>();
      long previousVersion = 0;
      for (InvoiceEvent event : events) {
        assertThat(event.subjectVersion()).as(invoice.id() + ": events in version order")
            .isGreaterThanOrEqualTo(previousVersion);
        previousVersion = event.subjectVersion();
        versions.add(event.subjectVersion());
        Invoice earlier = snapshots.putIfAbsent(event.subjectVersion(), event.invoice());
        if (earlier != null) {
          assertThat(event.invoice()).as(invoice.id() + " v" + event.subjectVersion() + ": one snapshot per version")
              .isEqualTo(earlier);
        }
      }
      Set<Long> expected = new TreeSet<>();
      for (long v = 1; v <= invoice.version(); v++) {
        expected.add(v);
      }
      assertThat(versions).as(invoice.id() + ": no change without its events, no event without its change")
          .isEqualTo(expected);
      assertThat(snapshots.get(invoice.version())).as(invoice.id() + ": the latest event shows the stored invoice")
          .isEqualTo(invoice);
      assertThat(count(invoice.id(), EventType.INVOICE_CREATED)).as(invoice.id() + " created once").isEqualTo(1);

      Set<PaymentRef> paid = new HashSet<>();
      for (Payment payment : invoice.payments()) {
        paid.add(payment.ref());
      }
      List<PaymentRef> detected = events.stream()
          .filter(e -> e.type() == EventType.INVOICE_PAYMENT_DETECTED || e.type() == EventType.INVOICE_LATE_PAYMENT)
          .map(e -> e.payment().orElseThrow()).toList();
      assertThat(detected).as(invoice.id() + ": one detection per payment").doesNotHaveDuplicates();
      assertThat(new HashSet<>(detected)).as(invoice.id() + ": detections are the payments").isEqualTo(paid);
    }
    return this;
  }
}
