package io.coinssend.invoice.spi;

import static java.util.Objects.requireNonNull;

import io.coinssend.invoice.Invoice;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the engine reads before applying a watcher report that pays addresses or moves the tip
 * ({@link InvoiceStore#readChain}): the chain's state, the invoices of the paid addresses and, with a new tip, the
 * chain's invoices awaiting confirmations.
 *
 * @param state the chain's last fact number and saved tip, as {@link InvoiceStore#chainState} reads them
 * @param invoices the invoices of those addresses that are invoice addresses, keyed by address, as
 *     {@link InvoiceStore#findByAddresses} reads them (copied)
 * @param awaiting if read, the chain's invoices awaiting confirmations in id order, the first page of them as
 *     {@link InvoiceStore#list} reads it ({@link InvoiceQuery#withChain}, {@link InvoiceQuery#withAwaitingConfirmations},
 *     the limit asked); empty if not read (copied)
 */
public record ChainReading(ChainState state, Map<String, Invoice> invoices, Optional<List<Invoice>> awaiting) {

  public ChainReading {
    requireNonNull(state, "state");
    invoices = Map.copyOf(requireNonNull(invoices, "invoices"));
    awaiting = requireNonNull(awaiting, "awaiting").map(List::copyOf);
  }

  /** A reading without the invoices awaiting confirmations. */
  public ChainReading(ChainState state, Map<String, Invoice> invoices) {
    this(state, invoices, Optional.empty());
  }
}
