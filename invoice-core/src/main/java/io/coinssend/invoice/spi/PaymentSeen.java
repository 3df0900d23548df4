package io.coinssend.invoice.spi;

import static java.util.Objects.requireNonNull;

import io.coinssend.invoice.BlockRef;
import io.coinssend.invoice.Money;
import io.coinssend.invoice.PaymentRef;
import java.time.Instant;
import java.util.Optional;

/**
 * A transfer to a watched address, in the mempool or in a block.
 *
 * <p>Report it when the transfer first appears, and again whenever its block changes: moved to another block by a
 * reorganisation, or back to the mempool ({@code block} empty). The engine keeps the earliest {@code seenAt} over all
 * reports of one transfer.
 *
 * @param address the watched address paid, exactly as the watcher derived it
 * @param ref the transfer's identity
 * @param amount the amount; a transfer of another asset than the address's invoice asset is an unexpected asset
 * @param seenAt when it was seen: the watcher's clock for a mempool sighting, the block time for a block
 * @param block the block holding it, or empty while it is unconfirmed
 */
public record PaymentSeen(String address, PaymentRef ref, Money amount, Instant seenAt, Optional<BlockRef> block)
    implements ChainFact {

  public PaymentSeen {
    requireNonNull(address, "address");
    requireNonNull(ref, "ref");
    requireNonNull(amount, "amount");
    requireNonNull(seenAt, "seenAt");
    requireNonNull(block, "block");
    if (!amount.isPositive()) {
      throw new IllegalArgumentException("a payment's amount must be positive, but was " + amount);
    }
  }

  /** A transfer seen unconfirmed. */
  public static PaymentSeen inMempool(String address, PaymentRef ref, Money amount, Instant seenAt) {
    return new PaymentSeen(address, ref, amount, seenAt, Optional.empty());
  }

  /** A transfer seen in a block; it is seen at the block's time. */
  public static PaymentSeen inBlock(String address, PaymentRef ref, Money amount, BlockRef block) {
    return new PaymentSeen(address, ref, amount, block.time(), Optional.of(block));
  }
}
