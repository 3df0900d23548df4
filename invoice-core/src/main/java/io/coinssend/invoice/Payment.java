package io.coinssend.invoice;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Optional;

/**
 * One transfer to an invoice's address, as the engine knows it from the chain facts it was given.
 *
 * <p>Confirmations are not stored: they follow from the block and the chain tip. {@link #settled()} and
 * {@link #onTime()} are the engine's judgement under the invoice's policy when the invoice was last computed.
 *
 * @param ref the transfer's identity (transaction id and output or log index)
 * @param amount the amount transferred; its asset differs from the invoice's for an unexpected asset
 * @param firstSeenAt when the transfer was first seen, in the mempool or in a block, whichever came first
 * @param block the block holding it, empty while it is unconfirmed (or back in the mempool after a reorg)
 * @param reversal present when the transfer left the chain (reorg, replacement, double spend) and did not return
 * @param onTime whether it was first seen before the invoice's expiry
 * @param settled whether it has the confirmations the policy requires and is not reversed
 * @param screeningHold present when the screening hook held this payment for review, with its reason
 * @param sequence the engine's sequence number of the latest chain observation of this transfer; a later
 *     observation (higher sequence) replaces an earlier one
 */
public record Payment(
    PaymentRef ref,
    Money amount,
    Instant firstSeenAt,
    Optional<BlockRef> block,
    Optional<Reversal> reversal,
    boolean onTime,
    boolean settled,
    Optional<String> screeningHold,
    long sequence) {

  public Payment {
    requireNonNull(ref, "ref");
    requireNonNull(amount, "amount");
    requireNonNull(firstSeenAt, "firstSeenAt");
    requireNonNull(block, "block");
    requireNonNull(reversal, "reversal");
    requireNonNull(screeningHold, "screeningHold");
    if (!amount.isPositive()) {
      throw new IllegalArgumentException("a payment's amount must be positive, but was " + amount);
    }
    if (reversal.isPresent() && settled) {
      throw new IllegalArgumentException("a reversed payment cannot be settled: " + ref);
    }
    if (sequence < 0) {
      throw new IllegalArgumentException("sequence must not be negative, but was " + sequence);
    }
  }

  /** Whether the transfer left the chain. */
  public boolean isReversed() {
    return reversal.isPresent();
  }

  /** Whether the transfer is of {@code asset}, the invoice's asset. */
  public boolean isOf(Asset asset) {
    return amount.asset().equals(asset);
  }

  /** Confirmations at {@code tip}: 0 while unconfirmed or reversed. */
  public long confirmationsAt(Optional<BlockRef> tip) {
    if (isReversed() || block.isEmpty() || tip.isEmpty()) {
      return 0;
    }
    return block.get().confirmationsAt(tip.get());
  }

  Payment withJudgement(boolean onTime, boolean settled) {
    return new Payment(ref, amount, firstSeenAt, block, reversal, onTime, settled, screeningHold, sequence);
  }
}
