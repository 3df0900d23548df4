/**
 * Internals of the EVM adapter, not API: the JSON-RPC client with its retries, the typed node calls, Transfer-log
 * decoding, and the {@link io.coinssend.invoice.spi.ChainScanner.Source} that reads blocks and logs for the scanner.
 */
package io.coinssend.invoice.evm.internal;
