package io.coinssend.invoice.jdbc.tests;

/** The store contract and the JDBC checks on the PostgreSQL server at 127.0.0.1:5432, in a fresh schema per test. */
class JdbcInvoiceStorePostgresIT extends JdbcStoreContract {

  @Override
  protected TestDatabase openDatabase() {
    return TestDatabase.postgres();
  }
}
