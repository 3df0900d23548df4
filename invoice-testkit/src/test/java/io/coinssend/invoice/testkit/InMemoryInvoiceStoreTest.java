package io.coinssend.invoice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.coinssend.invoice.Invoice;
import io.coinssend.invoice.InvoiceId;
import io.coinssend.invoice.memory.InMemoryInvoiceStore;
import io.coinssend.invoice.spi.InvoiceQuery;
import io.coinssend.invoice.spi.InvoiceStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class InMemoryInvoiceStoreTest extends InvoiceStoreContract {

  @Override
  protected InvoiceStore newStore() {
    return new InMemoryInvoiceStore();
  }

  /**
   * The store finds the few invoices due for review among many by their review times, and walks its ids instead
   * when very many are due at once (10,000 or more): both ways give the same pages.
   */
  @Test
  void listsTheSameDueInvoicesWhetherFewOrVeryManyAreDue() {
    Instant start = T0.plus(Duration.ofDays(1)); // after every creation time
    List<InvoiceId> all = new ArrayList<>();
    List<InvoiceId> due = new ArrayList<>();
    List<InvoiceId> dueFirstHour = new ArrayList<>();
    for (int i = 0; i < 10_500; i++) {
      // Review times spread over 30 hours, in an order unrelated to the ids.
      Instant at = start.plus(Duration.ofMinutes((i * 7919L) % 1800));
      Invoice invoice = newInvoiceExpiringAt(at);
      store.insert(invoice, created(invoice));
      all.add(invoice.id());
      if (!at.isAfter(start.plus(Duration.ofHours(20)))) {
        due.add(invoice.id());
      }
      if (!at.isAfter(start.plus(Duration.ofHours(1)))) {
        dueFirstHour.add(invoice.id());
      }
    }
    all.sort(null);
    due.sort(null);
    dueFirstHour.sort(null);
    assertThat(due).hasSizeGreaterThan(6_000);
    assertThat(dueFirstHour).hasSizeLessThan(500);

    assertThat(store.listAll(InvoiceQuery.all().withReviewDueBy(start.plus(Duration.ofHours(20))).withLimit(700)))
        .extracting(Invoice::id).containsExactlyElementsOf(due);
    assertThat(store.listAll(InvoiceQuery.all().withReviewDueBy(start.plus(Duration.ofHours(1))).withLimit(50)))
        .extracting(Invoice::id).containsExactlyElementsOf(dueFirstHour);
    // All 10,500 due at once: more than the store takes from the review times.
    assertThat(store.listAll(InvoiceQuery.all().withReviewDueBy(start.plus(Duration.ofHours(40)))))
        .extracting(Invoice::id).containsExactlyElementsOf(all);
  }
}
