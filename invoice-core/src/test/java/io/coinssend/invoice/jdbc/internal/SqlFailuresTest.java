package io.coinssend.invoice.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.coinssend.invoice.jdbc.JdbcDialect;
import java.sql.BatchUpdateException;
import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.sql.SQLTransactionRollbackException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;

/**
 * SQLStates and vendor codes as the databases document them: PostgreSQL "Appendix A. Error Codes", MySQL "Server
 * Error Message Reference" and "Client Error Message Reference", H2's ErrorCode javadoc.
 */
class SqlFailuresTest {

  @Test
  void deadlocksSerialisationFailuresAndLockTimeoutsAreTransient() {
    assertThat(SqlFailures.isTransient(new SQLException("could not serialize access", "40001"),
        JdbcDialect.POSTGRESQL)).isTrue();
    assertThat(SqlFailures.isTransient(new SQLException("deadlock detected", "40P01"), JdbcDialect.POSTGRESQL))
        .isTrue();
    assertThat(SqlFailures.isTransient(new SQLException("Deadlock found when trying to get lock", "40001", 1213),
        JdbcDialect.MYSQL)).isTrue();
    assertThat(SqlFailures.isTransient(new SQLException("Lock wait timeout exceeded", "HY000", 1205),
        JdbcDialect.MYSQL)).isTrue();
    assertThat(SqlFailures.isTransient(new SQLException("Timeout trying to lock table", "HYT00", 50200),
        JdbcDialect.H2)).isTrue();
    assertThat(SqlFailures.isTransient(new SQLTransactionRollbackException("deadlock"), JdbcDialect.MYSQL)).isTrue();
  }

  @Test
  void lostAndRefusedConnectionsAreTransient() {
    assertThat(SqlFailures.isTransient(new SQLException("An I/O error occurred", "08006"), JdbcDialect.POSTGRESQL))
        .isTrue();
    assertThat(SqlFailures.isTransient(new SQLException("Connection refused", "08001"), JdbcDialect.POSTGRESQL))
        .isTrue();
    assertThat(SqlFailures.isTransient(new SQLException("terminating connection due to administrator command",
        "57P01"), JdbcDialect.POSTGRESQL)).isTrue();
    assertThat(SqlFailures.isTransient(new SQLException("Communications link failure", "08S01", 2013),
        JdbcDialect.MYSQL)).isTrue();
    assertThat(SqlFailures.isTransient(new SQLTransientConnectionException("pool timeout"), JdbcDialect.H2))
        .isTrue();
  }

  @Test
  void constraintSyntaxAndDataErrorsAreNotTransient() {
    assertThat(SqlFailures.isTransient(new SQLException("duplicate key value", "23505"), JdbcDialect.POSTGRESQL))
        .isFalse();
    assertThat(SqlFailures.isTransient(new SQLException("relation does not exist", "42P01"),
        JdbcDialect.POSTGRESQL)).isFalse();
    assertThat(SqlFailures.isTransient(new SQLException("value too long", "22001"), JdbcDialect.POSTGRESQL))
        .isFalse();
    assertThat(SqlFailures.isTransient(new SQLException("Duplicate entry", "23000", 1062), JdbcDialect.MYSQL))
        .isFalse();
    // 1213 is MySQL's deadlock code only on MySQL; other drivers' vendor codes mean other things.
    assertThat(SqlFailures.isTransient(new SQLException("something", "42000", 1213), JdbcDialect.H2)).isFalse();
  }

  @Test
  void findsTheCauseInsideABatchFailure() {
    BatchUpdateException batch = new BatchUpdateException("Batch entry 3 was aborted", "", 0, new int[0], null);
    batch.setNextException(new SQLException("deadlock detected", "40P01"));
    assertThat(SqlFailures.isTransient(batch, JdbcDialect.POSTGRESQL)).isTrue();

    BatchUpdateException duplicate = new BatchUpdateException("Batch entry 0 was aborted", "", 0, new int[0], null);
    duplicate.setNextException(new SQLException("duplicate key value violates unique constraint", "23505"));
    assertThat(SqlFailures.isDuplicateKey(duplicate)).isTrue();
  }

  @Test
  void recognisesDuplicateKeysOfEachDatabase() {
    assertThat(SqlFailures.isDuplicateKey(new SQLException("duplicate key value", "23505"))).isTrue();
    assertThat(SqlFailures.isDuplicateKey(
        new SQLIntegrityConstraintViolationException("Duplicate entry 'x' for key", "23000", 1062))).isTrue();
    assertThat(SqlFailures.isDuplicateKey(new SQLException("null value in column", "23502"))).isFalse();
    assertThat(SqlFailures.isDuplicateKey(new SQLException("Cannot add or update a child row", "23000", 1452)))
        .isFalse();
  }

  @Test
  void describesStatesCodesAndTheFirstLineOfTheMessage() {
    SQLException failure = new SQLException("deadlock detected\n  Detail: Process 1 waits for ShareLock", "40P01");
    assertThat(SqlFailures.describe(failure)).isEqualTo("SQLState 40P01, error 0: deadlock detected");
    SQLException wrapped = new SQLException("Deadlock", "40001", 40001, new SQLException("Deadlock", "40001", 40001));
    assertThat(SqlFailures.describe(wrapped)).isEqualTo("SQLState 40001, error 40001: Deadlock");
  }
}
