package io.coinssend.invoice.examples.console;

import io.coinssend.invoice.Asset;
import io.coinssend.invoice.Event;
import io.coinssend.invoice.Invoice;
import io.coinssend.invoice.InvoiceEngine;
import io.coinssend.invoice.InvoiceEvent;
import io.coinssend.invoice.InvoiceRequest;
import io.coinssend.invoice.Money;
import io.coinssend.invoice.testkit.ManualClock;
import io.coinssend.invoice.testkit.SimulatedChain;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;

/**
 * Runs the engine on a simulated chain: creates five invoices, pays them in different ways, moves the clock, and
 * prints every event the engine records. A real run of the engine (the in-memory store, the simulated chain's
 * watcher, a manual clock so the 15-minute expiry passes in an instant).
 */
public final class ConsoleDemo {

  private final PrintStream out;
  private final ManualClock clock = ManualClock.at(Instant.parse("2026-11-24T12:00:00Z"));
  private final SimulatedChain chain = SimulatedChain.create(clock, Asset.BTC_REGTEST);

  ConsoleDemo(PrintStream out) {
    this.out = out;
  }

  public static void main(String[] args) {
    new ConsoleDemo(System.out).run();
  }

  void run() {
    try (InvoiceEngine engine = InvoiceEngine.builder()
        .watcher(chain.newWatcher())
        .clock(clock)
        .executor(Runnable::run)
        .tickInterval(Duration.ZERO)
        .listener("console", this::print)
        .build()
        .start()) {
      out.println("CoinsSend invoice engine on a simulated bitcoin regtest chain");
      out.println();

      Invoice exact = create(engine, "order-1001", "0.0015");
      Invoice partial = create(engine, "order-1002", "0.002");
      Invoice over = create(engine, "order-1003", "0.001");
      Invoice unpaid = create(engine, "order-1004", "0.0005");
      Invoice late = create(engine, "order-1005", "0.0007");

      step("The customer of order-1001 pays exactly; a block confirms it");
      chain.pay(exact.address(), Money.parse(Asset.BTC_REGTEST, "0.0015"));
      chain.mine(1);

      step("The customer of order-1002 pays 0.0012 of 0.002, then tops up 0.0008");
      chain.payAndMine(partial.address(), Money.parse(Asset.BTC_REGTEST, "0.0012"));
      chain.payAndMine(partial.address(), Money.parse(Asset.BTC_REGTEST, "0.0008"));

      step("The customer of order-1003 pays 0.0013 for 0.001");
      chain.payAndMine(over.address(), Money.parse(Asset.BTC_REGTEST, "0.0013"));

      step("16 minutes pass: order-1004 and order-1005 were not paid in time");
      clock.advance(Duration.ofMinutes(16));
      engine.tick();

      step("The customer of order-1005 pays after the expiry; the merchant accepts it");
      chain.payAndMine(late.address(), Money.parse(Asset.BTC_REGTEST, "0.0007"));
      engine.markPaid(late.id(), "merchant", "accepted late payment");

      step("Final statuses");
      for (Invoice invoice : new Invoice[] {exact, partial, over, unpaid, late}) {
        Invoice now = engine.getInvoice(invoice.id());
        out.printf("  %-10s %-15s %-24s received %s of %s%s%n", now.orderId(), now.status(), now.reason(),
            now.received().toPlainString(), now.amountDue(),
            now.lateAmount().isZero() ? "" : ", late " + now.lateAmount().toPlainString());
      }
    }
  }

  private Invoice create(InvoiceEngine engine, String order, String amount) {
    return engine.createInvoice(InvoiceRequest.of(order, Money.parse(Asset.BTC_REGTEST, amount))
        .withLabel("Demo shop").withMessage(order));
  }

  private void step(String text) {
    out.println();
    out.println("== " + text);
  }

  private void print(Event event) {
    Invoice invoice = ((InvoiceEvent) event).invoice();
    String line = String.format("  #%-3d %-26s %-10s %-15s received %-8s", event.sequence(), event.type().code(),
        invoice.orderId(), invoice.status(), invoice.received().toPlainString());
    if (event.type().code().equals("invoice.created")) {
      line += " pay " + invoice.paymentDetails().paymentUri();
    }
    out.println(line);
  }
}
