package io.coinssend.invoice;

import static java.util.Objects.requireNonNull;

import io.coinssend.invoice.spi.ChainFact;
import io.coinssend.invoice.spi.PaymentReversed;
import io.coinssend.invoice.spi.PaymentSeen;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Merges chain facts into an invoice's payments. The merge is commutative, associative and idempotent: for each
 * payment the observation with the highest sequence number decides its block or reversal, and the earliest sighting
 * is its first-seen time. So any order or duplication of the same numbered facts gives the same payments.
 * The on-time and settled judgements of merged payments are left for {@link StatusRules#evaluate} to make.
 */
final class Ledger {

  private static final Logger log = LoggerFactory.getLogger(Ledger.class);

  private Ledger() {}

  /** A chain fact with the sequence number the engine gave it. */
  record Sequenced(long sequence, ChainFact fact) {
    Sequenced {
      requireNonNull(fact, "fact");
      if (sequence < 1) {
        throw new IllegalArgumentException("sequence must be positive, but was " + sequence);
      }
    }
  }

  /** Times are kept to the millisecond, the precision every store keeps. */
  static Instant truncate(Instant time) {
    return time.truncatedTo(ChronoUnit.MILLIS);
  }

  static Optional<BlockRef> truncate(Optional<BlockRef> block) {
    return block.map(b -> new BlockRef(b.height(), b.hash(), truncate(b.time())));
  }

  /** The payments after applying {@code facts} (payment facts only; others are ignored). */
  static List<Payment> merge(InvoiceId invoice, List<Payment> payments, List<Sequenced> facts) {
    Map<PaymentRef, Payment> byRef = new LinkedHashMap<>();
    for (Payment payment : payments) {
      byRef.put(payment.ref(), payment);
    }
    for (Sequenced sequenced : facts) {
      if (sequenced.fact() instanceof PaymentSeen seen) {
        observe(invoice, byRef, sequenced.sequence(), seen.ref(), seen.amount(), seen.seenAt(),
            truncate(seen.block()), Optional.empty());
      } else if (sequenced.fact() instanceof PaymentReversed reversed) {
        observe(invoice, byRef, sequenced.sequence(), reversed.ref(), reversed.amount(), reversed.seenAt(),
            Optional.empty(), Optional.of(new Reversal(reversed.cause(), reversed.confirmationsBefore())));
      }
    }
    return new ArrayList<>(byRef.values());
  }

  private static void observe(
      InvoiceId invoice,
      Map<PaymentRef, Payment> byRef,
      long sequence,
      PaymentRef ref,
      Money amount,
      Instant seenAt,
      Optional<BlockRef> block,
      Optional<Reversal> reversal) {
    Instant seen = truncate(seenAt);
    Payment current = byRef.get(ref);
    if (current == null) {
      byRef.put(ref, new Payment(ref, amount, seen, block, reversal, false, false, Optional.empty(), sequence));
      return;
    }
    if (!current.amount().equals(amount)) {
      // One transfer has one amount; a different one means a watcher bug. Keep what was recorded first.
      log.error("Ignoring a report of payment {} to invoice {} for {}: it was recorded for {}", ref, invoice, amount,
          current.amount());
      return;
    }
    Instant firstSeen = seen.isBefore(current.firstSeenAt()) ? seen : current.firstSeenAt();
    boolean later = sequence > current.sequence();
    byRef.put(ref, new Payment(
        ref,
        current.amount(),
        firstSeen,
        later ? block : current.block(),
        later ? reversal : current.reversal(),
        false,
        false,
        current.screeningHold(),
        Math.max(sequence, current.sequence())));
  }
}
