/** The in-memory {@link io.coinssend.invoice.spi.InvoiceStore}, for tests, demos and single-process use. */
package io.coinssend.invoice.memory;
