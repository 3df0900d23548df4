package io.coinssend.invoice.spi;

import static java.util.Objects.requireNonNull;

import io.coinssend.invoice.Invoice;
import java.util.Map;

/**
 * What the engine reads before applying a watcher report that pays addresses ({@link InvoiceStore#readChain}): the
 * chain's state and the invoices of the paid addresses.
 *
 * @param state the chain's last fact number and saved tip, as {@link InvoiceStore#chainState} reads them
 * @param invoices the invoices of those addresses that are invoice addresses, keyed by address, as
 *     {@link InvoiceStore#findByAddresses} reads them (copied)
 */
public record ChainReading(ChainState state, Map<String, Invoice> invoices) {

  public ChainReading {
    requireNonNull(state, "state");
    invoices = Map.copyOf(requireNonNull(invoices, "invoices"));
  }
}
