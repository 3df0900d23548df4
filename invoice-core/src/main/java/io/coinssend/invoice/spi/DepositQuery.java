package io.coinssend.invoice.spi;

import static java.util.Objects.requireNonNull;

import io.coinssend.invoice.Deposit;
import io.coinssend.invoice.DepositId;
import io.coinssend.invoice.DepositStatus;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * A page of deposits matching every condition given, ordered by id.
 *
 * @param customerId only this customer's deposits
 * @param address only deposits to this address
 * @param statuses only these statuses; empty means any
 * @param chain only deposits to addresses on this chain key
 * @param after only deposits with an id greater than this one
 * @param limit the most deposits to return, 1 to {@link InvoiceQuery#MAX_LIMIT}
 */
public record DepositQuery(
    Optional<String> customerId,
    Optional<String> address,
    Set<DepositStatus> statuses,
    Optional<String> chain,
    Optional<DepositId> after,
    int limit) {

  public DepositQuery {
    requireNonNull(customerId, "customerId");
    requireNonNull(address, "address");
    requireNonNull(statuses, "statuses");
    requireNonNull(chain, "chain");
    requireNonNull(after, "after");
    if (limit < 1 || limit > InvoiceQuery.MAX_LIMIT) {
      throw new IllegalArgumentException("limit must be between 1 and " + InvoiceQuery.MAX_LIMIT + ", but was " + limit);
    }
    statuses = statuses.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(statuses));
  }

  /** Every deposit, first page of {@link InvoiceQuery#DEFAULT_LIMIT}. */
  public static DepositQuery all() {
    return new DepositQuery(Optional.empty(), Optional.empty(), Set.of(), Optional.empty(), Optional.empty(),
        InvoiceQuery.DEFAULT_LIMIT);
  }

  public DepositQuery withCustomer(String customerId) {
    return new DepositQuery(Optional.of(customerId), address, statuses, chain, after, limit);
  }

  public DepositQuery withAddress(String address) {
    return new DepositQuery(customerId, Optional.of(address), statuses, chain, after, limit);
  }

  public DepositQuery withStatuses(Set<DepositStatus> statuses) {
    return new DepositQuery(customerId, address, statuses, chain, after, limit);
  }

  public DepositQuery withStatus(DepositStatus status) {
    return withStatuses(EnumSet.of(status));
  }

  public DepositQuery withChain(String chain) {
    return new DepositQuery(customerId, address, statuses, Optional.of(chain), after, limit);
  }

  public DepositQuery withAfter(DepositId after) {
    return new DepositQuery(customerId, address, statuses, chain, Optional.of(after), limit);
  }

  public DepositQuery withLimit(int limit) {
    return new DepositQuery(customerId, address, statuses, chain, after, limit);
  }

  /** Whether {@code deposit} matches every condition except paging; stores return exactly these. */
  public boolean matches(Deposit deposit) {
    return customerId.map(deposit.customerId()::equals).orElse(true)
        && address.map(deposit.address()::equals).orElse(true)
        && (statuses.isEmpty() || statuses.contains(deposit.status()))
        && chain.map(deposit.addressAsset().chainKey()::equals).orElse(true)
        && after.map(a -> deposit.id().compareTo(a) > 0).orElse(true);
  }
}
