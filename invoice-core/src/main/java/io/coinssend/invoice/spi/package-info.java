/**
 * The service provider interfaces: {@link io.coinssend.invoice.spi.InvoiceStore} for storage and
 * {@link io.coinssend.invoice.spi.ChainWatcher} for chains, with the facts a watcher reports. Implementations are
 * wired explicitly through {@link io.coinssend.invoice.InvoiceEngine#builder()}; the contract suites in
 * {@code invoice-testkit} check them.
 */
package io.coinssend.invoice.spi;
