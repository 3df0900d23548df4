package io.coinssend.invoice.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.coinssend.invoice.Asset;
import io.coinssend.invoice.Event;
import io.coinssend.invoice.EventType;
import io.coinssend.invoice.IllegalTransitionException;
import io.coinssend.invoice.Invoice;
import io.coinssend.invoice.InvoiceEngine;
import io.coinssend.invoice.InvoiceEvent;
import io.coinssend.invoice.InvoiceId;
import io.coinssend.invoice.InvoiceNotFoundException;
import io.coinssend.invoice.InvoiceRequest;
import io.coinssend.invoice.InvoiceStatus;
import io.coinssend.invoice.MerchantAction;
import io.coinssend.invoice.Money;
import io.coinssend.invoice.OrderConflictException;
import io.coinssend.invoice.PaymentPolicy;
import io.coinssend.invoice.ReversalCause;
import io.coinssend.invoice.StatusReason;
import io.coinssend.invoice.UnsupportedAssetException;
import io.coinssend.invoice.memory.InMemoryInvoiceStore;
import io.coinssend.invoice.spi.InvoiceQuery;
import io.coinssend.invoice.spi.InvoiceStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The engine end to end on the simulated chain, with a manual clock and listeners called synchronously. */
class InvoiceEngineTest {

