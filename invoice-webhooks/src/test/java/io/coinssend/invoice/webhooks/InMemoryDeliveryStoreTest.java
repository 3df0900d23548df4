package io.coinssend.invoice.webhooks;

import io.coinssend.invoice.webhooks.memory.InMemoryDeliveryStore;
import io.coinssend.invoice.webhooks.spi.DeliveryStore;

class InMemoryDeliveryStoreTest extends DeliveryStoreContract {

  @Override
  protected DeliveryStore newStore() {
    return new InMemoryDeliveryStore();
  }
}
