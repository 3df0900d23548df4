package io.coinssend.invoice.spi;

/**
 * What a chain watcher can observe beyond payments in blocks. The contract kit tests exactly what a watcher
 * declares.
 */
public enum WatcherCapability {
  /** Reports unconfirmed payments from the mempool. */
  MEMPOOL,
  /** Detects reorganisations and reports payments moved or reversed. */
  REORGS,
  /** Detects unconfirmed payments replaced (replace-by-fee) or double spent, and reports them reversed. */
  REPLACEMENTS,
  /** Reports transfers of assets the address was not created for (another token to the same address). */
  UNEXPECTED_ASSETS,
  /** Resumes from its stored cursor after a restart, finding payments made while it was stopped. */
  RESUME
}
