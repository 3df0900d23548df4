package io.coinssend.invoice.examples.snippets;

import static org.assertj.core.api.Assertions.assertThat;

import io.coinssend.invoice.Asset;
import io.coinssend.invoice.Event;
import io.coinssend.invoice.Invoice;
import io.coinssend.invoice.InvoiceEngine;
import io.coinssend.invoice.InvoiceRequest;
import io.coinssend.invoice.InvoiceStatus;
import io.coinssend.invoice.Money;
import io.coinssend.invoice.testkit.ManualClock;
import io.coinssend.invoice.testkit.SimulatedChain;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * How a merchant's unit test creates and pays an invoice with the testkit: a simulated chain, a manual clock, and
 * listeners called on the test's own thread.
 */
class PayAnInvoiceInAUnitTestExample {

  @Test
  void myOrderServiceShipsWhenTheInvoiceIsPaid() {
    ManualClock clock = ManualClock.startingAt2026();
    SimulatedChain chain = SimulatedChain.create(clock, Asset.BTC_REGTEST);
    List<String> shipped = new ArrayList<>();

    try (InvoiceEngine engine = InvoiceEngine.builder()
        .watcher(chain.newWatcher())
        .clock(clock)
        .executor(Runnable::run)          // listeners run before the chain call returns
        .tickInterval(Duration.ZERO)      // the test moves time with clock.advance + engine.tick()
        .listener("shipping", (Event event) -> {
          if (event.type().code().equals("invoice.paid")) {
            shipped.add(event.subjectId());
          }
        })
        .build()
        .start()) {

      Invoice invoice = engine.createInvoice(
          InvoiceRequest.of("order-42", Money.parse(Asset.BTC_REGTEST, "0.0015")));
      chain.pay(invoice.address(), invoice.amountDue());   // the customer pays: PENDING
      chain.mine(1);                                       // one confirmation: PAID

      assertThat(engine.getInvoice(invoice.id()).status()).isEqualTo(InvoiceStatus.PAID);
      assertThat(shipped).containsExactly(invoice.id().value());

      Invoice unpaid = engine.createInvoice(InvoiceRequest.of("order-43", Money.parse(Asset.BTC_REGTEST, "1")));
      clock.advance(Duration.ofMinutes(16));
      engine.tick();
      assertThat(engine.getInvoice(unpaid.id()).status()).isEqualTo(InvoiceStatus.EXPIRED);
    }
  }
}
