package io.coinssend.invoice.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import io.coinssend.invoice.webhooks.jdbc.JdbcDeliveryStore;
import io.coinssend.invoice.webhooks.spi.DeliveryStore;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The JDBC delivery store on an embedded H2 database. */
class H2DeliveryStoreTest extends DeliveryStoreContract {

  private TestDatabases.Schema schema;

  @Override
  protected DeliveryStore newStore() {
    schema = TestDatabases.h2();
    return JdbcDeliveryStore.create(schema.dataSource()).createTables();
  }

  @Override
  protected void dispose() {
    schema.close();
  }

  @Test
  void theDialectIsDetectedAndTheDdlCanRunAgain() {
    JdbcDeliveryStore jdbc = (JdbcDeliveryStore) store;
    jdbc.enqueue(GROUP, 0, 1, List.of(delivery(1, "shop", T0)));

    jdbc.createTables();

    assertThat(jdbc.dialect()).isEqualTo(JdbcDeliveryStore.Dialect.H2);
    assertThat(jdbc.findPosition(GROUP)).hasValue(1);
  }
}
