package io.coinssend.invoice.spi;

import io.coinssend.invoice.Asset;
import java.util.Optional;

/**
 * How a chain watcher derives static deposit addresses: from another account key or branch than invoice addresses,
 * under its own derivation key, so a deposit address is never an invoice address. Thread-safe, pure computation.
 */
public interface DepositDerivation {

  /** The key under which the store allocates deposit address indexes; never the key material itself. */
  String derivationKey();

  /**
   * The deposit address at {@code index} for {@code asset}. Deterministic.
   *
   * @throws IllegalArgumentException if the asset is not served or the index is out of range
   */
  String deriveAddress(Asset asset, long index);

  /** A payment URI without an amount for the deposit address (BIP21, EIP-681...). */
  String paymentUri(Asset asset, String address, Optional<String> label);
}
