package io.coinssend.invoice.jdbc.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.coinssend.invoice.EventType;
import io.coinssend.invoice.Invoice;
import io.coinssend.invoice.InvoiceStatus;
import io.coinssend.invoice.StatusReason;
import io.coinssend.invoice.jdbc.JdbcInvoiceStore;
import io.coinssend.invoice.jdbc.PostgresPlans;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The store contract and the JDBC checks on the PostgreSQL server at 127.0.0.1:5432, in a fresh schema per test. */
class JdbcInvoiceStorePostgresIT extends JdbcStoreContract {

  @Override
  protected TestDatabase openDatabase() {
    return TestDatabase.postgres();
  }

  /**
   * Locking several invoices by id for a group of updates and reading several by address look up a list of rows.
   * Where autovacuum does not run for the invoice table (the CI server has it off; here the table's storage parameter
   * turns it off on any server), a plan the server kept from when the table was nearly empty would read the whole
   * table each time (89 ms to lock two of 100,000 invoices), so by default those statements are not prepared on the
   * server and are planned at each execution. With CACHED they are prepared (pgjdbc does so at the fifth execution on
   * a connection), and the server may keep a plan for them.
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(PostgresPlans.class)
  void withoutAutovacuumTheLookupsOfSeveralInvoicesArePlannedAtEachExecution(PostgresPlans plans)
      throws SQLException {
    try (Connection connection = db.connect(); Statement statement = connection.createStatement()) {
      statement.execute("ALTER TABLE coinssend_invoice SET (autovacuum_enabled = false)");
    }
    DataSource one = db.pool(1);
    JdbcInvoiceStore onOne = JdbcInvoiceStore.builder(one).retryDelay(Duration.ZERO).postgresPlans(plans).build();
    assertThat(onOne.postgresPlans()).isEqualTo(plans);
    for (int i = 0; i < 12; i++) {
      Invoice first = newInvoice(1000 + i);
      Invoice second = newInvoice(2000 + i);
      onOne.insert(first, created(first));
      onOne.insert(second, created(second));
      assertThat(onOne.findByAddresses(List.of(first.address(), second.address()))).hasSize(2);
      assertThat(onOne.updateAll(List.of(
          updateTo(first, InvoiceStatus.EXPIRED, StatusReason.NOT_PAID_IN_TIME, EventType.INVOICE_EXPIRED),
          updateTo(second, InvoiceStatus.EXPIRED, StatusReason.NOT_PAID_IN_TIME, EventType.INVOICE_EXPIRED))))
          .isEmpty();
    }

    List<String> prepared = new ArrayList<>();
    try (Connection connection = one.getConnection();
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("SELECT statement FROM pg_prepared_statements")) {
      while (rows.next()) {
        String sql = rows.getString(1);
        if (sql.contains("WHERE address IN ($1, $2)")) {
          prepared.add("by address");
        } else if (sql.contains("WHERE id IN ($1, $2) ORDER BY id FOR UPDATE")) {
          prepared.add("lock");
        }
      }
    }
    if (plans == PostgresPlans.CACHED) {
      assertThat(prepared).as("prepared on the server, with plans it may keep")
          .containsExactlyInAnyOrder("by address", "lock");
    } else {
      assertThat(prepared).as("never prepared on the server: planned at each execution").isEmpty();
    }
  }
}
