/**
 * Test support for users and plugin authors: a {@link io.coinssend.invoice.testkit.SimulatedChain} driven by hand, a
 * {@link io.coinssend.invoice.testkit.ManualClock}, and the contract suites
 * {@link io.coinssend.invoice.testkit.InvoiceStoreContract} and
 * {@link io.coinssend.invoice.testkit.ChainWatcherContract} that a new store or chain adapter extends.
 */
package io.coinssend.invoice.testkit;
