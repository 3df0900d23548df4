package io.coinssend.invoice.spi;

import static java.util.Objects.requireNonNull;

import io.coinssend.invoice.Event;
import io.coinssend.invoice.Invoice;
import java.util.List;

/**
 * One compare-and-set write: replace the stored invoice whose version is {@code expectedVersion} with
 * {@code invoice} (whose version is one higher) and append {@code events} to the log, atomically.
 */
public record InvoiceUpdate(Invoice invoice, long expectedVersion, List<Event> events) {

  public InvoiceUpdate {
    requireNonNull(invoice, "invoice");
    requireNonNull(events, "events");
    if (invoice.version() != expectedVersion + 1) {
      throw new IllegalArgumentException("an update of version " + expectedVersion + " must write version "
          + (expectedVersion + 1) + ", but writes " + invoice.version());
    }
    events = List.copyOf(events);
  }
}