  private static final Asset BTC = Asset.BTC_REGTEST;
  private static final Asset OTHER = Asset.nativeCoin("LTC", "litecoin", "regtest", 8);

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
    engine = newEngine(builder -> {});
  }

  private InvoiceEngine newEngine(Consumer<InvoiceEngine.Builder> customise) {
    InvoiceEngine.Builder builder = InvoiceEngine.builder()
        .store(store)
        .watcher(chain.newWatcher())
        .clock(clock)
        .executor(Runnable::run)
        .tickInterval(Duration.ZERO)
        .listener("test", received::add);
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

  private Invoice create(String order, long satoshi) {
    return engine.createInvoice(InvoiceRequest.of(order, sat(satoshi)));
  }

  private Invoice reload(Invoice invoice) {
    return engine.getInvoice(invoice.id());
  }

  private List<String> typesOf(Invoice invoice) {
    List<String> types = new ArrayList<>();
    synchronized (received) {
      for (Event event : received) {
        if (event.subjectId().equals(invoice.id().value())) {
          types.add(event.type().code());
        }
      }
    }
    return types;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Creating invoices

  @Test
  void createsAnInvoiceWithItsPaymentDetails() {
    Invoice invoice = engine.createInvoice(InvoiceRequest.of("order-1", Money.parse(BTC, "0.0015"))
        .withLabel("Shop").withMessage("Order 1").withMetadata(Map.of("sku", "A-1")));
    assertThat(invoice.status()).isEqualTo(InvoiceStatus.NEW);
    assertThat(invoice.derivationIndex()).isZero();
    assertThat(invoice.expiresAt()).isEqualTo(clock.instant().plus(Duration.ofMinutes(15)));
    var details = invoice.paymentDetails();
    assertThat(details.network()).isEqualTo("bitcoin regtest");
    assertThat(details.address()).isEqualTo(invoice.address()).startsWith("sim1q");
    assertThat(details.amount()).isEqualTo(Money.parse(BTC, "0.0015"));
    assertThat(details.paymentUri()).isEqualTo("bitcoin:" + invoice.address()
        + "?amount=0.0015&label=Shop&message=Order%201");
    assertThat(engine.findByAddress(invoice.address())).contains(invoice);
    assertThat(engine.findByOrderId("order-1")).contains(invoice);
    assertThat(invoice.metadata()).containsEntry("sku", "A-1");
    assertThat(typesOf(invoice)).containsExactly("invoice.created");
    Invoice second = create("order-2", 1000);
    assertThat(second.derivationIndex()).isEqualTo(1);
    assertThat(second.address()).isNotEqualTo(invoice.address());
  }

  @Test
  void creatingTwiceForOneOrderWithTheSameTermsReturnsTheSameInvoice() {
    Invoice first = create("order-1", 150_000);
    Invoice again = create("order-1", 150_000);
    assertThat(again).isEqualTo(first);
    assertThatThrownBy(() -> create("order-1", 150_001))
        .isInstanceOfSatisfying(OrderConflictException.class, e -> {
          assertThat(e.orderId()).isEqualTo("order-1");
          assertThat(e.invoiceId()).contains(first.id());
        });
    assertThat(engine.list(InvoiceQuery.all())).hasSize(1);
    assertThat(store.readEvents(0, 100)).hasSize(1);
  }

  @Test
  void badInputIsAClearErrorAndStoresNothing() {
    assertThatThrownBy(() -> engine.createInvoice(InvoiceRequest.of("o", Money.ofUnits(OTHER, 5))))
        .isInstanceOf(UnsupportedAssetException.class).hasMessageContaining("LTC@litecoin:regtest");
    assertThatThrownBy(() -> engine.createInvoice(
        InvoiceRequest.of("o", sat(5)).withExpiresAt(clock.instant().minusSeconds(1))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expiry must be in the future");
    assertThatThrownBy(() -> engine.createInvoice(
        InvoiceRequest.of("o", sat(5)).withExpiresAt(clock.instant())))
        .hasMessageContaining("expiry must be in the future");
    assertThatThrownBy(() -> engine.createInvoice(InvoiceRequest.of(" ", sat(5))))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> engine.createInvoice(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> engine.createInvoice(InvoiceRequest.of("o", Money.parse(BTC, "0.000000001"))))
        .hasMessageContaining("more decimals");
    assertThat(engine.list(InvoiceQuery.all())).isEmpty();
    assertThat(store.lastEventSequence()).isZero();
    assertThat(store.allocateIndex("sim:" + chain.chain())).as("no index was used up").isZero();
  }

  @Test
  void refusesWorkBeforeStartAndAfterClose() {
    InvoiceEngine idle = InvoiceEngine.builder().watcher(chain.newWatcher()).build();
    assertThatThrownBy(() -> idle.createInvoice(InvoiceRequest.of("o", sat(1))))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("start()");
    idle.close();
    assertThatThrownBy(idle::start).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> InvoiceEngine.builder().build()).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> engine.getInvoice(InvoiceId.of("inv_missing")))
        .isInstanceOf(InvoiceNotFoundException.class).hasMessageContaining("inv_missing");
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Payments

  @Test
  void anExactPaymentGoesPendingThenPaidWithItsEvents() {
    Invoice invoice = create("order-1", 150_000);
    chain.pay(invoice.address(), sat(150_000));
    assertThat(reload(invoice).status()).isEqualTo(InvoiceStatus.PENDING);
    chain.mine(1);
    Invoice paid = reload(invoice);
    assertThat(paid.status()).isEqualTo(InvoiceStatus.PAID);
    assertThat(paid.reason()).isEqualTo(StatusReason.PAID_IN_FULL);
    assertThat(paid.received()).isEqualTo(sat(150_000));
    assertThat(paid.settledAmount()).isEqualTo(sat(150_000));
    assertThat(typesOf(invoice)).containsExactly("invoice.created", "invoice.payment_detected", "invoice.pending",
        "invoice.payment_confirmed", "invoice.paid");
    assertThat(paid.timeline()).extracting(c -> c.status())
        .containsExactly(InvoiceStatus.NEW, InvoiceStatus.PENDING, InvoiceStatus.PAID);
    InvoiceEvent last = (InvoiceEvent) received.get(received.size() - 1);
    assertThat(last.invoice()).isEqualTo(paid);
    assertThat(last.subjectVersion()).isEqualTo(paid.version());
  }

  @Test
  void aPartialPaymentThenATopUpReachesPaid() {
    Invoice invoice = create("order-1", 100_000);
    chain.payAndMine(invoice.address(), sat(60_000));
    Invoice partial = reload(invoice);
    assertThat(partial.status()).isEqualTo(InvoiceStatus.PARTIALLY_PAID);
    assertThat(partial.remaining()).isEqualTo(sat(40_000));
    chain.payAndMine(invoice.address(), sat(40_000));
    assertThat(reload(invoice).status()).isEqualTo(InvoiceStatus.PAID);
  }

  @Test
  void moreThanDueIsOverpaidWithTheSurplusReported() {
    Invoice invoice = create("order-1", 100_000);
    chain.payAndMine(invoice.address(), sat(130_000));
    Invoice overpaid = reload(invoice);
    assertThat(overpaid.status()).isEqualTo(InvoiceStatus.OVERPAID);
    assertThat(overpaid.surplus()).isEqualTo(sat(30_000));
    assertThat(typesOf(invoice)).endsWith("invoice.overpaid");
  }

  @Test
  void expiresOnTimeByTheClock() {
    Invoice invoice = create("order-1", 100_000);
    clock.advance(Duration.ofMinutes(15).minusMillis(1));
    assertThat(engine.tick()).isZero();
    assertThat(reload(invoice).status()).isEqualTo(InvoiceStatus.NEW);
    clock.advance(Duration.ofMillis(1));
    assertThat(engine.tick()).isEqualTo(1);
    assertThat(reload(invoice).status()).isEqualTo(InvoiceStatus.EXPIRED);
    assertThat(typesOf(invoice)).containsExactly("invoice.created", "invoice.expired");
  }

  @Test
  void aLatePaymentBlocksAnExpiredInvoiceAndTheMerchantResolvesIt() {
    Invoice invoice = create("order-1", 100_000);
    clock.advance(Duration.ofMinutes(20));
    engine.tick();
    chain.payAndMine(invoice.address(), sat(100_000));
    Invoice blocked = reload(invoice);
    assertThat(blocked.status()).isEqualTo(InvoiceStatus.BLOCKED);
    assertThat(blocked.reason()).isEqualTo(StatusReason.LATE_PAYMENT);
    assertThat(blocked.lateAmount()).isEqualTo(sat(100_000));
    assertThat(typesOf(invoice)).contains("invoice.late_payment", "invoice.blocked");

    Invoice resolved = engine.markPaid(invoice.id(), "alice", "customer confirmed by phone");
    assertThat(resolved.status()).isEqualTo(InvoiceStatus.PAID);
    assertThat(resolved.reason()).isEqualTo(StatusReason.MARKED_PAID);
    assertThat(resolved.resolution()).hasValueSatisfying(r -> {
      assertThat(r.actor()).isEqualTo("alice");
      assertThat(r.note()).isEqualTo("customer confirmed by phone");
    });
    assertThat(resolved.timeline().get(resolved.timeline().size() - 1).note())
        .isEqualTo("alice: customer confirmed by phone");
    assertThat(typesOf(invoice)).endsWith("invoice.resolved", "invoice.paid");
  }

  @Test
  void aPartialPaymentAfterExpiryWaitsForTheMerchantWhoMayCloseIt() {
    Invoice invoice = create("order-1", 100_000);
    chain.payAndMine(invoice.address(), sat(30_000));
    clock.advance(Duration.ofMinutes(16));
    engine.tick();
    Invoice waiting = reload(invoice);
    assertThat(waiting.status()).isEqualTo(InvoiceStatus.PARTIALLY_PAID);
    assertThat(waiting.reason()).isEqualTo(StatusReason.UNDERPAID_EXPIRED);
    Invoice closed = engine.close(invoice.id(), "bob", "refunded");
    assertThat(closed.status()).isEqualTo(InvoiceStatus.EXPIRED);
    assertThat(closed.reason()).isEqualTo(StatusReason.CLOSED);
  }

  @Test
  void extendingTheExpiryLetsTheCustomerTopUp() {
    Invoice invoice = create("order-1", 100_000);
    chain.payAndMine(invoice.address(), sat(30_000));
    clock.advance(Duration.ofMinutes(16));
    engine.tick();
    Instant later = clock.instant().plus(Duration.ofMinutes(30));
    Invoice extended = engine.extendExpiry(invoice.id(), later, "alice");
    assertThat(extended.reason()).isEqualTo(StatusReason.UNDERPAID);
    assertThat(extended.expiresAt()).isEqualTo(later);
    chain.payAndMine(invoice.address(), sat(70_000));
    assertThat(reload(invoice).status()).isEqualTo(InvoiceStatus.PAID);
    assertThat(typesOf(invoice)).contains("invoice.expiry_extended");
    assertThatThrownBy(() -> engine.extendExpiry(invoice.id(), later.plusSeconds(60), "alice"))
        .isInstanceOf(IllegalTransitionException.class);
  }

  @Test
  void aReorgThatDropsASettledPaymentBlocksThePaidInvoice() {
    Invoice invoice = create("order-1", 100_000);
    String txid = chain.payAndMine(invoice.address(), sat(100_000));
    assertThat(reload(invoice).status()).isEqualTo(InvoiceStatus.PAID);
    chain.reorgDropping(1, txid);
    Invoice blocked = reload(invoice);
    assertThat(blocked.status()).isEqualTo(InvoiceStatus.BLOCKED);
    assertThat(blocked.reason()).isEqualTo(StatusReason.PAYMENT_REVERSED);
    assertThat(blocked.payments()).singleElement().satisfies(p -> {
      assertThat(p.reversal()).hasValueSatisfying(r -> assertThat(r.cause()).isEqualTo(ReversalCause.REORG));
      assertThat(p.settled()).isFalse();
    });
    assertThat(typesOf(invoice)).endsWith("invoice.payment_reversed", "invoice.blocked");
  }

  @Test
  void aReorgThatMovesAPaymentKeepsItPaid() {
    Invoice invoice = create("order-1", 100_000);
    chain.payAndMine(invoice.address(), sat(100_000));
    String before = reload(invoice).payments().get(0).block().orElseThrow().hash();
    chain.reorg(1);
    Invoice moved = reload(invoice);
    assertThat(moved.status()).isEqualTo(InvoiceStatus.PAID);
    assertThat(moved.payments().get(0).block().orElseThrow().hash()).isNotEqualTo(before);
  }

  @Test
  void aReorgToAShorterChainTakesTheConfirmationBack() {
    Invoice invoice = create("order-1", 100_000);
    chain.payAndMine(invoice.address(), sat(100_000));
    assertThat(reload(invoice).status()).isEqualTo(InvoiceStatus.PAID);
    chain.reorganise(1, 0, java.util.Set.of());
    Invoice back = reload(invoice);
    assertThat(back.status()).as("the payment is unconfirmed again").isEqualTo(InvoiceStatus.PENDING);
    assertThat(back.payments().get(0).block()).isEmpty();
    chain.mine(1);
    assertThat(reload(invoice).status()).isEqualTo(InvoiceStatus.PAID);
  }

  @Test
  void aReplacedUnconfirmedPaymentFallsBackToNew() {
    Invoice invoice = create("order-1", 100_000);
    String txid = chain.pay(invoice.address(), sat(100_000));
    assertThat(reload(invoice).status()).isEqualTo(InvoiceStatus.PENDING);
    chain.replace(txid);
    Invoice back = reload(invoice);
    assertThat(back.status()).isEqualTo(InvoiceStatus.NEW);
    assertThat(back.payments().get(0).reversal().orElseThrow().cause()).isEqualTo(ReversalCause.REPLACED);
    assertThat(typesOf(invoice)).contains("invoice.payment_reversed");
  }

  @Test
  void anUnexpectedAssetBlocksTheInvoice() {
    Invoice invoice = create("order-1", 100_000);
    chain.payUnexpected(invoice.address(), sat(100_000));
    Invoice blocked = reload(invoice);
    assertThat(blocked.status()).isEqualTo(InvoiceStatus.BLOCKED);
    assertThat(blocked.reason()).isEqualTo(StatusReason.UNEXPECTED_ASSET);
    assertThat(blocked.received().isZero()).isTrue();
  }

  @Test
  void zeroConfirmationPolicyPaysOnSight() {
    engine.close();
    engine = newEngine(b -> b.policy(BTC, PaymentPolicy.ofConfirmations(0)));
    Invoice invoice = create("order-1", 100_000);
    chain.pay(invoice.address(), sat(100_000));
    assertThat(reload(invoice).status()).isEqualTo(InvoiceStatus.PAID);
    assertThat(typesOf(invoice)).containsExactly("invoice.created", "invoice.payment_detected",
        "invoice.payment_confirmed", "invoice.paid");
  }

  @Test
  void theScreeningHookHoldsPaymentsForReviewAndFailsClosed() {
    engine.close();
    engine = newEngine(b -> b.screening((invoice, payment) -> {
      if (payment.amount().units().longValue() == 666) {
        throw new IllegalStateException("screening service down");
      }
      return payment.amount().units().longValue() == 777 ? Optional.of("flagged source") : Optional.empty();
    }));
    Invoice flagged = create("order-1", 777);
    chain.payAndMine(flagged.address(), sat(777));
    assertThat(reload(flagged).reason()).isEqualTo(StatusReason.SCREENING_HOLD);
    assertThat(reload(flagged).payments().get(0).screeningHold()).contains("flagged source");
    Invoice broken = create("order-2", 666);
    chain.payAndMine(broken.address(), sat(666));
    assertThat(reload(broken).reason()).isEqualTo(StatusReason.SCREENING_HOLD);
    Invoice clean = create("order-3", 555);
    chain.payAndMine(clean.address(), sat(555));
    assertThat(reload(clean).status()).isEqualTo(InvoiceStatus.PAID);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Merchant actions from every status

  @Test
  void everyMerchantActionIsLegalExactlyFromItsStatuses() {
    for (InvoiceStatus status : InvoiceStatus.values()) {
      for (MerchantAction action : MerchantAction.values()) {
        Invoice invoice = invoiceIn(status, status + "-" + action);
        assertThat(invoice.status()).isEqualTo(status);
        boolean legal = switch (action) {
          case MARK_PAID, CLOSE -> status == InvoiceStatus.PARTIALLY_PAID || status == InvoiceStatus.BLOCKED;
          case CANCEL -> status == InvoiceStatus.NEW;
          case EXTEND_EXPIRY -> status == InvoiceStatus.NEW || status == InvoiceStatus.PARTIALLY_PAID;
        };
        if (legal) {
          Invoice after = apply(action, invoice);
          InvoiceStatus expected = switch (action) {
            case MARK_PAID -> InvoiceStatus.PAID;
            case CLOSE, CANCEL -> InvoiceStatus.EXPIRED;
            case EXTEND_EXPIRY -> status;
          };
          assertThat(after.status()).as(action + " from " + status).isEqualTo(expected);
        } else {
          long version = invoice.version();
          assertThatThrownBy(() -> apply(action, invoice)).as(action + " from " + status)
              .isInstanceOfSatisfying(IllegalTransitionException.class, e -> {
                assertThat(e.from()).isEqualTo(status);
                assertThat(e.action()).isEqualTo(action);
                assertThat(e.getMessage()).contains(status.name()).contains(action.name());
              });
          assertThat(reload(invoice).version()).as("nothing written").isEqualTo(version);
        }
      }
    }
  }

  private Invoice apply(MerchantAction action, Invoice invoice) {
    return switch (action) {
      case MARK_PAID -> engine.markPaid(invoice.id(), "alice", "");
      case CLOSE -> engine.close(invoice.id(), "alice", "");
      case CANCEL -> engine.cancel(invoice.id(), "alice", "no longer wanted");
      case EXTEND_EXPIRY -> engine.extendExpiry(invoice.id(), clock.instant().plus(Duration.ofHours(1)), "alice");
    };
  }

  /** A fresh invoice brought into {@code status} through the chain and the clock. */
  private Invoice invoiceIn(InvoiceStatus status, String order) {
    Invoice invoice = engine.createInvoice(InvoiceRequest.of(order, sat(100_000))
        .withExpiresAt(clock.instant().plus(Duration.ofMinutes(15))));
    switch (status) {
      case NEW -> { }
      case PENDING -> chain.pay(invoice.address(), sat(100_000));
      case PAID -> chain.payAndMine(invoice.address(), sat(100_000));
      case PARTIALLY_PAID -> chain.payAndMine(invoice.address(), sat(10_000));
      case OVERPAID -> chain.payAndMine(invoice.address(), sat(110_000));
      case EXPIRED -> engine.cancel(invoice.id(), "setup", "");
      case BLOCKED -> chain.payUnexpected(invoice.address(), sat(1));
    }
    return reload(invoice);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Restarts

  @Test
  void afterARestartItCatchesUpOnExpiriesAndPaymentsMadeWhileDown() {
    Invoice expiresWhileDown = create("order-1", 100_000);
    Invoice paidWhileDown = create("order-2", 100_000);
    Invoice stillOpen = engine.createInvoice(
        InvoiceRequest.of("order-3", sat(100_000)).withExpiresIn(Duration.ofHours(2)));
    engine.close();

    chain.payAndMine(paidWhileDown.address(), sat(100_000));
    clock.advance(Duration.ofMinutes(30));

    engine = newEngine(b -> {});
    assertThat(reload(expiresWhileDown).status()).isEqualTo(InvoiceStatus.EXPIRED);
    assertThat(reload(paidWhileDown).status())
        .as("paid in a block timed before expiry, found from the cursor").isEqualTo(InvoiceStatus.PAID);
    chain.payAndMine(stillOpen.address(), sat(100_000));
    assertThat(reload(stillOpen).status()).as("addresses re-registered after restart").isEqualTo(InvoiceStatus.PAID);
  }

  @Test
  void aListenerResumesFromItsStoredPositionAfterARestart() {
    Invoice invoice = create("order-1", 100_000);
    engine.close();
    int before = received.size();
    chain.payAndMine(invoice.address(), sat(100_000));
    engine = newEngine(b -> {});
    List<String> afterRestart = received.subList(before, received.size()).stream().map(e -> e.type().code()).toList();
    assertThat(afterRestart).containsExactly("invoice.payment_detected", "invoice.payment_confirmed", "invoice.paid");
  }

  @Test
  void aThrowingListenerIsSkippedAndTheOthersGetEveryEvent() {
    engine.close();
    List<Event> second = Collections.synchronizedList(new ArrayList<>());
    engine = newEngine(b -> b.listener("broken", e -> {
      throw new IllegalStateException("listener bug");
    }).listener("second", second::add));
    Invoice invoice = create("order-1", 100_000);
    chain.payAndMine(invoice.address(), sat(100_000));
    assertThat(reload(invoice).status()).isEqualTo(InvoiceStatus.PAID);
    assertThat(second).extracting(e -> e.type().code()).containsExactly("invoice.created",
        "invoice.payment_detected", "invoice.pending", "invoice.payment_confirmed", "invoice.paid");
    assertThat(store.findConsumerPosition("listener:broken")).hasValue(store.lastEventSequence());
  }

  @Test
  void stopsWatchingAnAddressAfterTheMonitoringWindow() {
    Invoice invoice = create("order-1", 100_000);
    clock.advance(Duration.ofMinutes(15).plus(Duration.ofHours(24)).plusSeconds(1));
    engine.tick();
    assertThat(reload(invoice).status()).isEqualTo(InvoiceStatus.EXPIRED);
    chain.payAndMine(invoice.address(), sat(100_000));
    assertThat(reload(invoice).status()).as("payments after the window are not seen").isEqualTo(
        InvoiceStatus.EXPIRED);
    assertThat(reload(invoice).payments()).isEmpty();
  }

  /**
   * A registration's recheck time moves as the invoice changes: a payment awaiting confirmations is rechecked every
   * minute, past the end of the monitoring window, and once it is confirmed the window's end applies again. (A tick
   * reads only the registrations due, so each change must reschedule its address.)
   */
  @Test
  void anAddressAwaitingConfirmationsIsWatchedPastItsWindowAndNoLongerOnceConfirmed() {
    Invoice invoice = create("order-1", 100_000);
    clock.advance(Duration.ofMinutes(10));
    chain.pay(invoice.address(), sat(100_000));
    assertThat(reload(invoice).status()).isEqualTo(InvoiceStatus.PENDING);
    Duration window = Duration.ofMinutes(15).plus(Duration.ofHours(24));
    clock.advance(window);
    engine.tick();
    for (int minute = 0; minute < 3; minute++) {
      clock.advance(Duration.ofMinutes(1));
      engine.tick();
    }

    chain.mine(1);
    assertThat(reload(invoice).status()).as("still watched after its window, awaiting a confirmation")
        .isEqualTo(InvoiceStatus.PAID);

    clock.advance(Duration.ofSeconds(1));
    engine.tick();
    chain.payAndMine(invoice.address(), sat(5_000));
    assertThat(reload(invoice).payments()).as("no longer watched once confirmed, its window being over")
        .hasSize(1);
    assertThat(reload(invoice).status()).isEqualTo(InvoiceStatus.PAID);
  }

  @Test
  void twoEnginesWatchingOneChainNeverLetAnOlderObservationWin() {
    // A second instance with its own watcher of the same chain, on the same store.
    InvoiceEngine second = newEngine(b -> {});
    Invoice invoice = create("order-1", 100_000);
    String txid = chain.payAndMine(invoice.address(), sat(100_000));
    assertThat(reload(invoice).status()).isEqualTo(InvoiceStatus.PAID);
    second.close(); // its last word was "in block 1"
    chain.reorgDropping(1, txid);
    Invoice blocked = reload(invoice);
    assertThat(blocked.status()).as("the later reversal wins over the other instance's earlier sighting")
        .isEqualTo(InvoiceStatus.BLOCKED);
    assertThat(blocked.reason()).isEqualTo(StatusReason.PAYMENT_REVERSED);
    assertThat(engine.chainTip(chain.chain()).orElseThrow().hash()).isEqualTo(chain.tip().hash());
  }

  @Test
  void anInstanceWatchesTheInvoicesOtherInstancesCreatedFromItsNextTick() {
    InvoiceEngine second = newEngine(b -> {});
    try {
      // More creations than one page of the log (256), among other events, all after the second instance started.
      List<Invoice> invoices = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        Invoice invoice = create("order-" + i, 100_000);
        invoices.add(invoice);
        if (i % 3 == 0) {
          chain.pay(invoice.address(), sat(100_000)); // payment detected and pending, seen by the first instance
        }
      }
      engine.close();
      second.tick();
      InvoiceEngine third = newEngine(b -> {});
      Invoice later = third.createInvoice(InvoiceRequest.of("order-later", sat(100_000)));
      third.close();
      second.tick();

      chain.mine(1);
      chain.payAndMine(invoices.get(299).address(), sat(100_000));
      chain.payAndMine(later.address(), sat(100_000));

      for (int i = 0; i < invoices.size(); i++) {
        assertThat(store.findById(invoices.get(i).id()).orElseThrow().status()).as("invoice %d", i)
            .isEqualTo(i % 3 == 0 || i == 299 ? InvoiceStatus.PAID : InvoiceStatus.NEW);
      }
      assertThat(store.findById(later.id()).orElseThrow().status()).as("created after the first tick")
          .isEqualTo(InvoiceStatus.PAID);
    } finally {
      second.close();
    }
  }

  @Test
  void listsInvoicesByStatus() {
    Invoice a = create("order-1", 100_000);
    Invoice b = create("order-2", 100_000);
    chain.payAndMine(b.address(), sat(100_000));
    assertThat(engine.listByStatus(InvoiceStatus.NEW, 10)).containsExactly(reload(a));
    assertThat(engine.listByStatus(InvoiceStatus.PAID, 10)).containsExactly(reload(b));
  }

  @Test
  void closesPromptly() {
    long start = System.nanoTime();
    engine.close();
    engine.close();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(InvoiceEngine.DEFAULT_CLOSE_TIMEOUT);
  }
}
