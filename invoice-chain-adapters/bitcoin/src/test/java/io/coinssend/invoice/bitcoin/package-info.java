/** Tests of the bitcoin watcher: vectors, the contract over both backends, failures, reorgs, an end-to-end run. */
package io.coinssend.invoice.bitcoin;
