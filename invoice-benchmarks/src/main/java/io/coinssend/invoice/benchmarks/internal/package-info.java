/**
 * Fixtures shared by the benchmarks: webhook payloads, a synthetic Bitcoin block built with bitcoinj, a watcher that
 * reports chain facts by hand, a local HTTP receiver, PostgreSQL databases and the pgbench reference. Not an API.
 */
package io.coinssend.invoice.benchmarks.internal;
