package io.coinssend.invoice.webhooks;

import io.coinssend.invoice.webhooks.memory.InMemoryDeliveryStore;
import io.coinssend.invoice.webhooks.spi.DeliveryStore;

/** Two dispatchers in one JVM sharing an in-memory delivery store (compare-and-set claims). */
class InMemorySharedDispatchTest extends SharedDispatchContract {

  private final InMemoryDeliveryStore store = new InMemoryDeliveryStore();

  @Override
  protected DeliveryStore newDeliveryStore() {
    return store;
  }
}
