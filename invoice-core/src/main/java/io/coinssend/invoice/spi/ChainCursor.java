package io.coinssend.invoice.spi;

import static java.util.Objects.requireNonNull;

/**
 * A chain watcher's own durable state (for example the last blocks it processed and the payments in them), stored
 * by the engine's store under the chain key. The store keeps {@code data} exactly and never reads it.
 *
 * @param chain the chain key, {@code chain:network}
 * @param data the watcher's state, at most {@link #MAX_DATA_LENGTH} characters (JSON is usual)
 */
public record ChainCursor(String chain, String data) {

  /** The most characters of state a watcher may store. */
  public static final int MAX_DATA_LENGTH = 4_000_000;

  public ChainCursor {
    requireNonNull(chain, "chain");
    requireNonNull(data, "data");
    if (chain.isBlank()) {
      throw new IllegalArgumentException("chain must not be blank");
    }
    if (data.length() > MAX_DATA_LENGTH) {
      throw new IllegalArgumentException(
          "cursor data must be at most " + MAX_DATA_LENGTH + " characters, but had " + data.length());
    }
  }
}
