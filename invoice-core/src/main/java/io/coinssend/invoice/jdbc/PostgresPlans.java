package io.coinssend.invoice.jdbc;

/**
 * How a JDBC store has PostgreSQL plan its statements that look up a list of rows (several invoices by id or
 * address in {@link JdbcInvoiceStore}; a claim or a group of outcomes in the webhook delivery store).
 *
 * <p>For a prepared statement the server keeps a plan made from the table's statistics of the time, and makes it
 * again when they change (an {@code ANALYZE}, autovacuum's or yours). Where that never happens, a plan kept from when
 * the table was nearly empty reads the whole table at every call. Measured with 100,000 rows: 89 ms to lock two
 * invoices by id instead of a fraction of a millisecond, 159 ms for a claim of 100 webhook deliveries instead of 1 ms.
 * Statements that look up one row by its key are not affected (the server always finds it through the key), nor
 * are databases other than PostgreSQL.
 */
public enum PostgresPlans {
  /**
   * {@link #CACHED} while autovacuum runs for the table the statements read (the server's {@code autovacuum} and
   * {@code track_counts} on, the table's {@code autovacuum_enabled} not off), else {@link #EACH_EXECUTION}; read once,
   * when the store is built or before its first write. The default.
   */
  AUTOMATIC,
  /**
   * The driver's server-side prepared statements, with the plans the server keeps for them: right where the tables'
   * statistics are kept up to date (autovacuum, the default, or a regular {@code ANALYZE}).
   */
  CACHED,
  /**
   * Those statements planned each time they run, for the values at hand, whatever the statistics (a fraction of a
   * millisecond of the server's time each). Needs the PostgreSQL JDBC driver (pgjdbc), whose statements can be told
   * not to be prepared on the server; with another driver it is {@link #CACHED}, and the store logs a warning.
   */
  EACH_EXECUTION
}
