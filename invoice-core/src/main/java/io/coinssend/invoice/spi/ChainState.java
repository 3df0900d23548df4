package io.coinssend.invoice.spi;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

/**
 * What the engine reads about a chain before applying each watcher report: the last fact number reserved for it
 * ({@link InvoiceStore#lastFactNumber}) and its saved tip ({@link InvoiceStore#findChainTip}).
 *
 * @param lastFactNumber the last chain fact number reserved by any engine instance, 0 if none was
 * @param tip the tip last saved, empty if none was
 */
public record ChainState(long lastFactNumber, Optional<ChainTip> tip) {

  public ChainState {
    requireNonNull(tip, "tip");
    if (lastFactNumber < 0) {
      throw new IllegalArgumentException("lastFactNumber must not be negative, but was " + lastFactNumber);
    }
  }
}
