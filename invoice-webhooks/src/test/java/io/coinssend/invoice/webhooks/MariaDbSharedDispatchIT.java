package io.coinssend.invoice.webhooks;

import io.coinssend.invoice.webhooks.jdbc.JdbcDeliveryStore;
import io.coinssend.invoice.webhooks.spi.DeliveryStore;
import org.junit.jupiter.api.BeforeEach;

/**
 * Two dispatchers on one MariaDB database (a fresh one), each with its own JDBC store: SKIP LOCKED claims.
 * The event source is one in-memory invoice store shared in this JVM; the JDBC invoice store is wired in once it
 * exists.
 */
class MariaDbSharedDispatchIT extends SharedDispatchContract {

  private TestDatabases.Schema schema;

  @BeforeEach
  void createSchema() {
    schema = TestDatabases.mariadb();
  }

  @Override
  protected DeliveryStore newDeliveryStore() {
    return JdbcDeliveryStore.create(schema.dataSource()).createTables();
  }

  @Override
  protected void dispose() {
    if (schema != null) {
      schema.close();
    }
  }
}
