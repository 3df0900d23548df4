/**
 * The bitcoin chain watcher: {@link io.coinssend.invoice.bitcoin.BitcoinWatcher} derives a fresh address per invoice
 * from a merchant's account-level extended public key ({@link io.coinssend.invoice.bitcoin.AccountKey}), builds
 * BIP21 payment URIs ({@link io.coinssend.invoice.bitcoin.BitcoinPaymentUri}) and follows the chain through Bitcoin
 * Core's JSON-RPC or an Esplora REST server. Watch-only: no private key is ever accepted.
 */
package io.coinssend.invoice.bitcoin;
