package io.coinssend.invoice.jdbc.tests;

/** The store contract and the JDBC checks on the MariaDB server at 127.0.0.1:3306, in a fresh database per test. */
class JdbcInvoiceStoreMariaDbIT extends JdbcStoreContract {

  @Override
  protected TestDatabase openDatabase() {
    return TestDatabase.mariaDb();
  }
}
