package io.coinssend.invoice.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.coinssend.invoice.Asset;
import io.coinssend.invoice.BlockRef;
import io.coinssend.invoice.PaymentRef;
import io.coinssend.invoice.spi.PaymentSeen;
import io.coinssend.invoice.spi.TipChanged;
import io.coinssend.invoice.Deposit;
import io.coinssend.invoice.DepositAddress;
import io.coinssend.invoice.DepositEvent;
import io.coinssend.invoice.DepositStatus;
import io.coinssend.invoice.DepositTotal;
import io.coinssend.invoice.Event;
import io.coinssend.invoice.Invoice;
import io.coinssend.invoice.InvoiceEngine;
import io.coinssend.invoice.InvoiceRequest;
import io.coinssend.invoice.Money;
import io.coinssend.invoice.PaymentPolicy;
import io.coinssend.invoice.ReversalCause;
import io.coinssend.invoice.UnsupportedAssetException;
import io.coinssend.invoice.memory.InMemoryInvoiceStore;
import io.coinssend.invoice.spi.DepositQuery;
import io.coinssend.invoice.spi.InvoiceStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Static deposit addresses on the simulated chain: every lifecycle path of a deposit. */
class DepositsTest {

  private static final Asset BTC = Asset.BTC_REGTEST;

  private ManualClock clock;
  private SimulatedChain chain;
  private InvoiceStore store;
  private InvoiceEngine engine;
  private final List<Event> received = Collections.synchronizedList(new ArrayList<>());

  @BeforeEach
  void setUp() {
    clock = ManualClock.startingAt2026();
    chain = SimulatedChain.create(clock, BTC);
    store = new InMemoryInvoiceStore();
    engine = newEngine(b -> b.depositMinimum(Money.ofUnits(BTC, 546)));
  }

  private InvoiceEngine newEngine(Consumer<InvoiceEngine.Builder> customise) {
    InvoiceEngine.Builder builder = InvoiceEngine.builder().store(store).watcher(chain.newWatcher()).clock(clock)
        .executor(Runnable::run).tickInterval(Duration.ZERO).listener("test", received::add);
    customise.accept(builder);
    return builder.build().start();
  }

  @AfterEach
  void tearDown() {
    engine.close();
  }

  private static Money sat(long units) {
    return Money.ofUnits(BTC, units);
  }

  private List<String> depositEventTypes() {
    synchronized (received) {
      return received.stream().filter(e -> e instanceof DepositEvent).map(e -> e.type().code()).toList();
    }
  }

  private Deposit only(DepositAddress address) {
    List<Deposit> deposits = engine.listDeposits(DepositQuery.all().withAddress(address.address()));
    assertThat(deposits).hasSize(1);
    return deposits.get(0);
  }

  @Test
  void aCustomerGetsOneStableAddressPerAssetApartFromInvoiceAddresses() {
    DepositAddress first = engine.depositAddress("alice", BTC);
    assertThat(engine.depositAddress("alice", BTC)).isEqualTo(first);
    DepositAddress bob = engine.depositAddress("bob", BTC);
    assertThat(bob.address()).isNotEqualTo(first.address());
    Invoice invoice = engine.createInvoice(InvoiceRequest.of("order-1", sat(1000)));
    assertThat(invoice.derivationIndex()).as("deposits use their own counter").isZero();
    assertThat(first.derivationIndex()).isZero();
    assertThat(invoice.address()).isNotEqualTo(first.address());
    assertThat(first.paymentUri()).isEqualTo("bitcoin:" + first.address());
    assertThat(first.network()).isEqualTo("bitcoin regtest");
    assertThat(engine.findDepositAddress("alice", BTC)).contains(first);
    assertThat(engine.findDepositAddress("carol", BTC)).isEmpty();
  }

