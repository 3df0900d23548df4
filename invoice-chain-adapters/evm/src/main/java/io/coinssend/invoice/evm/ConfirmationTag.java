package io.coinssend.invoice.evm;

/** Which block confirmations are counted from. */
public enum ConfirmationTag {
  /**
   * The {@code latest} block: a payment in the latest block has 1 confirmation. Pair it with a number of
   * confirmations (default {@link io.coinssend.invoice.PaymentPolicy#DEFAULT_EVM_CONFIRMATIONS}).
   */
  LATEST,
  /**
   * The {@code finalized} block (about 64 blocks, 13-15 minutes, behind the head on Ethereum): payments are still
   * seen as soon as they are in a block (the invoice goes PENDING), but the tip reported to the engine is the
   * finalized block, so a payment has confirmations only once finalized. The default policy then needs 1
   * confirmation: settled exactly when finalized.
   */
  FINALIZED
}
