package io.coinssend.invoice.bitcoin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.coinssend.invoice.Asset;
import io.coinssend.invoice.Event;
import io.coinssend.invoice.EventType;
import io.coinssend.invoice.Invoice;
import io.coinssend.invoice.InvoiceEngine;
import io.coinssend.invoice.InvoiceId;
import io.coinssend.invoice.InvoiceRequest;
import io.coinssend.invoice.InvoiceStatus;
import io.coinssend.invoice.Money;
import io.coinssend.invoice.StatusChange;
import io.coinssend.invoice.StatusReason;
import io.coinssend.invoice.bitcoin.harness.Fault;
import io.coinssend.invoice.memory.InMemoryInvoiceStore;
import io.coinssend.invoice.testkit.ManualClock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * An {@link InvoiceEngine} with the bitcoin watcher over each backend, driven through all seven statuses by real
 * regtest transactions: NEW, PENDING (seen in the mempool), PAID (one confirmation), PARTIALLY_PAID, OVERPAID,
 * EXPIRED, and BLOCKED (a late payment, and a paid invoice whose payment a reorganisation double-spent); an RBF
 * replacement takes a PENDING invoice back to NEW, and backend failures on the way change nothing.
 */
class EndToEndTest {

  private static final Asset BTC = Asset.BTC_REGTEST;

