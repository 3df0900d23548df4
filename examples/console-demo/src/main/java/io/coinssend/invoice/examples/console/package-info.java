/** A console demo: invoices on the simulated chain, every status change printed. */
package io.coinssend.invoice.examples.console;