  @Test
  void getOrCreateIsSafeUnderConcurrency() throws Exception {
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch go = new CountDownLatch(1);
    try {
      List<Future<DepositAddress>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        results.add(pool.submit(() -> {
          go.await();
          return engine.depositAddress("alice", BTC);
        }));
      }
      go.countDown();
      Set<DepositAddress> distinct = new HashSet<>();
      for (Future<DepositAddress> result : results) {
        distinct.add(result.get(30, TimeUnit.SECONDS));
      }
      assertThat(distinct).hasSize(1);
      assertThat(store.listDepositAddresses(0, 100)).hasSize(1);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aDepositIsDetectedThenConfirmed() {
    DepositAddress address = engine.depositAddress("alice", BTC);
    chain.pay(address.address(), sat(250_000));
    Deposit detected = only(address);
    assertThat(detected.status()).isEqualTo(DepositStatus.DETECTED);
    assertThat(detected.customerId()).isEqualTo("alice");
    assertThat(detected.block()).isEmpty();
    chain.mine(1);
    Deposit confirmed = only(address);
    assertThat(confirmed.status()).isEqualTo(DepositStatus.CONFIRMED);
    assertThat(confirmed.version()).isGreaterThan(detected.version());
    assertThat(depositEventTypes()).containsExactly("deposit.detected", "deposit.confirmed");
    assertThat(engine.depositTotals("alice")).containsExactly(
        new DepositTotal("alice", BTC, sat(250_000), sat(0)));
  }

  @Test
  void everyTransferIsItsOwnDepositAndTheTotalsAddThemUp() {
    DepositAddress address = engine.depositAddress("alice", BTC);
    chain.payAndMine(address.address(), sat(100_000));
    chain.payAndMine(address.address(), sat(50_000));
    chain.pay(address.address(), sat(7_000));
    assertThat(engine.listDeposits(DepositQuery.all().withCustomer("alice"))).hasSize(3);
    assertThat(engine.listDeposits(DepositQuery.all().withCustomer("alice").withStatus(DepositStatus.CONFIRMED)))
        .hasSize(2);
    assertThat(engine.depositTotals("alice")).containsExactly(
        new DepositTotal("alice", BTC, sat(150_000), sat(7_000)));
    assertThat(engine.depositTotals("bob")).isEmpty();
  }

  @Test
  void aReorgThatDropsAConfirmedDepositReversesIt() {
    DepositAddress address = engine.depositAddress("alice", BTC);
    String txid = chain.payAndMine(address.address(), sat(100_000));
    chain.reorgDropping(1, txid);
    Deposit reversed = only(address);
    assertThat(reversed.status()).isEqualTo(DepositStatus.REVERSED);
    assertThat(reversed.reversal().orElseThrow().cause()).isEqualTo(ReversalCause.REORG);
    assertThat(depositEventTypes()).containsExactly("deposit.detected", "deposit.confirmed", "deposit.reversed");
    assertThat(engine.depositTotals("alice")).isEmpty();
  }

  @Test
  void aReorgThatMovesADepositKeepsItConfirmedWithoutNewEvents() {
    DepositAddress address = engine.depositAddress("alice", BTC);
    chain.payAndMine(address.address(), sat(100_000));
    String hash = only(address).block().orElseThrow().hash();
    chain.reorg(1);
    Deposit moved = only(address);
    assertThat(moved.status()).isEqualTo(DepositStatus.CONFIRMED);
    assertThat(moved.block().orElseThrow().hash()).isNotEqualTo(hash);
    assertThat(depositEventTypes()).containsExactly("deposit.detected", "deposit.confirmed");
  }

  @Test
  void aReplacedUnconfirmedDepositIsReversed() {
    DepositAddress address = engine.depositAddress("alice", BTC);
    String txid = chain.pay(address.address(), sat(100_000));
    chain.replace(txid);
    Deposit reversed = only(address);
    assertThat(reversed.status()).isEqualTo(DepositStatus.REVERSED);
    assertThat(reversed.reversal().orElseThrow().cause()).isEqualTo(ReversalCause.REPLACED);
    assertThat(depositEventTypes()).containsExactly("deposit.detected", "deposit.reversed");
  }

  @Test
  void dustIsRecordedAndFlaggedWithoutAConfirmationEventOrTotal() {
    DepositAddress address = engine.depositAddress("alice", BTC);
    chain.payAndMine(address.address(), sat(545));
    Deposit dust = only(address);
    assertThat(dust.dust()).isTrue();
    assertThat(dust.status()).isEqualTo(DepositStatus.CONFIRMED);
    assertThat(depositEventTypes()).containsExactly("deposit.detected");
    assertThat(engine.depositTotals("alice")).isEmpty();
    chain.payAndMine(address.address(), sat(546));
    assertThat(depositEventTypes()).containsExactly("deposit.detected", "deposit.detected", "deposit.confirmed");
  }

  @Test
  void depositsMadeWhileTheEngineWasDownAreFoundOnceAfterARestart() {
    DepositAddress address = engine.depositAddress("alice", BTC);
    chain.payAndMine(address.address(), sat(100_000));
    engine.close();
    chain.payAndMine(address.address(), sat(30_000));
    engine = newEngine(b -> {});
    chain.mine(1);
    List<Deposit> deposits = engine.listDeposits(DepositQuery.all().withCustomer("alice"));
    assertThat(deposits).hasSize(2).allSatisfy(d -> assertThat(d.status()).isEqualTo(DepositStatus.CONFIRMED));
    assertThat(depositEventTypes()).containsExactly("deposit.detected", "deposit.confirmed", "deposit.detected",
        "deposit.confirmed");
  }

  @Test
  void duplicateAndReorderedReportsRecordOneDepositWithOneEventPerChange() {
    engine.close();
    received.clear();
    ScriptedWatcher watcher = new ScriptedWatcher(BTC, true);
    engine = InvoiceEngine.builder().store(new InMemoryInvoiceStore()).watcher(watcher).clock(clock)
        .executor(Runnable::run).tickInterval(Duration.ZERO).listener("test", received::add).build().start();
    DepositAddress address = engine.depositAddress("alice", BTC);
    PaymentRef ref = new PaymentRef("tx-dup", 0);
    BlockRef block = new BlockRef(10, "block-10", clock.instant());
    PaymentSeen unconfirmed = PaymentSeen.inMempool(address.address(), ref, sat(70_000), clock.instant());
    PaymentSeen mined = PaymentSeen.inBlock(address.address(), ref, sat(70_000), block);

    watcher.context().report(List.of(unconfirmed, unconfirmed));
    watcher.context().report(List.of(unconfirmed));
    watcher.context().report(List.of(mined, new TipChanged(block)));
    watcher.context().report(List.of(mined, mined, new TipChanged(block)));

    Deposit deposit = only(address);
    assertThat(deposit.status()).isEqualTo(DepositStatus.CONFIRMED);
    assertThat(deposit.block()).contains(block);
    assertThat(depositEventTypes()).containsExactly("deposit.detected", "deposit.confirmed");
    assertThat(engine.depositTotals("alice")).containsExactly(new DepositTotal("alice", BTC, sat(70_000), sat(0)));
  }

  /** An engine on the test's store with a scripted watcher, two confirmations for BTC and no tick of its own. */
  private InvoiceEngine scriptedEngine(ScriptedWatcher watcher) {
    return InvoiceEngine.builder().store(store).watcher(watcher).clock(clock).executor(Runnable::run)
        .tickInterval(Duration.ZERO).policy(BTC, PaymentPolicy.bitcoinDefaults().withConfirmations(2))
        .listener("test", received::add).build().start();
  }

  @Test
  void aDepositToAnAddressAnotherInstanceStoredIsConfirmedByALaterTipBeforeThisEngineFollowsIt() {
    engine.close();
    ScriptedWatcher watcher = new ScriptedWatcher(BTC, true);
    engine = scriptedEngine(watcher);
    // Stored by another instance after this engine started; this engine has not ticked, so it has not followed it.
    DepositAddress address = new DepositAddress("alice", BTC, "scripted-deposit-elsewhere", 5,
        "scripted:scripted-deposit-elsewhere", clock.instant());
    store.insertDepositAddress(address);
    PaymentRef ref = new PaymentRef("tx-elsewhere", 0);
    BlockRef first = new BlockRef(10, "block-10", clock.instant());
    watcher.context().report(List.of(PaymentSeen.inBlock(address.address(), ref, sat(70_000), first),
        new TipChanged(first)));
    assertThat(only(address).status()).as("one confirmation of two").isEqualTo(DepositStatus.DETECTED);

    watcher.context().report(List.of(new TipChanged(new BlockRef(11, "block-11", clock.instant()))));

    assertThat(only(address).status()).as("confirmed by the next tip alone").isEqualTo(DepositStatus.CONFIRMED);
  }

  @Test
  void aDepositAnotherInstanceDetectedIsConfirmedHereByALaterTipOnceFollowed() {
    engine.close();
    ScriptedWatcher here = new ScriptedWatcher(BTC, true);
    engine = scriptedEngine(here);
    ScriptedWatcher elsewhere = new ScriptedWatcher(BTC, true);
    try (InvoiceEngine other = scriptedEngine(elsewhere)) {
      DepositAddress address = other.depositAddress("alice", BTC);
      BlockRef first = new BlockRef(10, "block-10", clock.instant());
      elsewhere.context().report(List.of(
          PaymentSeen.inBlock(address.address(), new PaymentRef("tx-other", 0), sat(70_000), first),
          new TipChanged(first)));
      assertThat(only(address).status()).isEqualTo(DepositStatus.DETECTED);
      engine.tick(); // follows the deposit addresses the other instance created

      here.context().report(List.of(new TipChanged(new BlockRef(11, "block-11", clock.instant()))));

      assertThat(only(address).status()).as("confirmed by this engine's next tip").isEqualTo(DepositStatus.CONFIRMED);
    }
  }

  @Test
  void aWatcherWithoutDepositDerivationRefusesClearly() {
    engine.close();
    engine = InvoiceEngine.builder().store(new InMemoryInvoiceStore()).watcher(new ScriptedWatcher(BTC))
        .clock(clock).tickInterval(Duration.ZERO).build().start();
    assertThatThrownBy(() -> engine.depositAddress("alice", BTC)).isInstanceOf(UnsupportedAssetException.class);
    assertThatThrownBy(() -> engine.depositAddress(" ", BTC)).isInstanceOf(IllegalArgumentException.class);
  }
}
