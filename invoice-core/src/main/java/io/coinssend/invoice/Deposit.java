package io.coinssend.invoice;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Optional;

/**
 * One transfer to a customer's deposit address, with its own lifecycle: DETECTED, then CONFIRMED, or REVERSED.
 *
 * <p>A deposit below the asset's minimum is recorded and flagged as {@link #dust()}; it raises no confirmation
 * event and does not count in the customer's totals. A transfer of another asset than the address's is recorded
 * with its own asset (see {@link #isOf(Asset)}).
 *
 * @param id derived from the address and the transfer
 * @param customerId the customer the address belongs to
 * @param addressAsset the asset the address was created for
 * @param address the deposit address
 * @param ref the transfer's identity
 * @param amount the amount transferred
 * @param firstSeenAt when first seen (mempool or block, whichever first)
 * @param block the block holding it, empty while unconfirmed
 * @param reversal present when it left the chain and did not come back
 * @param confirmationsRequired confirmations needed to be CONFIRMED (the asset's policy when first seen)
 * @param dust whether it is below the asset's minimum deposit
 * @param status where it stands
 * @param sequence the engine's sequence number of the latest chain observation of the transfer
 * @param version the optimistic-concurrency version, 1 when first recorded
 */
public record Deposit(
    DepositId id,
    String customerId,
    Asset addressAsset,
    String address,
    PaymentRef ref,
    Money amount,
    Instant firstSeenAt,
    Optional<BlockRef> block,
    Optional<Reversal> reversal,
    int confirmationsRequired,
    boolean dust,
    DepositStatus status,
    long sequence,
    long version) {

  public Deposit {
    requireNonNull(id, "id");
    DepositAddress.checkCustomerId(customerId);
    requireNonNull(addressAsset, "addressAsset");
    requireNonNull(address, "address");
    requireNonNull(ref, "ref");
    requireNonNull(amount, "amount");
    requireNonNull(firstSeenAt, "firstSeenAt");
    requireNonNull(block, "block");
    requireNonNull(reversal, "reversal");
    requireNonNull(status, "status");
    if (!amount.isPositive()) {
      throw new IllegalArgumentException("a deposit's amount must be positive, but was " + amount);
    }
    if (!id.equals(DepositId.of(address, ref))) {
      throw new IllegalArgumentException("deposit id " + id + " does not belong to " + ref + " at " + address);
    }
    if ((status == DepositStatus.REVERSED) != reversal.isPresent()) {
      throw new IllegalArgumentException("a deposit is REVERSED exactly when it has a reversal, but " + id + " is "
          + status + (reversal.isPresent() ? " with" : " without") + " one");
    }
    if (confirmationsRequired < 0) {
      throw new IllegalArgumentException("confirmations required must not be negative");
    }
    if (sequence < 0 || version < 1) {
      throw new IllegalArgumentException("sequence must not be negative and version must be at least 1");
    }
  }

  /** Whether the transfer is of {@code asset}. */
  public boolean isOf(Asset asset) {
    return amount.asset().equals(asset);
  }

  /** Confirmations at {@code tip}; 0 while unconfirmed or reversed. */
  public long confirmationsAt(Optional<BlockRef> tip) {
    if (reversal.isPresent() || block.isEmpty() || tip.isEmpty()) {
      return 0;
    }
    return block.get().confirmationsAt(tip.get());
  }

  /** Whether it counts in the customer's totals once confirmed: not dust and not reversed. */
  public boolean counts() {
    return !dust && status != DepositStatus.REVERSED;
  }

  Deposit withObservation(
      Instant firstSeenAt, Optional<BlockRef> block, Optional<Reversal> reversal, DepositStatus status, long sequence,
      long version) {
    return new Deposit(id, customerId, addressAsset, address, ref, amount, firstSeenAt, block, reversal,
        confirmationsRequired, dust, status, sequence, version);
  }
}
