/** The in-memory {@link io.coinssend.invoice.webhooks.spi.DeliveryStore}, for tests, demos and one process. */
package io.coinssend.invoice.webhooks.memory;
