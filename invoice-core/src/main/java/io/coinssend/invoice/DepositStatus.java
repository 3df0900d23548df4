package io.coinssend.invoice;

/** Where a deposit to a static deposit address stands. */
public enum DepositStatus {
  /** Seen in the mempool or in a block, not yet confirmed as the asset's policy requires. */
  DETECTED,
  /** Confirmed as the asset's policy requires. */
  CONFIRMED,
  /** Left the chain (reorganisation, replacement, double spend) and did not come back. */
  REVERSED
}
