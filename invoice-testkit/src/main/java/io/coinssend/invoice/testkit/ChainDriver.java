package io.coinssend.invoice.testkit;

import io.coinssend.invoice.Money;

/**
 * Test-side control of the chain behind a watcher under test: pays, mines, reorganises, replaces. A chain adapter's
 * contract test implements it over its test chain ({@link SimulatedChain}, a scripted node, anvil...). The contract
 * calls an operation only if the watcher declares the capability it needs (reorgs, replacements, unexpected
 * assets); the others may simply fail.
 */
public interface ChainDriver {

  /**
   * Sends {@code amount} to {@code address} in a new transaction, into the mempool (or straight into a new block on a
   * chain without one).
   *
   * @return the transaction id, as the watcher reports it
   */
  String pay(String address, Money amount);

  /** Mines {@code blocks} new blocks including every pending transaction. */
  void mine(int blocks);

  /**
   * Replaces the last {@code depth} blocks by {@code depth + 1} new ones holding the same transactions (the payments
   * in them move to other blocks).
   */
  void reorg(int depth);

  /**
   * Replaces the last {@code depth} blocks by {@code depth + 1} new ones without transaction {@code txid}, which
   * leaves the chain and the mempool (a double spend confirmed instead).
   */
  void reorgDropping(int depth, String txid);

  /**
   * Replaces unconfirmed transaction {@code txid} (replace-by-fee) by one paying an address nobody watches.
   *
   * @return the replacing transaction's id
   */
  String replace(String txid);

  /**
   * Sends a transfer of another asset than {@code expected} (another token on the same chain) to {@code address}.
   *
   * @return the transaction id
   */
  String payUnexpected(String address, Money expected);
}
