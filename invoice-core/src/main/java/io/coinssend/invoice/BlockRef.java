package io.coinssend.invoice;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/**
 * A block on a chain: its height, hash and timestamp. Payments are tied to block hashes, never to heights alone,
 * so a reorganisation that replaces a block is visible.
 *
 * @param height the block height, 0 for the genesis block
 * @param hash the block hash as the chain's explorers print it
 * @param time the timestamp in the block header
 */
public record BlockRef(long height, String hash, Instant time) {

  public BlockRef {
    requireNonNull(hash, "hash");
    requireNonNull(time, "time");
    if (height < 0) {
      throw new IllegalArgumentException("block height must not be negative, but was " + height);
    }
    if (hash.isBlank() || hash.length() > 128) {
      throw new IllegalArgumentException("block hash must be 1-128 characters, but was '" + hash + "'");
    }
  }

  /**
   * How many confirmations a transaction in this block has when {@code tip} is the best block: 1 when it is the
   * tip itself, 0 when the tip is below it.
   */
  public long confirmationsAt(BlockRef tip) {
    return Math.max(0, tip.height - height + 1);
  }

  @Override
  public String toString() {
    return height + "/" + hash;
  }
}
