package io.coinssend.invoice.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import io.coinssend.invoice.webhooks.jdbc.JdbcDeliveryStore;
import io.coinssend.invoice.webhooks.spi.DeliveryStore;
import org.junit.jupiter.api.Test;

/** The JDBC delivery store on the local PostgreSQL server, a fresh schema per test. */
class PostgresDeliveryStoreIT extends DeliveryStoreContract {

  private TestDatabases.Schema schema;

  @Override
  protected DeliveryStore newStore() {
    schema = TestDatabases.postgresql();
    return JdbcDeliveryStore.create(schema.dataSource()).createTables();
  }

  @Override
  protected void dispose() {
    if (schema != null) {
      schema.close();
    }
  }

  @Test
  void theDialectIsDetectedAndTheDdlCanRunAgain() {
    JdbcDeliveryStore jdbc = (JdbcDeliveryStore) store;

    jdbc.createTables();

    assertThat(jdbc.dialect()).isEqualTo(JdbcDeliveryStore.Dialect.POSTGRESQL);
  }
}
