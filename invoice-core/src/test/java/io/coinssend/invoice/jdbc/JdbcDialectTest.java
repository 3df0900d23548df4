package io.coinssend.invoice.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class JdbcDialectTest {

  @Test
  void detectsTheDialectFromTheProductNamesDriversReport() {
    // The names DatabaseMetaData.getDatabaseProductName() returns in pgjdbc, MariaDB Connector/J, MySQL
    // Connector/J and H2.
    assertThat(JdbcDialect.fromProductName("PostgreSQL")).contains(JdbcDialect.POSTGRESQL);
    assertThat(JdbcDialect.fromProductName("MariaDB")).contains(JdbcDialect.MYSQL);
    assertThat(JdbcDialect.fromProductName("MySQL")).contains(JdbcDialect.MYSQL);
    assertThat(JdbcDialect.fromProductName("H2")).contains(JdbcDialect.H2);
    assertThat(JdbcDialect.fromProductName("Oracle")).isEmpty();
    assertThat(JdbcDialect.fromProductName("Microsoft SQL Server")).isEmpty();
  }

  @Test
  void shipsTheDdlOfEveryDialectAsAResource() {
    for (JdbcDialect dialect : JdbcDialect.values()) {
      assertThat(JdbcDialect.class.getClassLoader().getResource(dialect.ddlResource()))
          .as(dialect.ddlResource()).isNotNull();
      String ddl = dialect.ddl(JdbcInvoiceStore.DEFAULT_TABLE_PREFIX);
      for (String table : List.of("invoice", "event", "counter", "derivation_index", "chain_tip", "chain_cursor",
          "consumer", "deposit_address", "deposit", "lease")) {
        assertThat(ddl).as(dialect + " creates " + table)
            .contains("CREATE TABLE IF NOT EXISTS coinssend_" + table + " (");
      }
      assertThat(ddl.toUpperCase(Locale.ROOT)).as(dialect + ": amounts are never floating point")
          .doesNotContain("FLOAT").doesNotContain("DOUBLE").doesNotContain(" REAL");
    }
  }

  @Test
  void replacesTheTablePrefixEverywhere() {
    String ddl = JdbcDialect.POSTGRESQL.ddl("shop_");
    assertThat(ddl).doesNotContain("coinssend_")
        .contains("CREATE TABLE IF NOT EXISTS shop_invoice (")
        .contains("CONSTRAINT shop_invoice_order_uq UNIQUE (order_id)")
        .contains("INSERT INTO shop_counter");
  }

  @Test
  void refusesPrefixesThatAreNotPlainIdentifiers() {
    for (String bad : List.of("Shop_", "1shop", "shop-", "shop.", "shop; DROP TABLE x; --", "a".repeat(31))) {
      assertThatThrownBy(() -> JdbcDialect.H2.ddl(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("table prefix");
    }
  }

  @Test
  void splitsTheDdlIntoStatementsWithoutComments() {
    List<String> statements = JdbcInvoiceStore.ddlStatements(JdbcDialect.MYSQL.ddl("coinssend_"));
    // 10 tables, the event counter row, and the deposit address counter row.
    assertThat(statements).hasSize(12);
    assertThat(statements).allSatisfy(s -> assertThat(s).doesNotContain("--").doesNotEndWith(";"));
    assertThat(statements.get(0)).startsWith("CREATE TABLE IF NOT EXISTS coinssend_invoice (");
  }
}
