package io.coinssend.invoice.webhooks;

import io.coinssend.invoice.webhooks.jdbc.JdbcDeliveryStore;
import io.coinssend.invoice.webhooks.spi.DeliveryStore;

/**
 * The JDBC delivery store on PostgreSQL with connections at SERIALIZABLE: its single-statement writes run at the
 * session's isolation, and a concurrent change then fails them with a serialisation failure, which the store retries.
 * The contract's races must hold all the same.
 */
class PostgresSerializableDeliveryStoreIT extends DeliveryStoreContract {

  private TestDatabases.Schema schema;

  @Override
  protected DeliveryStore newStore() {
    schema = TestDatabases.postgresql("TRANSACTION_SERIALIZABLE");
    return JdbcDeliveryStore.create(schema.dataSource()).createTables();
  }

  @Override
  protected void dispose() {
    if (schema != null) {
      schema.close();
    }
  }
}
