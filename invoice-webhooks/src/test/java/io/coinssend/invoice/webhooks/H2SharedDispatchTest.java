package io.coinssend.invoice.webhooks;

import io.coinssend.invoice.webhooks.jdbc.JdbcDeliveryStore;
import io.coinssend.invoice.webhooks.spi.DeliveryStore;

/** Two dispatchers sharing one H2 database through two JDBC stores. */
class H2SharedDispatchTest extends SharedDispatchContract {

  private final TestDatabases.Schema schema = TestDatabases.h2();

  @Override
  protected DeliveryStore newDeliveryStore() {
    return JdbcDeliveryStore.create(schema.dataSource()).createTables();
  }

  @Override
  protected void dispose() {
    schema.close();
  }
}
