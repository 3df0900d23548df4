package io.coinssend.invoice.bitcoin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.coinssend.invoice.Asset;
import io.coinssend.invoice.Deposit;
import io.coinssend.invoice.DepositAddress;
import io.coinssend.invoice.DepositStatus;
import io.coinssend.invoice.Event;
import io.coinssend.invoice.InvoiceEngine;
import io.coinssend.invoice.InvoiceRequest;
import io.coinssend.invoice.Money;
import io.coinssend.invoice.ReversalCause;
import io.coinssend.invoice.memory.InMemoryInvoiceStore;
import io.coinssend.invoice.spi.DepositQuery;
import io.coinssend.invoice.testkit.ManualClock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.bitcoinj.crypto.ChildNumber;
import org.bitcoinj.crypto.DeterministicKey;
import org.bitcoinj.crypto.HDKeyDerivation;
import org.bitcoinj.crypto.MnemonicCode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A customer's static deposit address with the bitcoin watcher over each backend: a deposit is detected, confirmed,
 * and reversed when a reorganisation double-spends it; the address comes from a second account key.
 */
class BitcoinDepositTest {

  private static final Asset BTC = Asset.BTC_REGTEST;

  /** The testnet account m/84'/1'/1' of the vectors' mnemonic, as a vpub (test code derives it from the seed). */
  static AccountKey secondAccount() {
    List<String> words = List.of("abandon", "abandon", "abandon", "abandon", "abandon", "abandon", "abandon",
        "abandon", "abandon", "abandon", "abandon", "about");
    DeterministicKey key = HDKeyDerivation.createMasterPrivateKey(MnemonicCode.toSeed(words, ""));
    for (ChildNumber child : List.of(new ChildNumber(84, true), new ChildNumber(1, true), new ChildNumber(1, true))) {
      key = HDKeyDerivation.deriveChildKey(key, child);
    }
    String tpub = key.serializePubB58(org.bitcoinj.base.BitcoinNetwork.TESTNET);
    return AccountKey.parse(TestKeys.withVersion(tpub, 0x045f1cf6), BitcoinNetwork.REGTEST); // as a vpub
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aDepositIsDetectedConfirmedAndReversedByAReorganisation(Backend backend) {
    ManualClock clock = ManualClock.startingAt2026();
    List<Event> events = new CopyOnWriteArrayList<>();
    AccountKey deposits = secondAccount();
    try (Fixture f = new Fixture(backend, clock)) {
      InvoiceEngine engine = InvoiceEngine.builder()
          .store(new InMemoryInvoiceStore())
          .watcher(f.newWatcher(b -> b.depositAccountKey(deposits)))
          .clock(clock)
          .executor(Runnable::run)
          .tickInterval(Duration.ZERO)
          .listener("recorder", events::add)
          .build()
          .start();
      try {
        DepositAddress address = engine.depositAddress("customer-9", BTC);
        assertThat(address.address()).isEqualTo(deposits.address(AddressType.P2WPKH, 0));
        assertThat(address.address()).as("the invoice account's 0/0 (VECTORS.md) is not used")
            .isNotEqualTo("bcrt1q6rz28mcfaxtmd6v789l9rrlrusdprr9pz3cppk");
        assertThat(address.paymentUri()).isEqualTo("bitcoin:" + address.address());
        assertThat(engine.createInvoice(InvoiceRequest.of("o-1", Money.parse(BTC, "0.001"))).address())
            .isEqualTo("bcrt1q6rz28mcfaxtmd6v789l9rrlrusdprr9pz3cppk");

        String txid = f.chain.pay(address.address(), Money.parse(BTC, "0.02"));
        Deposit detected = awaitDeposit(engine, DepositStatus.DETECTED);
        assertThat(detected.amount()).isEqualTo(Money.parse(BTC, "0.02"));
        assertThat(detected.block()).isEmpty();
        f.chain.mine(1);
        awaitDeposit(engine, DepositStatus.CONFIRMED);

        f.chain.mine(1);
        await("two confirmations seen").atMost(Fixture.WAIT).until(() -> engine.listDeposits(
            DepositQuery.all().withCustomer("customer-9")).get(0).confirmationsAt(engine.chainTip(BTC.chainKey())) == 2);
        f.chain.reorgDropping(2, txid);
        Deposit reversed = awaitDeposit(engine, DepositStatus.REVERSED);
        assertThat(reversed.reversal().orElseThrow().cause()).isEqualTo(ReversalCause.REORG);
        assertThat(reversed.reversal().orElseThrow().confirmationsBefore()).isEqualTo(2);
        assertThat(engine.depositTotals("customer-9")).isEmpty();
        await().atMost(Fixture.WAIT).untilAsserted(() -> assertThat(
            events.stream().filter(e -> e.type().isDeposit()).map(e -> e.type().code()))
            .containsExactly("deposit.detected", "deposit.confirmed", "deposit.reversed"));
      } finally {
        engine.close();
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void theDepositKeyMustBeAnotherAccountOfTheSameNetwork(Backend backend) {
    try (Fixture f = new Fixture(backend, ManualClock.startingAt2026())) {
      assertThatThrownBy(() -> f.newWatcher(b -> b.depositAccountKey(f.key)))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("another account");
      AccountKey mainnet = AccountKey.parse(TestKeys.BIP84_ZPUB, BitcoinNetwork.MAINNET);
      assertThatThrownBy(() -> f.newWatcher(b -> b.depositAccountKey(mainnet)))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("mainnet");
    }
  }

  private static Deposit awaitDeposit(InvoiceEngine engine, DepositStatus status) {
    await("a deposit " + status).atMost(Fixture.WAIT).pollInterval(Duration.ofMillis(20))
        .until(() -> engine.listDeposits(DepositQuery.all().withCustomer("customer-9")),
            d -> d.size() == 1 && d.get(0).status() == status);
    return engine.listDeposits(DepositQuery.all().withCustomer("customer-9")).get(0);
  }
}
