package io.coinssend.invoice.jdbc.tests;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.coinssend.invoice.jdbc.JdbcDialect;
import io.coinssend.invoice.testkit.ExternalServices;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.mariadb.jdbc.MariaDbDataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A fresh, empty database for one test (an H2 database in memory, a PostgreSQL schema, a MariaDB database), with
 * pooled data sources on it and a way to see sessions waiting for a row lock. {@link #close()} drops it.
 */
abstract class TestDatabase implements AutoCloseable {

  static final String POSTGRES_URL = "jdbc:postgresql://127.0.0.1:5432/test";
  static final String MARIADB_URL = "jdbc:mariadb://127.0.0.1:3306/";

  private final List<HikariDataSource> pools = new ArrayList<>();
  private DataSource main;

  abstract JdbcDialect dialect();

  /** A name unique to this database, also the application name of its PostgreSQL connections. */
  abstract String name();

  /** A new data source on this database (unpooled). */
  abstract DataSource unpooled();

  /** How many sessions of this database wait for a lock right now. */
  abstract int lockWaiters() throws SQLException;

  /** The column definition of an auto-numbered primary key, for the control test of a naive log. */
  abstract String identityColumn();

  /** A JDBC URL of this database for child JVMs, their connections named {@code applicationName}. */
  String url(String applicationName) {
    throw new UnsupportedOperationException("child JVMs are only run against PostgreSQL");
  }

  /** A connection outside the pools (for the test's own statements). */
  Connection connect() throws SQLException {
    return unpooled().getConnection();
  }

  /** The database's pooled data source shared by a test. */
  synchronized DataSource dataSource() {
    if (main == null) {
      main = pool(10);
    }
    return main;
  }

  /** A new pool of at most {@code size} connections on this database, closed with it. */
  synchronized DataSource pool(int size) {
    HikariConfig config = new HikariConfig();
    config.setDataSource(unpooled());
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(0);
    config.setPoolName(name() + "-" + (pools.size() + 1));
    HikariDataSource pool = new HikariDataSource(config);
    pools.add(pool);
    return pool;
  }

  @Override
  public synchronized void close() throws SQLException {
    pools.forEach(HikariDataSource::close);
    pools.clear();
    drop();
  }

  abstract void drop() throws SQLException;

  /** The first column of the first row of {@code sql} as a number, 0 when there is no row. */
  static long queryNumber(Connection connection, String sql, Object... parameters) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      for (int i = 0; i < parameters.length; i++) {
        statement.setObject(i + 1, parameters[i]);
      }
      try (ResultSet rows = statement.executeQuery()) {
        return rows.next() ? rows.getLong(1) : 0;
      }
    }
  }

  /** {@link #queryNumber} on a new connection to this database. */
  long queryNumber(String sql, Object... parameters) throws SQLException {
    try (Connection connection = connect()) {
      return queryNumber(connection, sql, parameters);
    }
  }

  static String randomName() {
    byte[] bytes = new byte[6];
    ThreadLocalRandom.current().nextBytes(bytes);
    return "cs_" + HexFormat.of().formatHex(bytes);
  }

  // ---------------------------------------------------------------------------------------------------------------

  static TestDatabase h2() {
    return new H2();
  }

  static TestDatabase postgres() {
    ExternalServices.require(ExternalServices.answers("127.0.0.1", 5432),
        "PostgreSQL is not answering on 127.0.0.1:5432 (start it with .ci/setup/10-databases.sh)");
    return new Postgres();
  }

  static TestDatabase mariaDb() {
    ExternalServices.require(ExternalServices.answers("127.0.0.1", 3306),
        "MariaDB is not answering on 127.0.0.1:3306 (start it with .ci/setup/10-databases.sh)");
    return new MariaDb();
  }

  private static final class H2 extends TestDatabase {
    private final String name = "cs_" + UUID.randomUUID().toString().replace("-", "");

    @Override
    JdbcDialect dialect() {
      return JdbcDialect.H2;
    }

    @Override
    String name() {
      return name;
    }

    @Override
    DataSource unpooled() {
      JdbcDataSource source = new JdbcDataSource();
      source.setURL("jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=10000");
      source.setUser("sa");
      return source;
    }

    @Override
    int lockWaiters() throws SQLException {
      return (int) queryNumber("SELECT COUNT(*) FROM INFORMATION_SCHEMA.SESSIONS WHERE BLOCKER_ID IS NOT NULL");
    }

    @Override
    String identityColumn() {
      return "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY";
    }

    @Override
    void drop() throws SQLException {
      try (Connection connection = connect(); Statement statement = connection.createStatement()) {
        statement.execute("SHUTDOWN");
      }
    }
  }

  private static final class Postgres extends TestDatabase {
    private final String schema = randomName();

    Postgres() {
      try (Connection connection = DriverManager.getConnection(POSTGRES_URL, "postgres", "");
          Statement statement = connection.createStatement()) {
        statement.execute("CREATE SCHEMA " + schema);
      } catch (SQLException e) {
        throw new IllegalStateException("could not create schema " + schema, e);
      }
    }

    @Override
    JdbcDialect dialect() {
      return JdbcDialect.POSTGRESQL;
    }

    @Override
    String name() {
      return schema;
    }

    @Override
    String url(String applicationName) {
      return POSTGRES_URL + "?user=postgres&currentSchema=" + schema + "&ApplicationName=" + applicationName;
    }

    @Override
    DataSource unpooled() {
      PGSimpleDataSource source = new PGSimpleDataSource();
      source.setURL(POSTGRES_URL);
      source.setUser("postgres");
      source.setCurrentSchema(schema);
      source.setApplicationName(schema);
      return source;
    }

    @Override
    int lockWaiters() throws SQLException {
      return (int) queryNumber(
          "SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = ? AND wait_event_type = 'Lock'", schema);
    }

    @Override
    String identityColumn() {
      return "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY";
    }

    @Override
    void drop() throws SQLException {
      try (Connection connection = DriverManager.getConnection(POSTGRES_URL, "postgres", "");
          Statement statement = connection.createStatement()) {
        statement.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
      }
    }
  }

  private static final class MariaDb extends TestDatabase {
    private final String database = randomName();

    MariaDb() {
      try (Connection connection = DriverManager.getConnection(MARIADB_URL + "test", "root", "");
          Statement statement = connection.createStatement()) {
        statement.execute("CREATE DATABASE " + database + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
      } catch (SQLException e) {
        throw new IllegalStateException("could not create database " + database, e);
      }
    }

    @Override
    JdbcDialect dialect() {
      return JdbcDialect.MYSQL;
    }

    @Override
    String name() {
      return database;
    }

    @Override
    DataSource unpooled() {
      try {
        MariaDbDataSource source = new MariaDbDataSource(MARIADB_URL + database);
        source.setUser("root");
        source.setPassword("");
        return source;
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    int lockWaiters() throws SQLException {
      return (int) queryNumber("SELECT COUNT(*) FROM information_schema.INNODB_TRX t"
          + " JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id"
          + " WHERE t.trx_state = 'LOCK WAIT' AND p.DB = ?", database);
    }

    @Override
    String identityColumn() {
      return "BIGINT AUTO_INCREMENT PRIMARY KEY";
    }

    @Override
    void drop() throws SQLException {
      try (Connection connection = DriverManager.getConnection(MARIADB_URL + "test", "root", "");
          Statement statement = connection.createStatement()) {
        statement.execute("DROP DATABASE IF EXISTS " + database);
      }
    }
  }
}
