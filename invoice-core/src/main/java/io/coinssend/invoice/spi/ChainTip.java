package io.coinssend.invoice.spi;

import static java.util.Objects.requireNonNull;

import io.coinssend.invoice.BlockRef;
import java.util.Optional;

/**
 * The engine's durable view of one chain: the tip confirmations are counted against, and the number of the chain
 * fact that reported it (a later report, with a higher number, replaces it).
 *
 * @param chain the chain key, {@code chain:network}
 * @param tip the best block reported, empty before the first
 * @param sequence the fact number of the report of this tip
 */
public record ChainTip(String chain, Optional<BlockRef> tip, long sequence) {

  public ChainTip {
    requireNonNull(chain, "chain");
    requireNonNull(tip, "tip");
    if (chain.isBlank()) {
      throw new IllegalArgumentException("chain must not be blank");
    }
    if (sequence < 0) {
      throw new IllegalArgumentException("sequence must not be negative, but was " + sequence);
    }
  }

  /** A chain not seen before. */
  public static ChainTip initial(String chain) {
    return new ChainTip(chain, Optional.empty(), 0);
  }

  public ChainTip withTip(BlockRef tip) {
    return new ChainTip(chain, Optional.of(tip), sequence);
  }

  public ChainTip withSequence(long sequence) {
    return new ChainTip(chain, tip, sequence);
  }
}
