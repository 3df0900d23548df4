package io.coinssend.invoice.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.coinssend.invoice.Asset;
import io.coinssend.invoice.EventType;
import io.coinssend.invoice.Invoice;
import io.coinssend.invoice.InvoiceEvent;
import io.coinssend.invoice.InvoiceId;
import io.coinssend.invoice.InvoiceStatus;
import io.coinssend.invoice.InvoiceStoreException;
import io.coinssend.invoice.Money;
import io.coinssend.invoice.PaymentPolicy;
import io.coinssend.invoice.StatusChange;
import io.coinssend.invoice.StatusReason;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class JdbcInvoiceStoreBuilderTest {

  private final JdbcDataSource h2 = new JdbcDataSource();

  {
    h2.setURL("jdbc:h2:mem:builder-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    h2.setUser("sa");
    h2.setPassword("s3cret-password");
  }

  @AfterEach
  void shutDown() throws SQLException {
    try (Connection connection = h2.getConnection(); Statement statement = connection.createStatement()) {
      statement.execute("SHUTDOWN");
    }
  }

  private static Invoice invoice(String orderId, String address) {
    Instant created = Instant.parse("2026-03-01T12:00:00Z");
    return new Invoice(InvoiceId.generate(created), orderId, Money.ofUnits(Asset.BTC, 1000), address, 0,
        "bitcoin:" + address, created, created.plus(Duration.ofMinutes(15)), PaymentPolicy.bitcoinDefaults(),
        InvoiceStatus.NEW, StatusReason.AWAITING_PAYMENT, List.of(), Optional.empty(), Map.of(),
        List.of(new StatusChange(InvoiceStatus.NEW, StatusReason.AWAITING_PAYMENT, created, "")), 1);
  }

  @Test
  void detectsH2AndCreatesTheTablesIdempotently() {
    JdbcInvoiceStore first = JdbcInvoiceStore.builder(h2).createTablesIfMissing(true).build();
    Invoice invoice = invoice("order-1", "bc1qbuilder1");
    first.insert(invoice, List.of(InvoiceEvent.of(EventType.INVOICE_CREATED, invoice.createdAt(), invoice,
        Optional.empty())));

    JdbcInvoiceStore second = JdbcInvoiceStore.builder(h2).createTablesIfMissing(true).build();
    assertThat(second.dialect()).isEqualTo(JdbcDialect.H2);
    assertThat(second.findById(invoice.id())).contains(invoice);
    assertThat(second.lastEventSequence()).isEqualTo(1);
  }

  @Test
  void failsAtBuildTimeWhenTheTablesAreMissing() {
    assertThatThrownBy(() -> JdbcInvoiceStore.builder(h2).build())
        .isInstanceOf(InvoiceStoreException.class)
        .hasMessageContaining("io/coinssend/invoice/jdbc/h2.sql")
        .hasMessageContaining("createTablesIfMissing(true)");
  }

  @Test
  void keepsStoresWithDifferentPrefixesApart() throws SQLException {
    JdbcInvoiceStore shop = JdbcInvoiceStore.builder(h2).tablePrefix("shop_").createTablesIfMissing(true).build();
    JdbcInvoiceStore other = JdbcInvoiceStore.builder(h2).tablePrefix("other_").createTablesIfMissing(true).build();
    assertThat(shop.allocateIndex("xpub")).isZero();
    assertThat(shop.allocateIndex("xpub")).isEqualTo(1);
    assertThat(other.allocateIndex("xpub")).isZero();
    try (Connection connection = h2.getConnection();
        ResultSet tables = connection.getMetaData().getTables(null, null, "SHOP_%", null)) {
      int count = 0;
      while (tables.next()) {
        count++;
      }
      assertThat(count).as("shop_invoice, shop_event, shop_counter, shop_derivation_index, shop_chain_tip,"
          + " shop_chain_cursor, shop_consumer, shop_deposit_address, shop_deposit, shop_lease").isEqualTo(10);
    }
  }

  @Test
  void refusesADatabaseItDoesNotSpeak() {
    DataSource oracle = (DataSource) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {DataSource.class}, (proxy, method, args) -> {
          if (!method.getName().equals("getConnection")) {
            throw new UnsupportedOperationException(method.getName());
          }
          DatabaseMetaData metadata = (DatabaseMetaData) Proxy.newProxyInstance(getClass().getClassLoader(),
              new Class<?>[] {DatabaseMetaData.class}, (p, m, a) -> m.getName().equals("getDatabaseProductName")
                  ? "Oracle" : null);
          return Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class},
              (p, m, a) -> m.getName().equals("getMetaData") ? metadata : null);
        });
    assertThatThrownBy(() -> JdbcInvoiceStore.builder(oracle).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PostgreSQL, MySQL/MariaDB and H2")
        .hasMessageContaining("'Oracle'");
  }

  @Test
  void checksEachSettingWhenItIsSet() {
    JdbcInvoiceStore.Builder builder = JdbcInvoiceStore.builder(h2);
    assertThatThrownBy(() -> builder.maxAttempts(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("max attempts must be between 1 and 100, but was 0");
    assertThatThrownBy(() -> builder.batchSize(1001)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("batch size must be between 1 and 1000, but was 1001");
    assertThatThrownBy(() -> builder.retryDelay(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> builder.tablePrefix("x y")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> JdbcInvoiceStore.builder(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void neverShowsTheDataSourceInItsDescription() {
    JdbcInvoiceStore store = JdbcInvoiceStore.builder(h2).createTablesIfMissing(true).build();
    assertThat(store.toString()).isEqualTo("JdbcInvoiceStore[H2, tables coinssend_*]")
        .doesNotContain("s3cret");
  }

  @Test
  void refusesKeysLongerThanItsColumns() {
    JdbcInvoiceStore store = JdbcInvoiceStore.builder(h2).createTablesIfMissing(true).build();
    assertThatThrownBy(() -> store.allocateIndex("k".repeat(JdbcInvoiceStore.MAX_DERIVATION_KEY_LENGTH + 1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("derivation key");
    assertThatThrownBy(() -> store.findConsumerPosition(" ")).isInstanceOf(IllegalArgumentException.class);
  }
}
