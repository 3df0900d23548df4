/**
 * The test harness: a regtest chain built with bitcoinj ({@link io.coinssend.invoice.bitcoin.harness.RegtestChain}, a
 * {@code ChainDriver}) served over the Bitcoin Core JSON-RPC and Esplora REST wire formats by local HTTP servers, with
 * injectable faults.
 */
package io.coinssend.invoice.bitcoin.harness;
