/**
 * The JDBC {@link io.coinssend.invoice.webhooks.spi.DeliveryStore}: PostgreSQL, MariaDB/MySQL and H2, with the DDL
 * for each shipped as a resource next to this package, and {@code FOR UPDATE SKIP LOCKED} claims.
 */
package io.coinssend.invoice.webhooks.jdbc;