  @ParameterizedTest
  @EnumSource(Backend.class)
  void invoicesGoThroughAllSevenStatuses(Backend backend) {
    ManualClock clock = ManualClock.startingAt2026();
    List<Event> events = new CopyOnWriteArrayList<>();
    try (Fixture f = new Fixture(backend, clock)) {
      InvoiceEngine engine = InvoiceEngine.builder()
          .store(new InMemoryInvoiceStore())
          .watcher(f.newWatcher(b -> b))
          .clock(clock)
          .executor(Runnable::run)
          .tickInterval(Duration.ZERO)
          .listener("recorder", events::add)
          .build()
          .start();
      try {
        // NEW
        Invoice paid = engine.createInvoice(InvoiceRequest.of("order-paid", Money.parse(BTC, "0.001"))
            .withLabel("Shop").withMessage("Order paid"));
        assertThat(paid.status()).isEqualTo(InvoiceStatus.NEW);
        assertThat(paid.address()).as("BIP84 vpub 0/0 on regtest").isEqualTo(
            "bcrt1q6rz28mcfaxtmd6v789l9rrlrusdprr9pz3cppk");
        assertThat(paid.paymentUri()).isEqualTo(
            "bitcoin:bcrt1q6rz28mcfaxtmd6v789l9rrlrusdprr9pz3cppk?amount=0.001&label=Shop&message=Order%20paid");

        // PENDING: the full amount seen unconfirmed; PAID: one confirmation
        String paidTx = f.chain.pay(paid.address(), Money.parse(BTC, "0.001"));
        awaitStatus(engine, paid.id(), InvoiceStatus.PENDING);
        f.chain.mine(1);
        awaitStatus(engine, paid.id(), InvoiceStatus.PAID);
        assertThat(engine.getInvoice(paid.id()).reason()).isEqualTo(StatusReason.PAID_IN_FULL);

        // A failing backend (three failed requests, one of each kind) is retried; the engine carries on.
        f.server.inject(Fault.HTTP_500, 1);
        f.server.inject(Fault.MALFORMED_JSON, 1);
        f.server.inject(Fault.DROP_CONNECTION, 1);

        // An RBF replacement paying someone else takes a PENDING invoice back to NEW.
        Invoice replaced = engine.createInvoice(InvoiceRequest.of("order-replaced", Money.parse(BTC, "0.001")));
        String replacedTx = f.chain.pay(replaced.address(), Money.parse(BTC, "0.001"));
        awaitStatus(engine, replaced.id(), InvoiceStatus.PENDING);
        f.chain.replace(replacedTx);
        awaitStatus(engine, replaced.id(), InvoiceStatus.NEW);

        // PARTIALLY_PAID, and OVERPAID once settled
        Invoice partial = engine.createInvoice(InvoiceRequest.of("order-partial", Money.parse(BTC, "0.002")));
        f.chain.pay(partial.address(), Money.parse(BTC, "0.0005"));
        awaitStatus(engine, partial.id(), InvoiceStatus.PARTIALLY_PAID);
        Invoice over = engine.createInvoice(InvoiceRequest.of("order-over", Money.parse(BTC, "0.001")));
        f.chain.pay(over.address(), Money.parse(BTC, "0.0015"));
        f.chain.mine(1);
        awaitStatus(engine, over.id(), InvoiceStatus.OVERPAID);
        assertThat(engine.getInvoice(over.id()).surplus()).isEqualTo(Money.parse(BTC, "0.0005"));

        // EXPIRED: nothing paid in 15 minutes; then BLOCKED by a late payment
        Invoice late = engine.createInvoice(InvoiceRequest.of("order-late", Money.parse(BTC, "0.001")));
        clock.advance(Duration.ofMinutes(16));
        engine.tick();
        assertThat(engine.getInvoice(late.id()).status()).isEqualTo(InvoiceStatus.EXPIRED);
        assertThat(engine.getInvoice(partial.id()).reason()).isEqualTo(StatusReason.UNDERPAID_EXPIRED);
        f.chain.pay(late.address(), Money.parse(BTC, "0.001"));
        awaitStatus(engine, late.id(), InvoiceStatus.BLOCKED);
        assertThat(engine.getInvoice(late.id()).reason()).isEqualTo(StatusReason.LATE_PAYMENT);

        // BLOCKED: the PAID invoice's payment is double-spent by a reorganisation
        f.chain.mine(1);
        f.chain.reorgDropping(3, paidTx);
        awaitStatus(engine, paid.id(), InvoiceStatus.BLOCKED);
        assertThat(engine.getInvoice(paid.id()).reason()).isEqualTo(StatusReason.PAYMENT_REVERSED);
        awaitStatus(engine, over.id(), InvoiceStatus.OVERPAID);

        assertThat(f.server.faultsPlayed()).isEqualTo(3);
        Set<InvoiceStatus> reached = engine.store().listAll(io.coinssend.invoice.spi.InvoiceQuery.all()).stream()
            .flatMap(i -> i.timeline().stream()).map(StatusChange::status)
            .collect(Collectors.toCollection(() -> EnumSet.noneOf(InvoiceStatus.class)));
        assertThat(reached).containsExactlyInAnyOrder(InvoiceStatus.values());
        await().atMost(Fixture.WAIT).untilAsserted(() -> assertThat(events.stream().map(Event::type))
            .contains(EventType.INVOICE_CREATED, EventType.INVOICE_PAYMENT_DETECTED,
                EventType.INVOICE_PAYMENT_CONFIRMED, EventType.INVOICE_PAYMENT_REVERSED,
                EventType.INVOICE_LATE_PAYMENT, EventType.INVOICE_PENDING, EventType.INVOICE_PAID,
                EventType.INVOICE_PARTIALLY_PAID, EventType.INVOICE_OVERPAID, EventType.INVOICE_EXPIRED,
                EventType.INVOICE_BLOCKED));
      } finally {
        engine.close();
      }
    }
  }

  private static void awaitStatus(InvoiceEngine engine, InvoiceId id, InvoiceStatus status) {
    try {
      await(id + " " + status).atMost(Fixture.WAIT).pollInterval(Duration.ofMillis(20))
          .until(() -> engine.getInvoice(id).status() == status);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      Invoice invoice = engine.getInvoice(id);
      throw new AssertionError("expected " + status + " but was " + invoice + invoice.payments() + " tip "
          + engine.chainTip(Asset.BTC_REGTEST.chainKey()), e);
    }
  }
}
