package io.coinssend.invoice.evm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.coinssend.invoice.Asset;
import io.coinssend.invoice.BlockRef;
import io.coinssend.invoice.Event;
import io.coinssend.invoice.EventType;
import io.coinssend.invoice.Invoice;
import io.coinssend.invoice.InvoiceEngine;
import io.coinssend.invoice.InvoiceRequest;
import io.coinssend.invoice.InvoiceStatus;
import io.coinssend.invoice.Money;
import io.coinssend.invoice.Payment;
import io.coinssend.invoice.PaymentRef;
import io.coinssend.invoice.StatusReason;
import io.coinssend.invoice.memory.InMemoryInvoiceStore;
import io.coinssend.invoice.spi.InvoiceStore;
import io.coinssend.invoice.testkit.ManualClock;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The invoice engine with an {@link EvmWatcher} on a real anvil node and a real ERC-20 contract: ETH and token
 * invoices paid exactly, under, over, topped up and late; unexpected assets; a reverted payment; reorganisations that
 * move or drop a payment; a restart from the stored cursor; settlement at the {@code finalized} tag. Every one of the
 * seven statuses is reached. Expected statuses follow the status table of DESIGN.md.
 */
class EvmInvoiceEngineIT {

  private static AnvilNode node;
  private static Asset token;
  private static Asset unknownToken;

  private final List<InvoiceEngine> engines = new ArrayList<>();
  private final List<Event> events = Collections.synchronizedList(new ArrayList<>());
  private ManualClock clock;
  private InvoiceStore store;

  @BeforeAll
  static void startAnvil() {
    node = AnvilNode.startIfInstalled().orElse(null);
    if (node == null) {
      return;
    }
    token = AnvilContractSupport.deployToken(node, "TTA", 6);
    unknownToken = AnvilContractSupport.deployToken(node, "TTX", 18);
  }

  @BeforeEach
  void requireAnvil() {
    AnvilNode.require(node);
  }

  @AfterAll
  static void stopAnvil() {
    if (node != null) {
      node.close();
    }
  }

  @AfterEach
  void closeEngines() {
    engines.forEach(InvoiceEngine::close);
  }

  /**
   * An engine on a fresh store whose watcher starts after the blocks of earlier tests (addresses repeat across
   * tests: each store allocates from index 0), with one empty block scanned before any payment.
   */
  private InvoiceEngine startEngine(ConfirmationTag tag) {
    clock = ManualClock.at(node.latestBlockTime());
    store = new InMemoryInvoiceStore();
    EvmWatcher watcher = AnvilContractSupport.watcher(node.endpoint(), AnvilContractSupport.ETH, token)
        .confirmationTag(tag)
        .startHeight(node.blockNumber() + 1)
        .build();
    InvoiceEngine engine = startEngine(watcher);
    node.mine(1);
    long height = node.blockNumber();
    await("the watcher at block " + height).atMost(Duration.ofSeconds(30))
        .until(() -> tag == ConfirmationTag.FINALIZED || engine.chainTip(watcher.chain())
            .map(t -> t.height() >= height).orElse(false));
    return engine;
  }

  private InvoiceEngine startEngine(EvmWatcher watcher) {
    InvoiceEngine engine = InvoiceEngine.builder()
        .store(store)
        .watcher(watcher)
        .clock(clock)
        .tickInterval(Duration.ZERO)
        .executor(Runnable::run)
        .listener("recorder", events::add)
        .build()
        .start();
    engines.add(engine);
    return engine;
  }

  private static Invoice create(InvoiceEngine engine, String orderId, Money amount) {
    return engine.createInvoice(InvoiceRequest.of(orderId, amount));
  }

