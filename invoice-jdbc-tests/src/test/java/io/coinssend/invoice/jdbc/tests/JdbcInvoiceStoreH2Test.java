package io.coinssend.invoice.jdbc.tests;

/** The store contract and the JDBC checks on an in-memory H2 database (no server needed). */
class JdbcInvoiceStoreH2Test extends JdbcStoreContract {

  @Override
  protected TestDatabase openDatabase() {
    return TestDatabase.h2();
  }
}
