package io.coinssend.invoice.spi;

import static java.util.Objects.requireNonNull;

import io.coinssend.invoice.Asset;

/**
 * An address a watcher must watch, with the asset expected there and the index it was derived at.
 *
 * @param address the address, exactly as the watcher derived it
 * @param asset the asset the invoice expects
 * @param derivationIndex the derivation index
 */
public record WatchedAddress(String address, Asset asset, long derivationIndex) {

  public WatchedAddress {
    requireNonNull(address, "address");
    requireNonNull(asset, "asset");
    if (derivationIndex < 0) {
      throw new IllegalArgumentException("derivation index must not be negative, but was " + derivationIndex);
    }
  }
}
