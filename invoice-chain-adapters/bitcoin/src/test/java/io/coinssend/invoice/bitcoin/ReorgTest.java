package io.coinssend.invoice.bitcoin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import io.coinssend.invoice.Money;
import io.coinssend.invoice.ReversalCause;
import io.coinssend.invoice.spi.PaymentReversed;
import io.coinssend.invoice.spi.PaymentSeen;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Reorganisations of depth 1 to 6 on both backends: a payment in an orphaned block is reported moved when it comes
 * back in the new branch, reversed (with the confirmations it had) when a double spend replaced it; a reorganisation
 * deeper than the kept window is a loud error, never a silent wrong fact.
 */
class ReorgTest {

  static List<Object[]> depths() {
    List<Object[]> cases = new ArrayList<>();
    for (Backend backend : Backend.values()) {
      for (int depth = 1; depth <= 6; depth++) {
        cases.add(new Object[] {backend, depth});
      }
    }
    return cases;
  }

  @ParameterizedTest(name = "{0}, depth {1}")
  @MethodSource("depths")
  void aPaymentInAnOrphanedBlockIsReportedMovedWhenItComesBack(Backend backend, int depth) {
    try (Fixture f = new Fixture(backend, Clock.systemUTC())) {
      f.start(f.newWatcher(b -> b));
      String address = f.watch(11);
      String txid = f.chain.pay(address, Money.ofUnits(Fixture.BTC, 31_000));
      f.chain.mine(depth);
      f.awaitCaughtUp();
      String before = f.mined(txid).orElseThrow().block().orElseThrow().hash();

      f.chain.reorg(depth);
      String after = f.chain.blockOf(txid).orElseThrow().getHashAsString();
      assertThat(after).isNotEqualTo(before);
      await("the payment reported in its new block").atMost(Fixture.WAIT)
          .until(() -> f.mined(txid).map(s -> s.block().orElseThrow().hash().equals(after)).orElse(false));
      f.awaitCaughtUp();
      assertThat(f.lastAbout(txid)).isInstanceOf(PaymentSeen.class);
      assertThat(f.reversed(txid)).isEmpty();
      assertThat(f.mined(txid).orElseThrow().amount()).isEqualTo(Money.ofUnits(Fixture.BTC, 31_000));
    }
  }

  @ParameterizedTest(name = "{0}, depth {1}")
  @MethodSource("depths")
  void aPaymentDoubleSpentInTheNewBranchIsReportedReversed(Backend backend, int depth) {
    try (Fixture f = new Fixture(backend, Clock.systemUTC())) {
      f.start(f.newWatcher(b -> b));
      String address = f.watch(12);
      String txid = f.chain.pay(address, Money.ofUnits(Fixture.BTC, 32_000));
      f.chain.mine(depth);
      f.awaitCaughtUp();

      f.chain.reorgDropping(depth, txid);
      await("the payment reversed").atMost(Fixture.WAIT).until(() -> f.reversed(txid).isPresent());
      PaymentReversed reversed = f.reversed(txid).orElseThrow();
      assertThat(reversed.cause()).isEqualTo(ReversalCause.REORG);
      assertThat(reversed.confirmationsBefore()).isEqualTo(depth);
      assertThat(reversed.amount()).isEqualTo(Money.ofUnits(Fixture.BTC, 32_000));
      f.awaitCaughtUp();
      assertThat(f.lastAbout(txid)).isInstanceOf(PaymentReversed.class);
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aReorganisationDeeperThanTheWindowIsALoudErrorNotAGuess(Backend backend) {
    try (Fixture f = new Fixture(backend, Clock.systemUTC()); LogCapture logs = new LogCapture(BitcoinWatcher.class)) {
      f.start(f.newWatcher(b -> b.reorgWindow(3)));
      String address = f.watch(13);
      String txid = f.chain.pay(address, Money.ofUnits(Fixture.BTC, 33_000));
      f.chain.mine(4);
      f.awaitCaughtUp();
      int factsBefore = f.context.factsAboutTx(txid).size();

      f.chain.reorganise(4, 5, Optional.of(txid));
      await("the watcher refuses to go on").atMost(Fixture.WAIT)
          .until(() -> f.watcher.health().consecutiveFailures() >= 3);
      assertThat(f.watcher.health().lastFailure()).get().asString().contains("reorganised deeper than the 3 blocks");
      assertThat(logs.messages(Level.ERROR)).anyMatch(m -> m.contains("cannot go on safely"));
      assertThat(f.context.factsAboutTx(txid)).hasSize(factsBefore);
      assertThat(f.reversed(txid)).isEmpty();
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aReorganisationWithinTheWindowIsFollowed(Backend backend) {
    try (Fixture f = new Fixture(backend, Clock.systemUTC())) {
      f.start(f.newWatcher(b -> b.reorgWindow(3)));
      String address = f.watch(14);
      String txid = f.chain.pay(address, Money.ofUnits(Fixture.BTC, 34_000));
      f.chain.mine(2);
      f.awaitCaughtUp();
      f.chain.reorgDropping(2, txid);
      await().atMost(Fixture.WAIT).until(() -> f.reversed(txid).isPresent());
      assertThat(f.reversed(txid).orElseThrow().confirmationsBefore()).isEqualTo(2);
    }
  }
}
