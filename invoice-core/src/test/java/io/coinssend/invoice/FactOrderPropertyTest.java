package io.coinssend.invoice;

import static io.coinssend.invoice.Fixtures.DUE;
import static io.coinssend.invoice.Fixtures.EXPIRES;
import static io.coinssend.invoice.Fixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.coinssend.invoice.spi.ChainFact;
import io.coinssend.invoice.spi.PaymentReversed;
import io.coinssend.invoice.spi.PaymentSeen;
import io.coinssend.invoice.spi.TipChanged;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Status is a pure function of the facts: for many random sets of numbered chain facts (payments seen, moved,
 * reversed, tips), every permutation and duplication of the same facts, delivered in any chunks, gives the same
 * status, reason, amounts and payment list as delivering them once in order.
 */
class FactOrderPropertyTest {

  private static final long SEED = 20_261_124L;
  private static final int FACT_SETS = 10_000;
  private static final int ORDERS_PER_SET = 4;
  private static final Asset TOKEN = Asset.token("SIMX", "bitcoin", "mainnet", 6, "rune-1");
  private static final long[] AMOUNTS = {DUE, DUE - 1, DUE + 1, DUE / 2, DUE / 3, 30_000, 70_000, 99_000};

  private record Scenario(PaymentPolicy policy, List<Ledger.Sequenced> facts, Instant now) {}

  private record Result(InvoiceStatus status, StatusReason reason, List<Payment> payments, Money received,
      Money settled) {}

  @Test
  void everyOrderAndDuplicationOfTheSameFactsGivesTheSameOutcome() {
    Random random = new Random(SEED);
    Map<InvoiceStatus, Integer> seen = new EnumMap<>(InvoiceStatus.class);
    for (int set = 0; set < FACT_SETS; set++) {
      Scenario scenario = scenario(random);
      Result reference = deliver(scenario, scenario.facts(), List.of(scenario.facts().size()));
      seen.merge(reference.status(), 1, Integer::sum);
      for (int order = 0; order < ORDERS_PER_SET; order++) {
        List<Ledger.Sequenced> shuffled = new ArrayList<>(scenario.facts());
        int duplicates = random.nextInt(4);
        for (int d = 0; d < duplicates; d++) {
          shuffled.add(shuffled.get(random.nextInt(shuffled.size())));
        }
        Collections.shuffle(shuffled, random);
        Result result = deliver(scenario, shuffled, chunks(random, shuffled.size()));
        assertThat(result).as("fact set %d, order %d: %s", set, order, shuffled).isEqualTo(reference);
      }
    }
    // The generator must reach every status, or the property says little.
    assertThat(seen.keySet()).as("statuses reached: " + seen).containsExactlyInAnyOrder(InvoiceStatus.values());
  }

  /** Delivers {@code facts} in chunks of the given sizes, evaluating after each chunk as the engine does. */
  private static Result deliver(Scenario scenario, List<Ledger.Sequenced> facts, List<Integer> chunkSizes) {
    Invoice invoice = Fixtures.invoice(scenario.policy());
    Optional<BlockRef> tip = Optional.empty();
    long tipSequence = 0;
    int from = 0;
    for (int size : chunkSizes) {
      List<Ledger.Sequenced> chunk = facts.subList(from, from + size);
      from += size;
      for (Ledger.Sequenced sequenced : chunk) {
        if (sequenced.fact() instanceof TipChanged changed && sequenced.sequence() > tipSequence) {
          tip = Optional.of(changed.tip());
          tipSequence = sequenced.sequence();
        }
      }
      List<Payment> merged = Ledger.merge(invoice.id(), invoice.payments(), chunk);
      StatusRules.Outcome outcome = StatusRules.evaluate(invoice.withPayments(merged), tip, scenario.now());
      invoice = invoice.withComputed(outcome.status(), outcome.reason(), outcome.payments(), invoice.timeline(),
          invoice.version());
    }
    return new Result(invoice.status(), invoice.reason(), invoice.payments(), invoice.received(),
        invoice.settledAmount());
  }

  private static List<Integer> chunks(Random random, int total) {
    List<Integer> sizes = new ArrayList<>();
    int left = total;
    while (left > 0) {
      int size = 1 + random.nextInt(left);
      sizes.add(size);
      left -= size;
    }
    return sizes;
  }

  private static Scenario scenario(Random random) {
    int[] confirmations = {0, 1, 1, 2, 6};
    PaymentPolicy policy = PaymentPolicy.ofConfirmations(confirmations[random.nextInt(confirmations.length)]);
    if (random.nextInt(4) == 0) {
      policy = policy.withTolerancePercent(BigDecimal.ONE);
    }
    List<ChainFact> facts = new ArrayList<>();
    int payments = 1 + random.nextInt(3);
    for (int p = 0; p < payments; p++) {
      PaymentRef ref = new PaymentRef("tx" + p, random.nextInt(2));
      Money amount = random.nextInt(12) == 0
          ? Money.ofUnits(TOKEN, 5)
          : Money.ofUnits(Asset.BTC, AMOUNTS[random.nextInt(AMOUNTS.length)]);
      // Mostly on time, sometimes exactly at or after expiry.
      Instant firstSeen = random.nextInt(5) == 0
          ? EXPIRES.plusSeconds(random.nextInt(3) * 30L)
          : T0.plusSeconds(random.nextInt(800));
      int observations = 1 + random.nextInt(4);
      for (int o = 0; o < observations; o++) {
        Instant seenAt = firstSeen.plusSeconds(o * 10L);
        int kind = random.nextInt(10);
        if (kind < 3) {
          facts.add(new PaymentSeen("bc1qrules", ref, amount, seenAt, Optional.empty()));
        } else if (kind < 8) {
          long height = 100 + random.nextInt(8);
          facts.add(new PaymentSeen("bc1qrules", ref, amount, seenAt,
              Optional.of(new BlockRef(height, "hash-" + height + "-" + random.nextInt(2), seenAt))));
        } else {
          ReversalCause cause = ReversalCause.values()[random.nextInt(ReversalCause.values().length)];
          facts.add(new PaymentReversed("bc1qrules", ref, amount, seenAt, cause, random.nextInt(4)));
        }
      }
    }
    int tips = random.nextInt(4);
    for (int t = 0; t < tips; t++) {
      long height = 100 + random.nextInt(12);
      facts.add(new TipChanged(new BlockRef(height, "hash-" + height, T0.plusSeconds(height))));
    }
    Collections.shuffle(facts, random);
    List<Ledger.Sequenced> numbered = new ArrayList<>();
    for (int i = 0; i < facts.size(); i++) {
      numbered.add(new Ledger.Sequenced(i + 1, facts.get(i)));
    }
    Instant now = random.nextBoolean() ? T0.plusSeconds(850) : EXPIRES.plusSeconds(600);
    return new Scenario(policy, numbered, now);
  }
}
