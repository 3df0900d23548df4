package io.coinssend.invoice.bitcoin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.coinssend.invoice.Money;
import io.coinssend.invoice.ReversalCause;
import io.coinssend.invoice.spi.PaymentReversed;
import io.coinssend.invoice.spi.PaymentSeen;
import io.coinssend.invoice.spi.WatchedAddress;
import io.coinssend.invoice.spi.WatcherCapability;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Following the chain on both backends: start height, addresses added while running, RBF, address types. */
class ChainFollowingTest {

  private static final Money AMOUNT = Money.ofUnits(Fixture.BTC, 41_000);

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aConfiguredStartHeightFindsPaymentsMadeBeforeTheFirstStart(Backend backend) {
    try (Fixture f = new Fixture(backend, Clock.systemUTC())) {
      BitcoinWatcher watcher = f.newWatcher(b -> b.startHeight(6));
      String address = watcher.deriveAddress(Fixture.BTC, 21);
      String early = f.chain.pay(address, AMOUNT);
      f.chain.mine(1); // height 6
      String later = f.chain.pay(address, AMOUNT);
      f.chain.mine(2);
      watcher.watch(new WatchedAddress(address, Fixture.BTC, 21));
      f.start(watcher);
      await().atMost(Fixture.WAIT).until(() -> f.mined(early).isPresent() && f.mined(later).isPresent());
      assertThat(f.mined(early).orElseThrow().block().orElseThrow().height()).isEqualTo(6);
      assertThat(f.mined(later).orElseThrow().block().orElseThrow().height()).isEqualTo(7);
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void withoutAStartHeightTheFirstStartBeginsAtTheTip(Backend backend) {
    try (Fixture f = new Fixture(backend, Clock.systemUTC())) {
      BitcoinWatcher watcher = f.newWatcher(b -> b);
      String address = watcher.deriveAddress(Fixture.BTC, 22);
      String before = f.chain.pay(address, AMOUNT);
      f.chain.mine(2); // below the tip: the first scan reads the tip block itself, not the ones under it
      watcher.watch(new WatchedAddress(address, Fixture.BTC, 22));
      f.start(watcher);
      String after = f.chain.pay(address, AMOUNT);
      f.chain.mine(1);
      await().atMost(Fixture.WAIT).until(() -> f.mined(after).isPresent());
      assertThat(f.context.factsAboutTx(before)).as("mined before the first start, below the tip").isEmpty();
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void anAddressWatchedWhileRunningIsMatchedEvenAgainstTransactionsAlreadyInTheMempool(Backend backend) {
    try (Fixture f = new Fixture(backend, Clock.systemUTC())) {
      f.start(f.newWatcher(b -> b));
      String other = f.watch(30);
      String address = f.watcher.deriveAddress(Fixture.BTC, 23);
      String txid = f.chain.pay(address, AMOUNT);
      // Let the watcher read the mempool while the address is not watched yet.
      String marker = f.chain.pay(other, AMOUNT);
      await().atMost(Fixture.WAIT).until(() -> f.unconfirmed(marker));
      assertThat(f.context.factsAboutTx(txid)).isEmpty();

      f.watcher.watch(new WatchedAddress(address, Fixture.BTC, 23));
      await("the unconfirmed payment").atMost(Fixture.WAIT).until(() -> f.unconfirmed(txid));
      f.chain.mine(1);
      await("the payment in a block").atMost(Fixture.WAIT).until(() -> f.mined(txid).isPresent());
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aReplacementPayingLessReversesTheFirstAndReportsTheSecond(Backend backend) {
    try (Fixture f = new Fixture(backend, Clock.systemUTC())) {
      f.start(f.newWatcher(b -> b));
      String address = f.watch(24);
      String first = f.chain.pay(address, AMOUNT);
      await().atMost(Fixture.WAIT).until(() -> f.unconfirmed(first));
      String second = f.chain.replace(first, address, Money.ofUnits(Fixture.BTC, 39_000));
      await("the first reversed").atMost(Fixture.WAIT).until(() -> f.reversed(first).isPresent());
      PaymentReversed reversed = f.reversed(first).orElseThrow();
      assertThat(reversed.cause()).isEqualTo(ReversalCause.REPLACED);
      assertThat(reversed.confirmationsBefore()).isZero();
      await("the replacement seen").atMost(Fixture.WAIT).until(() -> f.unconfirmed(second));
      f.chain.mine(1);
      await().atMost(Fixture.WAIT).until(() -> f.mined(second).isPresent());
      assertThat(f.mined(second).orElseThrow().amount()).isEqualTo(Money.ofUnits(Fixture.BTC, 39_000));
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void anUnconfirmedPaymentDoubleSpentByAMinedTransactionIsReversedAsADoubleSpend(Backend backend) {
    try (Fixture f = new Fixture(backend, Clock.systemUTC())) {
      f.start(f.newWatcher(b -> b));
      String address = f.watch(28);
      String txid = f.chain.pay(address, AMOUNT);
      await().atMost(Fixture.WAIT).until(() -> f.unconfirmed(txid));
      String conflict = f.chain.doubleSpend(txid);
      await("the payment reversed").atMost(Fixture.WAIT).until(() -> f.reversed(txid).isPresent());
      assertThat(f.reversed(txid).orElseThrow().cause()).isEqualTo(ReversalCause.DOUBLE_SPENT);
      assertThat(f.reversed(txid).orElseThrow().confirmationsBefore()).isZero();
      assertThat(f.context.factsAboutTx(conflict)).as("the conflict pays nobody watched").isEmpty();
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void oneTransactionPayingTwoWatchedAddressesGivesTwoPayments(Backend backend) {
    try (Fixture f = new Fixture(backend, Clock.systemUTC())) {
      f.start(f.newWatcher(b -> b));
      String a = f.watch(25);
      String b = f.watch(26);
      Map<String, Money> outputs = new LinkedHashMap<>();
      outputs.put(a, Money.ofUnits(Fixture.BTC, 1_500));
      outputs.put(b, Money.ofUnits(Fixture.BTC, 2_500));
      String txid = f.chain.payAll(outputs);
      f.chain.mine(1);
      await().atMost(Fixture.WAIT).until(() -> f.context.factsAboutTx(txid).stream()
          .filter(x -> x instanceof PaymentSeen s && s.block().isPresent()).count() == 2);
      assertThat(f.context.seenAt(a)).anyMatch(s -> s.ref().index() == 0 && s.amount().units().longValue() == 1_500);
      assertThat(f.context.seenAt(b)).anyMatch(s -> s.ref().index() == 1 && s.amount().units().longValue() == 2_500);
    }
  }

  @ParameterizedTest
  @EnumSource(value = AddressType.class, names = {"P2TR", "P2PKH"})
  void taprootAndLegacyAddressesFromATpubAreWatchedToo(AddressType type) {
    try (Fixture f = new Fixture(Backend.BITCOIN_CORE, Clock.systemUTC())) {
      AccountKey tpub = AccountKey.parse(TestKeys.withVersion(TestKeys.BIP84_VPUB, 0x043587CF), BitcoinNetwork.REGTEST);
      BitcoinWatcher watcher = Backend.BITCOIN_CORE.connect(BitcoinWatcher.builder(tpub), f.server)
          .addressType(type).pollInterval(java.time.Duration.ofMillis(30)).build();
      String address = watcher.deriveAddress(Fixture.BTC, 0);
      assertThat(address).startsWith(type == AddressType.P2TR ? "bcrt1p" : "m").doesNotStartWith("mn");
      assertThat(watcher.derivationKey()).isEqualTo("bitcoin:regtest:" + tpub.fingerprint() + ":" + type.id() + ":0");
      watcher.watch(new WatchedAddress(address, Fixture.BTC, 0));
      f.start(watcher);
      String txid = f.chain.pay(address, AMOUNT);
      f.chain.mine(1);
      await().atMost(Fixture.WAIT).until(() -> f.mined(txid).isPresent());
      assertThat(f.mined(txid).orElseThrow().address()).isEqualTo(address);
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void withoutTheMempoolOnlyMinedPaymentsAreReported(Backend backend) {
    try (Fixture f = new Fixture(backend, Clock.systemUTC())) {
      f.start(f.newWatcher(b -> b.followMempool(false)));
      assertThat(f.watcher.capabilities()).containsExactlyInAnyOrder(WatcherCapability.REORGS,
          WatcherCapability.RESUME);
      String address = f.watch(27);
      String txid = f.chain.pay(address, AMOUNT);
      Instant paid = Instant.now();
      await().atMost(Fixture.WAIT)
          .until(() -> f.watcher.health().lastSuccess().map(t -> t.isAfter(paid.plusMillis(100))).orElse(false));
      assertThat(f.context.factsAboutTx(txid)).isEmpty();
      f.chain.mine(1);
      await().atMost(Fixture.WAIT).until(() -> f.mined(txid).isPresent());
      assertThat(f.context.factsAboutTx(txid)).allMatch(x -> x instanceof PaymentSeen s && s.block().isPresent());
    }
  }
}
