package io.coinssend.invoice;

import io.coinssend.invoice.spi.InvoiceStore;
import io.coinssend.invoice.spi.PaymentReversed;
import io.coinssend.invoice.spi.PaymentSeen;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies chain facts to the deposits of static deposit addresses: the same merge as for invoice payments (the
 * highest-numbered observation decides, the earliest sighting is the first-seen time), then the deposit's status,
 * then a compare-and-set write with its events.
 */
final class DepositBook {

  private static final Logger log = LoggerFactory.getLogger(DepositBook.class);

  private final InvoiceStore store;
  private final Function<Asset, PaymentPolicy> policies;
  private final Map<Asset, Money> minimums;

  DepositBook(InvoiceStore store, Function<Asset, PaymentPolicy> policies, Map<Asset, Money> minimums) {
    this.store = store;
    this.policies = policies;
    this.minimums = Map.copyOf(minimums);
  }

  /** Applies the facts about one deposit address. */
  void apply(DepositAddress address, List<Ledger.Sequenced> facts, Optional<BlockRef> tip, Instant now) {
    Map<PaymentRef, List<Ledger.Sequenced>> byRef = new LinkedHashMap<>();
    for (Ledger.Sequenced sequenced : facts) {
      PaymentRef ref = sequenced.fact() instanceof PaymentSeen seen ? seen.ref()
          : ((PaymentReversed) sequenced.fact()).ref();
      byRef.computeIfAbsent(ref, r -> new ArrayList<>()).add(sequenced);
    }
    for (Map.Entry<PaymentRef, List<Ledger.Sequenced>> entry : byRef.entrySet()) {
      applyOne(address, entry.getKey(), entry.getValue(), tip, now);
    }
  }

  private void applyOne(
      DepositAddress address, PaymentRef ref, List<Ledger.Sequenced> facts, Optional<BlockRef> tip, Instant now) {
    DepositId id = DepositId.of(address.address(), ref);
    for (int attempt = 1; attempt <= InvoiceEngine.MAX_ATTEMPTS; attempt++) {
      Optional<Deposit> stored = store.findDeposit(id);
      Optional<Deposit> merged = merge(address, id, stored, facts, tip);
      if (merged.isEmpty() || merged.equals(stored)) {
        return;
      }
      Deposit next = merged.get();
      List<Event> events = events(stored, next, now);
      try {
        if (stored.isEmpty()) {
          store.insertDeposit(next, events);
          logChange(next, events);
          return;
        }
        if (store.updateDeposit(next, stored.get().version(), events)) {
          logChange(next, events);
          return;
        }
      } catch (DuplicateDepositException raced) {
        log.debug("Deposit {} was recorded concurrently; merging again", id);
      }
    }
    throw new InvoiceStoreException("deposit " + id + " kept changing while chain facts were applied; gave up", null,
        null);
  }

  /** Re-evaluates a stored deposit at a new tip. */
  Optional<Deposit> atTip(Deposit deposit, Optional<BlockRef> tip) {
    DepositStatus status = status(deposit.reversal(), deposit.block(), deposit.confirmationsRequired(), tip);
    if (status == deposit.status()) {
      return Optional.empty();
    }
    return Optional.of(deposit.withObservation(deposit.firstSeenAt(), deposit.block(), deposit.reversal(), status,
        deposit.sequence(), deposit.version() + 1));
  }

  /** Writes a tip re-evaluation; false if the deposit changed meanwhile (the next tip retries). */
  boolean write(Deposit before, Deposit after, Instant now) {
    List<Event> events = events(Optional.of(before), after, now);
    boolean written = store.updateDeposit(after, before.version(), events);
    if (written) {
      logChange(after, events);
    }
    return written;
  }

