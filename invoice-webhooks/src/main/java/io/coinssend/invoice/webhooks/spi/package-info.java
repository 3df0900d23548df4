/**
 * The storage SPI of the webhooks module: {@link io.coinssend.invoice.webhooks.spi.DeliveryStore} keeps deliveries,
 * their attempts, the enqueue position and disabled endpoints. Built-ins: in memory and JDBC; the test suite
 * {@code DeliveryStoreContract} of this module shows what an implementation must do.
 */
package io.coinssend.invoice.webhooks.spi;