  private static Invoice awaitStatus(InvoiceEngine engine, Invoice invoice, InvoiceStatus status,
      StatusReason reason) {
    await(invoice.orderId() + " " + status + "/" + reason).atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> engine.getInvoice(invoice.id()), i -> i.status() == status && i.reason() == reason);
    return engine.getInvoice(invoice.id());
  }

  /** Waits until the engine counts confirmations against the node's latest block. */
  private static void awaitTipAtLatest(InvoiceEngine engine) {
    long height = node.blockNumber();
    await("engine tip at " + height).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
        .until(() -> engine.chainTip(EvmChain.ANVIL.chainKey()).map(BlockRef::height).orElse(-1L) >= height);
  }

  private List<EventType> eventTypes(Invoice invoice) {
    synchronized (events) {
      return events.stream().filter(e -> e.subjectId().equals(invoice.id().toString())).map(Event::type).toList();
    }
  }

  private Money tokens(String amount) {
    return Money.parse(token, amount);
  }

  // ---------------------------------------------------------------------------------------------------------------

  @Test
  void exactEthPaymentIsPendingUntilTwelveConfirmationsThenPaid() {
    InvoiceEngine engine = startEngine(ConfirmationTag.LATEST);
    Invoice invoice = create(engine, "eth-exact", Money.parse(AnvilContractSupport.ETH, "0.5"));
    assertThat(invoice.status()).isEqualTo(InvoiceStatus.NEW);
    assertThat(invoice.paymentUri()).isEqualTo("ethereum:" + invoice.address() + "@31337?value=500000000000000000");

    String tx = node.sendEth(invoice.address(), new BigInteger("500000000000000000"));
    node.mine(1);
    Invoice pending = awaitStatus(engine, invoice, InvoiceStatus.PENDING, StatusReason.AWAITING_CONFIRMATIONS);
    assertThat(pending.payments()).singleElement().satisfies(p -> {
      assertThat(p.ref()).isEqualTo(PaymentRef.of(tx, -1));
      assertThat(p.amount()).isEqualTo(Money.parse(AnvilContractSupport.ETH, "0.5"));
    });

    node.mine(10); // 11 confirmations
    awaitTipAtLatest(engine);
    assertThat(engine.getInvoice(invoice.id()).status()).as("11 of 12 confirmations").isEqualTo(InvoiceStatus.PENDING);
    node.mine(1);
    Invoice paid = awaitStatus(engine, invoice, InvoiceStatus.PAID, StatusReason.PAID_IN_FULL);
    assertThat(paid.received()).isEqualTo(paid.amountDue());
    await().atMost(Duration.ofSeconds(10)).until(() -> eventTypes(invoice).contains(EventType.INVOICE_PAID));
    assertThat(eventTypes(invoice)).containsSubsequence(EventType.INVOICE_CREATED, EventType.INVOICE_PAYMENT_DETECTED,
        EventType.INVOICE_PENDING, EventType.INVOICE_PAYMENT_CONFIRMED, EventType.INVOICE_PAID);
  }

  @Test
  void tokenUnderpaymentIsPartiallyPaidAndATopUpPaysIt() {
    InvoiceEngine engine = startEngine(ConfirmationTag.LATEST);
    Invoice invoice = create(engine, "token-topup", tokens("25"));
    assertThat(invoice.paymentUri()).isEqualTo("ethereum:" + token.contract().orElseThrow() + "@31337/transfer?address="
        + invoice.address() + "&uint256=25000000");

    BigInteger balanceBefore = node.tokenBalance(token.contract().orElseThrow(), invoice.address());
    node.sendToken(token.contract().orElseThrow(), invoice.address(), BigInteger.valueOf(10_000_000));
    node.mine(1);
    Invoice partial = awaitStatus(engine, invoice, InvoiceStatus.PARTIALLY_PAID, StatusReason.UNDERPAID);
    assertThat(partial.received()).isEqualTo(tokens("10"));
    assertThat(partial.remaining()).isEqualTo(tokens("15"));

    node.sendToken(token.contract().orElseThrow(), invoice.address(), BigInteger.valueOf(15_000_000));
    node.mine(1);
    awaitStatus(engine, invoice, InvoiceStatus.PENDING, StatusReason.AWAITING_CONFIRMATIONS);
    node.mine(11);
    Invoice paid = awaitStatus(engine, invoice, InvoiceStatus.PAID, StatusReason.PAID_IN_FULL);
    assertThat(paid.payments()).hasSize(2);
    assertThat(paid.received()).isEqualTo(tokens("25"));
    assertThat(node.tokenBalance(token.contract().orElseThrow(), invoice.address()).subtract(balanceBefore))
        .as("what the chain says the address received").isEqualTo(BigInteger.valueOf(25_000_000));
  }

  @Test
  void tokenOverpaymentIsOverpaidWithTheSurplusReported() {
    InvoiceEngine engine = startEngine(ConfirmationTag.LATEST);
    Invoice invoice = create(engine, "token-over", tokens("25"));
    node.sendToken(token.contract().orElseThrow(), invoice.address(), BigInteger.valueOf(30_500_000));
    node.mine(12);
    Invoice over = awaitStatus(engine, invoice, InvoiceStatus.OVERPAID, StatusReason.PAID_OVER);
    assertThat(over.surplus()).isEqualTo(tokens("5.5"));
  }

  @Test
  void twoTransferLogsInOneTransactionAreTwoPayments() {
    InvoiceEngine engine = startEngine(ConfirmationTag.LATEST);
    Invoice invoice = create(engine, "token-two-logs", tokens("25"));
    String tx = node.sendTokenMany(token.contract().orElseThrow(), List.of(invoice.address(), invoice.address()),
        List.of(BigInteger.valueOf(10_000_000), BigInteger.valueOf(15_000_000)));
    node.mine(12);
    Invoice paid = awaitStatus(engine, invoice, InvoiceStatus.PAID, StatusReason.PAID_IN_FULL);
    assertThat(paid.payments()).extracting(p -> p.ref().txid()).containsOnly(tx);
    assertThat(paid.payments()).extracting(p -> p.ref().index()).doesNotHaveDuplicates().allMatch(i -> i >= 0);
  }

  @Test
  void unpaidInvoiceExpiresAndALatePaymentBlocksIt() {
    InvoiceEngine engine = startEngine(ConfirmationTag.LATEST);
    Invoice invoice = create(engine, "eth-late", Money.parse(AnvilContractSupport.ETH, "0.01"));
    clock.advance(Duration.ofMinutes(16));
    engine.tick();
    assertThat(engine.getInvoice(invoice.id()).status()).isEqualTo(InvoiceStatus.EXPIRED);
    assertThat(engine.getInvoice(invoice.id()).reason()).isEqualTo(StatusReason.NOT_PAID_IN_TIME);

    // The payment's block is stamped after the expiry: it is late.
    node.setNextBlockTime(invoice.expiresAt().plusSeconds(60));
    node.sendEth(invoice.address(), new BigInteger("10000000000000000"));
    node.mine(1);
    Invoice blocked = awaitStatus(engine, invoice, InvoiceStatus.BLOCKED, StatusReason.LATE_PAYMENT);
    assertThat(blocked.payments()).singleElement().satisfies(p -> assertThat(p.onTime()).isFalse());
  }

  @Test
  void underpaidInvoiceWaitsForTheMerchantAfterExpiry() {
    InvoiceEngine engine = startEngine(ConfirmationTag.LATEST);
    Invoice invoice = create(engine, "token-under-expired", tokens("25"));
    node.sendToken(token.contract().orElseThrow(), invoice.address(), BigInteger.valueOf(1_000_000));
    node.mine(1);
    awaitStatus(engine, invoice, InvoiceStatus.PARTIALLY_PAID, StatusReason.UNDERPAID);
    clock.advance(Duration.ofMinutes(16));
    engine.tick();
    assertThat(engine.getInvoice(invoice.id()).reason()).isEqualTo(StatusReason.UNDERPAID_EXPIRED);
  }

  @Test
  void aTransferOfAnotherAssetBlocksTheInvoice() {
    InvoiceEngine engine = startEngine(ConfirmationTag.LATEST);
    Invoice ethInvoice = create(engine, "eth-gets-token", Money.parse(AnvilContractSupport.ETH, "0.01"));
    Invoice tokenInvoice = create(engine, "token-gets-eth", tokens("25"));
    // An ERC-20 the watcher does not serve (18 decimals, read from the contract), and ETH to a token invoice.
    node.sendToken(unknownToken.contract().orElseThrow(), ethInvoice.address(), new BigInteger("1500000000000000000"));
    node.sendEth(tokenInvoice.address(), BigInteger.valueOf(1_000_000_000L));
    node.mine(1);
    Invoice first = awaitStatus(engine, ethInvoice, InvoiceStatus.BLOCKED, StatusReason.UNEXPECTED_ASSET);
    Payment odd = first.payments().get(0);
    assertThat(odd.amount().asset().contract()).contains(unknownToken.contract().orElseThrow());
    assertThat(odd.amount().asset().code()).isEqualTo(EvmWatcher.UNKNOWN_TOKEN_CODE);
    assertThat(odd.amount().toPlainString()).isEqualTo("1.5");
    Invoice second = awaitStatus(engine, tokenInvoice, InvoiceStatus.BLOCKED, StatusReason.UNEXPECTED_ASSET);
    assertThat(second.payments().get(0).amount()).isEqualTo(Money.ofUnits(AnvilContractSupport.ETH, 1_000_000_000L));
  }

  @Test
  void aRevertedTransactionPaysNothing() {
    InvoiceEngine engine = startEngine(ConfirmationTag.LATEST);
    Invoice invoice = create(engine, "eth-reverted", Money.parse(AnvilContractSupport.ETH, "0.01"));
    // Code that always reverts (PUSH1 0, PUSH1 0, REVERT) at the invoice's address makes a transfer to it fail.
    node.call("anvil_setCode", invoice.address(), "0x60006000fd");
    String reverted = node.send(AnvilNode.PAYER, invoice.address(), new BigInteger("10000000000000000"), null,
        Optional.of(100_000L));
    node.mine(1);
    assertThat(node.receipt(reverted).get("status").asText()).isEqualTo("0x0");
    awaitTipAtLatest(engine);
    assertThat(engine.getInvoice(invoice.id()).payments()).isEmpty();
    assertThat(engine.getInvoice(invoice.id()).status()).isEqualTo(InvoiceStatus.NEW);

    node.call("anvil_setCode", invoice.address(), "0x");
    String paid = node.sendEth(invoice.address(), new BigInteger("10000000000000000"));
    node.mine(1);
    Invoice pending = awaitStatus(engine, invoice, InvoiceStatus.PENDING, StatusReason.AWAITING_CONFIRMATIONS);
    assertThat(pending.payments()).extracting(p -> p.ref().txid()).containsExactly(paid);
  }

  @Test
  void aReorganisationMovesAPendingPaymentToItsNewBlock() {
    InvoiceEngine engine = startEngine(ConfirmationTag.LATEST);
    Invoice invoice = create(engine, "eth-moved", Money.parse(AnvilContractSupport.ETH, "0.01"));
    node.sendEth(invoice.address(), new BigInteger("10000000000000000"));
    node.mine(1);
    Invoice pending = awaitStatus(engine, invoice, InvoiceStatus.PENDING, StatusReason.AWAITING_CONFIRMATIONS);
    String firstBlock = pending.payments().get(0).block().orElseThrow().hash();

    node.reorg(1, Optional.empty());
    await("payment moved").atMost(Duration.ofSeconds(30)).until(() -> engine.getInvoice(invoice.id()).payments().get(0)
        .block().map(b -> !b.hash().equals(firstBlock)).orElse(false));
    assertThat(engine.getInvoice(invoice.id()).status()).isEqualTo(InvoiceStatus.PENDING);
    node.mine(11);
    awaitStatus(engine, invoice, InvoiceStatus.PAID, StatusReason.PAID_IN_FULL);
  }

  @Test
  void aSettledPaymentDroppedByADeepReorganisationBlocksTheInvoice() {
    InvoiceEngine engine = startEngine(ConfirmationTag.LATEST);
    Invoice invoice = create(engine, "eth-reversed", Money.parse(AnvilContractSupport.ETH, "0.01"));
    String tx = node.sendEth(invoice.address(), new BigInteger("10000000000000000"));
    node.mine(12);
    awaitStatus(engine, invoice, InvoiceStatus.PAID, StatusReason.PAID_IN_FULL);

    node.reorg(12, Optional.of(tx));
    Invoice blocked = awaitStatus(engine, invoice, InvoiceStatus.BLOCKED, StatusReason.PAYMENT_REVERSED);
    assertThat(blocked.payments()).singleElement().satisfies(p -> {
      assertThat(p.isReversed()).isTrue();
      assertThat(p.reversal().orElseThrow().confirmationsBefore()).isEqualTo(12);
    });
    await().atMost(Duration.ofSeconds(10))
        .until(() -> eventTypes(invoice).contains(EventType.INVOICE_PAYMENT_REVERSED));
  }

  @Test
  void aRestartResumesFromTheCursorWithoutMissingOrDoubleCounting() {
    InvoiceEngine first = startEngine(ConfirmationTag.LATEST);
    Invoice invoice = create(first, "token-restart", tokens("25"));
    node.sendToken(token.contract().orElseThrow(), invoice.address(), BigInteger.valueOf(10_000_000));
    node.mine(1);
    awaitStatus(first, invoice, InvoiceStatus.PARTIALLY_PAID, StatusReason.UNDERPAID);
    first.close();

    // Paid while the engine is down.
    node.sendToken(token.contract().orElseThrow(), invoice.address(), BigInteger.valueOf(15_000_000));
    node.mine(3);

    EvmWatcher watcher = AnvilContractSupport.watcher(node.endpoint(), AnvilContractSupport.ETH, token).build();
    InvoiceEngine second = startEngine(watcher);
    awaitStatus(second, invoice, InvoiceStatus.PENDING, StatusReason.AWAITING_CONFIRMATIONS);
    node.mine(9);
    Invoice paid = awaitStatus(second, invoice, InvoiceStatus.PAID, StatusReason.PAID_IN_FULL);
    assertThat(paid.payments()).hasSize(2);
    assertThat(paid.received()).isEqualTo(tokens("25"));
  }

  @Test
  void withTheFinalizedTagAPaymentSettlesOnlyOnceFinalized() {
    InvoiceEngine engine = startEngine(ConfirmationTag.FINALIZED);
    Invoice invoice = create(engine, "eth-finalized", Money.parse(AnvilContractSupport.ETH, "0.01"));
    assertThat(invoice.policy().confirmations()).isEqualTo(1);
    node.sendEth(invoice.address(), new BigInteger("10000000000000000"));
    node.mine(1);
    Invoice pending = awaitStatus(engine, invoice, InvoiceStatus.PENDING, StatusReason.AWAITING_CONFIRMATIONS);
    long paymentHeight = pending.payments().get(0).block().orElseThrow().height();

    // anvil finalizes the block 64 below the latest.
    node.mine(63);
    Predicate<BlockRef> justBelow = t -> t.height() == paymentHeight - 1;
    await("finalized tip just below the payment").atMost(Duration.ofSeconds(30))
        .until(() -> engine.chainTip(EvmChain.ANVIL.chainKey()).map(justBelow::test).orElse(false));
    assertThat(engine.getInvoice(invoice.id()).status()).isEqualTo(InvoiceStatus.PENDING);
    node.mine(1);
    awaitStatus(engine, invoice, InvoiceStatus.PAID, StatusReason.PAID_IN_FULL);
    assertThat(engine.chainTip(EvmChain.ANVIL.chainKey()).orElseThrow().height()).isEqualTo(paymentHeight);
  }

  @Test
  void theClockOfTheTestFollowsTheChain() {
    // Guards the late-payment test's premise: payments are judged on time by their block's timestamp.
    InvoiceEngine engine = startEngine(ConfirmationTag.LATEST);
    Invoice invoice = create(engine, "eth-on-time", Money.parse(AnvilContractSupport.ETH, "0.01"));
    node.sendEth(invoice.address(), new BigInteger("10000000000000000"));
    node.mine(1);
    Invoice pending = awaitStatus(engine, invoice, InvoiceStatus.PENDING, StatusReason.AWAITING_CONFIRMATIONS);
    Instant seen = pending.payments().get(0).firstSeenAt();
    assertThat(seen).isBefore(invoice.expiresAt());
    assertThat(pending.payments().get(0).onTime()).isTrue();
  }
}