  private Optional<Deposit> merge(
      DepositAddress address, DepositId id, Optional<Deposit> stored, List<Ledger.Sequenced> facts,
      Optional<BlockRef> tip) {
    Deposit current = stored.orElse(null);
    Instant firstSeen = current == null ? null : current.firstSeenAt();
    Optional<BlockRef> block = current == null ? Optional.empty() : current.block();
    Optional<Reversal> reversal = current == null ? Optional.empty() : current.reversal();
    long sequence = current == null ? 0 : current.sequence();
    Money amount = current == null ? null : current.amount();
    for (Ledger.Sequenced sequenced : facts) {
      Money factAmount;
      Instant seenAt;
      Optional<BlockRef> factBlock;
      Optional<Reversal> factReversal;
      if (sequenced.fact() instanceof PaymentSeen seen) {
        factAmount = seen.amount();
        seenAt = Ledger.truncate(seen.seenAt());
        factBlock = Ledger.truncate(seen.block());
        factReversal = Optional.empty();
      } else {
        PaymentReversed reversed = (PaymentReversed) sequenced.fact();
        factAmount = reversed.amount();
        seenAt = Ledger.truncate(reversed.seenAt());
        factBlock = Optional.empty();
        factReversal = Optional.of(new Reversal(reversed.cause(), reversed.confirmationsBefore()));
      }
      if (amount == null) {
        amount = factAmount;
      } else if (!amount.equals(factAmount)) {
        log.error("Ignoring a report of deposit {} for {}: it was recorded for {}", id, factAmount, amount);
        continue;
      }
      firstSeen = firstSeen == null || seenAt.isBefore(firstSeen) ? seenAt : firstSeen;
      if (sequenced.sequence() > sequence) {
        block = factBlock;
        reversal = factReversal;
        sequence = sequenced.sequence();
      }
    }
    if (amount == null) {
      return stored;
    }
    int required = current != null ? current.confirmationsRequired()
        : policies.apply(address.asset()).confirmations();
    boolean dust = current != null ? current.dust() : isDust(address, amount);
    DepositStatus status = status(reversal, block, required, tip);
    long version = current == null ? 1 : current.version() + 1;
    Deposit merged = new Deposit(id, address.customerId(), address.asset(), address.address(),
        current != null ? current.ref() : refOf(facts.get(0)), amount, firstSeen, block, reversal, required, dust,
        status, sequence, version);
    if (current != null && sameState(current, merged)) {
      return stored;
    }
    return Optional.of(merged);
  }

  private static boolean sameState(Deposit a, Deposit b) {
    return a.firstSeenAt().equals(b.firstSeenAt()) && a.block().equals(b.block()) && a.reversal().equals(b.reversal())
        && a.status() == b.status() && a.sequence() == b.sequence();
  }

  private static PaymentRef refOf(Ledger.Sequenced sequenced) {
    return sequenced.fact() instanceof PaymentSeen seen ? seen.ref() : ((PaymentReversed) sequenced.fact()).ref();
  }

  private boolean isDust(DepositAddress address, Money amount) {
    Money minimum = minimums.get(address.asset());
    return minimum != null && amount.asset().equals(minimum.asset()) && amount.isLessThan(minimum);
  }

  private static DepositStatus status(
      Optional<Reversal> reversal, Optional<BlockRef> block, int required, Optional<BlockRef> tip) {
    if (reversal.isPresent()) {
      return DepositStatus.REVERSED;
    }
    if (required == 0) {
      return DepositStatus.CONFIRMED;
    }
    long confirmations = block.isPresent() && tip.isPresent() ? block.get().confirmationsAt(tip.get()) : 0;
    return confirmations >= required ? DepositStatus.CONFIRMED : DepositStatus.DETECTED;
  }

  /** The events from {@code before} to {@code after}: detected when live anew, confirmed (not for dust), reversed. */
  private static List<Event> events(Optional<Deposit> before, Deposit after, Instant now) {
    List<Event> events = new ArrayList<>();
    boolean wasLive = before.map(d -> d.status() != DepositStatus.REVERSED).orElse(false);
    boolean isLive = after.status() != DepositStatus.REVERSED;
    if (isLive && !wasLive) {
      events.add(DepositEvent.of(EventType.DEPOSIT_DETECTED, now, after));
    }
    boolean wasConfirmed = before.map(d -> d.status() == DepositStatus.CONFIRMED).orElse(false);
    if (after.status() == DepositStatus.CONFIRMED && !wasConfirmed && !after.dust()) {
      events.add(DepositEvent.of(EventType.DEPOSIT_CONFIRMED, now, after));
    }
    if (!isLive && wasLive) {
      events.add(DepositEvent.of(EventType.DEPOSIT_REVERSED, now, after));
    }
    return events;
  }

  private static void logChange(Deposit deposit, List<Event> events) {
    if (log.isInfoEnabled()) {
      log.info("Deposit {} of customer {} v{}: {} {}{} {}", deposit.id(), deposit.customerId(), deposit.version(),
          deposit.amount(), deposit.status(), deposit.dust() ? " (dust)" : "",
          events.stream().map(e -> e.type().code()).toList());
    }
  }
}
