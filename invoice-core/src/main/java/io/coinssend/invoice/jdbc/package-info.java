/**
 * The JDBC {@link io.coinssend.invoice.spi.InvoiceStore}: {@link io.coinssend.invoice.jdbc.JdbcInvoiceStore} on the
 * host's {@link javax.sql.DataSource} (PostgreSQL, MySQL/MariaDB, H2), with the DDL of each
 * {@link io.coinssend.invoice.jdbc.JdbcDialect} shipped as a resource file. The durable default, and the way to run
 * several engine instances on one database.
 */
package io.coinssend.invoice.jdbc;
