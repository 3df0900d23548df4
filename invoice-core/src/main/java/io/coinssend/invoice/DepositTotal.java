package io.coinssend.invoice;

import static java.util.Objects.requireNonNull;

/**
 * What a customer has deposited of one asset: confirmed, and detected but not yet confirmed. Dust and reversed
 * deposits are not counted.
 */
public record DepositTotal(String customerId, Asset asset, Money confirmed, Money pending) {

  public DepositTotal {
    requireNonNull(customerId, "customerId");
    requireNonNull(asset, "asset");
    requireNonNull(confirmed, "confirmed");
    requireNonNull(pending, "pending");
  }
}
