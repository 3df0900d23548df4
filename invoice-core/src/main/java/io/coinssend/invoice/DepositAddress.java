package io.coinssend.invoice;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/**
 * A customer's reusable deposit address for one asset: stable, derived apart from invoice addresses (another
 * account or branch), watched for as long as the engine runs.
 *
 * @param customerId the merchant's customer id
 * @param asset the asset expected at the address
 * @param address the address
 * @param derivationIndex the index it was derived at, under the watcher's deposit derivation key
 * @param paymentUri a payment URI without an amount, for a link or QR code
 * @param createdAt when it was created
 */
public record DepositAddress(
    String customerId, Asset asset, String address, long derivationIndex, String paymentUri, Instant createdAt) {

  public DepositAddress {
    checkCustomerId(customerId);
    requireNonNull(asset, "asset");
    requireNonNull(address, "address");
    requireNonNull(paymentUri, "paymentUri");
    requireNonNull(createdAt, "createdAt");
    if (address.isBlank() || address.length() > 200) {
      throw new IllegalArgumentException("address must be 1-200 characters, but was '" + address + "'");
    }
    if (derivationIndex < 0) {
      throw new IllegalArgumentException("derivation index must not be negative, but was " + derivationIndex);
    }
  }

  static String checkCustomerId(String customerId) {
    requireNonNull(customerId, "customerId");
    if (customerId.isBlank()) {
      throw new IllegalArgumentException("customer id must not be blank");
    }
    if (customerId.length() > 200) {
      throw new IllegalArgumentException("customer id must be at most 200 characters, but had " + customerId.length());
    }
    if (customerId.chars().anyMatch(Character::isISOControl)) {
      throw new IllegalArgumentException("customer id must not contain control characters");
    }
    return customerId;
  }

  /** The network as a customer should read it, for example {@code bitcoin mainnet}. */
  public String network() {
    return asset.displayNetwork();
  }
}
