package io.coinssend.invoice.testkit;

import io.coinssend.invoice.memory.InMemoryInvoiceStore;
import io.coinssend.invoice.spi.InvoiceStore;

class InMemoryInvoiceStoreTest extends InvoiceStoreContract {

  @Override
  protected InvoiceStore newStore() {
    return new InMemoryInvoiceStore();
  }
}
