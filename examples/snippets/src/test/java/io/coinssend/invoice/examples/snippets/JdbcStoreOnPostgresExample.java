package io.coinssend.invoice.examples.snippets;

import static org.assertj.core.api.Assertions.assertThat;

import io.coinssend.invoice.Asset;
import io.coinssend.invoice.Invoice;
import io.coinssend.invoice.InvoiceEngine;
import io.coinssend.invoice.InvoiceRequest;
import io.coinssend.invoice.InvoiceStatus;
import io.coinssend.invoice.Money;
import io.coinssend.invoice.jdbc.JdbcInvoiceStore;
import io.coinssend.invoice.testkit.ExternalServices;
import io.coinssend.invoice.testkit.SimulatedChain;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Wiring the durable JDBC store on PostgreSQL: the host's DataSource (a pool in production), the tables created
 * on first start (or by your migration tool from the shipped DDL), and invoices that survive an engine restart.
 */
class JdbcStoreOnPostgresExample {

  @Test
  void invoicesLiveInTheShopsOwnPostgresDatabase() throws Exception {
    ExternalServices.require(ExternalServices.answers("127.0.0.1", 5432),
        "PostgreSQL is not answering on 127.0.0.1:5432 (start it with .ci/setup/10-databases.sh)");
    PGSimpleDataSource dataSource = new PGSimpleDataSource();  // in production: HikariCP or your app's pool
    dataSource.setUrl("jdbc:postgresql://127.0.0.1:5432/test");
    dataSource.setUser("postgres");
    String prefix = "example" + ThreadLocalRandom.current().nextInt(1_000_000) + "_";

    JdbcInvoiceStore store = JdbcInvoiceStore.builder(dataSource)
        .tablePrefix(prefix)                 // default coinssend_
        .createTablesIfMissing(true)         // or run io/coinssend/invoice/jdbc/postgresql.sql yourself
        .build();
    SimulatedChain chain = SimulatedChain.create(Clock.systemUTC(), Asset.BTC_REGTEST);
    try {
      Invoice invoice;
      try (InvoiceEngine engine = InvoiceEngine.builder().store(store).watcher(chain.newWatcher()).build().start()) {
        invoice = engine.createInvoice(InvoiceRequest.of("order-1", Money.parse(Asset.BTC_REGTEST, "0.002")));
      }
      chain.payAndMine(invoice.address(), invoice.amountDue());   // paid while no engine was running

      try (InvoiceEngine restarted = InvoiceEngine.builder().store(store).watcher(chain.newWatcher()).build()
          .start()) {
        assertThat(restarted.getInvoice(invoice.id()).status()).isEqualTo(InvoiceStatus.PAID);
        assertThat(store.readEvents(0, 100)).extracting(e -> e.type().code())
            .containsExactly("invoice.created", "invoice.payment_detected", "invoice.payment_confirmed",
                "invoice.paid");
      }
    } finally {
      try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
        for (String table : new String[] {"invoice", "event", "counter", "derivation_index", "chain_tip",
            "chain_cursor", "consumer", "deposit_address", "deposit", "lease"}) {
          statement.execute("DROP TABLE IF EXISTS " + prefix + table);
        }
      }
    }
  }
}
