/**
 * Ethereum-style chains: ETH and ERC-20 tokens (USDT, USDC presets) on chains named by id, addresses derived from
 * an account xpub at {@code m/44'/60'/0'} and printed EIP-55, EIP-681 payment URIs, and {@link
 * io.coinssend.invoice.evm.EvmWatcher}, a {@link io.coinssend.invoice.spi.ChainWatcher} over a JSON-RPC node.
 * Watch-only: nothing here accepts or holds a private key.
 */
package io.coinssend.invoice.evm;
