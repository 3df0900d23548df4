/**
 * Internals of the JDBC store: the SQL of each dialect, the transaction runner with its retries, and the
 * classification of SQL failures. Not an API; may change in any release.
 */
package io.coinssend.invoice.jdbc.internal;
