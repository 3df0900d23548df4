/**
 * Internals of the bitcoin watcher: strict extended-key parsing, address derivation (with the BIP86 taproot tweak),
 * the script index that matches raw blocks against watched scripts, and the Bitcoin Core and Esplora backends. Not
 * an API: anything here may change in any release.
 */
package io.coinssend.invoice.bitcoin.internal;
