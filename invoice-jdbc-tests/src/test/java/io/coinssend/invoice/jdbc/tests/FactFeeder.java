package io.coinssend.invoice.jdbc.tests;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.coinssend.invoice.Invoice;
import io.coinssend.invoice.InvoiceEngine;
import io.coinssend.invoice.Money;
import io.coinssend.invoice.jdbc.JdbcInvoiceStore;
import io.coinssend.invoice.spi.ChainFact;
import io.coinssend.invoice.spi.InvoiceQuery;
import io.coinssend.invoice.spi.PaymentSeen;
import io.coinssend.invoice.testkit.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * An engine in its own JVM applying chain facts in a loop until it is killed, for {@link KillDashNineIT}: each round
 * reports one new 1-satoshi payment to every invoice (one report, so one transaction of batched updates) and then
 * prints {@code ROUND n}, which means the round is durable. Arguments: JDBC URL, first round number. It stops by
 * itself after 2 minutes or 100,000 rounds.
 */
public final class FactFeeder {

  private FactFeeder() {}

  public static void main(String[] args) {
    String url = args[0];
    int first = Integer.parseInt(args[1]);
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setMaximumPoolSize(2);
    ScriptedWatcher watcher = new ScriptedWatcher();
    try (HikariDataSource pool = new HikariDataSource(config);
        InvoiceEngine engine = InvoiceEngine.builder()
            .store(JdbcInvoiceStore.builder(pool).build())
            .watcher(watcher)
            .clock(ManualClock.at(KillDashNineIT.T0.plusSeconds(60)))
            .tickInterval(Duration.ZERO)
            .build()
            .start()) {
      List<Invoice> invoices = engine.store().listAll(InvoiceQuery.all());
      long stopAt = System.nanoTime() + Duration.ofMinutes(2).toNanos();
      for (int round = first; round < first + 100_000 && System.nanoTime() < stopAt; round++) {
        List<ChainFact> facts = new ArrayList<>();
        for (Invoice invoice : invoices) {
          facts.add(PaymentSeen.inMempool(invoice.address(), KillDashNineIT.ref(round, invoice),
              Money.ofUnits(ScriptedWatcher.BTC, 1), KillDashNineIT.T0.plusSeconds(60)));
        }
        watcher.report(facts);
        System.out.println("ROUND " + round);
        System.out.flush();
      }
    }
  }
}
