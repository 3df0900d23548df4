package io.coinssend.invoice;

/** Why a payment left the chain. */
public enum ReversalCause {
  /** Its block was orphaned by a reorganisation and the transaction did not come back. */
  REORG,
  /** An unconfirmed transaction was replaced (replace-by-fee) by one that does not pay this address. */
  REPLACED,
  /** A conflicting transaction spending the same inputs was confirmed instead. */
  DOUBLE_SPENT,
  /** The transaction was included but failed (for example a reverted EVM call), so it paid nothing. */
  FAILED
}
