package io.coinssend.invoice.spi;

import static java.util.Objects.requireNonNull;

import io.coinssend.invoice.BlockRef;

/**
 * The watcher has processed the chain up to {@code tip}: confirmations are counted against it. Report it after the
 * payments in that block (and every block before it) have been reported. After a reorganisation to a shorter chain
 * the tip may go down.
 */
public record TipChanged(BlockRef tip) implements ChainFact {

  public TipChanged {
    requireNonNull(tip, "tip");
  }
}
