package io.coinssend.invoice.spi;

import static java.util.Objects.requireNonNull;

import io.coinssend.invoice.InvoiceId;
import io.coinssend.invoice.InvoiceStatus;
import java.time.Instant;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * A page of invoices matching every condition given, ordered by id (which is creation order for generated ids).
 *
 * @param statuses only these statuses; empty means any
 * @param chain only invoices whose asset is on this chain key
 * @param awaitingConfirmations only invoices with a payment waiting for confirmations
 *     ({@link io.coinssend.invoice.Invoice#awaitingConfirmations()})
 * @param watchedAt only invoices watched at that time ({@link io.coinssend.invoice.Invoice#isWatchedAt})
 * @param reviewDueBy only invoices whose {@link io.coinssend.invoice.Invoice#nextReviewAt()} is at or before it
 * @param after only invoices with an id greater than this one (the last id of the previous page)
 * @param limit the most invoices to return, 1 to {@link #MAX_LIMIT}
 */
public record InvoiceQuery(
    Set<InvoiceStatus> statuses,
    Optional<String> chain,
    boolean awaitingConfirmations,
    Optional<Instant> watchedAt,
    Optional<Instant> reviewDueBy,
    Optional<InvoiceId> after,
    int limit) {

  /** The largest page. */
  public static final int MAX_LIMIT = 10_000;
  /** The page size of {@link #all()}. */
  public static final int DEFAULT_LIMIT = 500;

  public InvoiceQuery {
    requireNonNull(statuses, "statuses");
    requireNonNull(chain, "chain");
    requireNonNull(watchedAt, "watchedAt");
    requireNonNull(reviewDueBy, "reviewDueBy");
    requireNonNull(after, "after");
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("limit must be between 1 and " + MAX_LIMIT + ", but was " + limit);
    }
    statuses = statuses.isEmpty()
        ? Set.of()
        : Collections.unmodifiableSet(EnumSet.copyOf(statuses));
  }

  /** Every invoice, first page of {@link #DEFAULT_LIMIT}. */
  public static InvoiceQuery all() {
    return new InvoiceQuery(Set.of(), Optional.empty(), false, Optional.empty(), Optional.empty(), Optional.empty(),
        DEFAULT_LIMIT);
  }

  public InvoiceQuery withStatuses(Set<InvoiceStatus> statuses) {
    return new InvoiceQuery(statuses, chain, awaitingConfirmations, watchedAt, reviewDueBy, after, limit);
  }

  public InvoiceQuery withStatus(InvoiceStatus status) {
    return withStatuses(EnumSet.of(status));
  }

  public InvoiceQuery withChain(String chain) {
    return new InvoiceQuery(statuses, Optional.of(chain), awaitingConfirmations, watchedAt, reviewDueBy, after, limit);
  }

  public InvoiceQuery withAwaitingConfirmations() {
    return new InvoiceQuery(statuses, chain, true, watchedAt, reviewDueBy, after, limit);
  }

  public InvoiceQuery withWatchedAt(Instant time) {
    return new InvoiceQuery(statuses, chain, awaitingConfirmations, Optional.of(time), reviewDueBy, after, limit);
  }

  public InvoiceQuery withReviewDueBy(Instant time) {
    return new InvoiceQuery(statuses, chain, awaitingConfirmations, watchedAt, Optional.of(time), after, limit);
  }

  public InvoiceQuery withAfter(InvoiceId after) {
    return new InvoiceQuery(statuses, chain, awaitingConfirmations, watchedAt, reviewDueBy, Optional.of(after), limit);
  }

  public InvoiceQuery withLimit(int limit) {
    return new InvoiceQuery(statuses, chain, awaitingConfirmations, watchedAt, reviewDueBy, after, limit);
  }

  /**
   * Whether {@code invoice} matches every condition except paging; stores may use it to filter, and must return
   * exactly the invoices it accepts.
   */
  public boolean matches(io.coinssend.invoice.Invoice invoice) {
    if (!statuses.isEmpty() && !statuses.contains(invoice.status())) {
      return false;
    }
    if (chain.isPresent() && !chain.get().equals(invoice.asset().chainKey())) {
      return false;
    }
    if (awaitingConfirmations && !invoice.awaitingConfirmations()) {
      return false;
    }
    if (watchedAt.isPresent() && !invoice.isWatchedAt(watchedAt.get())) {
      return false;
    }
    if (reviewDueBy.isPresent()
        && invoice.nextReviewAt().map(at -> at.isAfter(reviewDueBy.get())).orElse(true)) {
      return false;
    }
    return after.isEmpty() || invoice.id().compareTo(after.get()) > 0;
  }
}
