/**
 * Tests of the JDBC store: the store contract on H2, PostgreSQL and MariaDB, several engine instances (threads and
 * JVMs) on one PostgreSQL database, and a JVM killed in the middle of applying chain facts.
 */
package io.coinssend.invoice.jdbc.tests;
