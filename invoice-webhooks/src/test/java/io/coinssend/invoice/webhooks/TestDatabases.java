package io.coinssend.invoice.webhooks;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.coinssend.invoice.testkit.ExternalServices;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.mariadb.jdbc.MariaDbDataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Fresh, throw-away databases for the JDBC delivery store: an H2 in-memory database, or a new schema on the local
 * PostgreSQL or MariaDB server (skipped without the server, failed under CI=true).
 */
final class TestDatabases {

  static final String HOST = "127.0.0.1";

  private TestDatabases() {}

  /** A new private schema; closing it drops the schema. */
  interface Schema extends AutoCloseable {
    DataSource dataSource();

    @Override
    void close();
  }

  static Schema h2() {
    JdbcDataSource source = new JdbcDataSource();
    source.setURL("jdbc:h2:mem:webhooks_" + UUID.randomUUID().toString().replace("-", "") + ";DB_CLOSE_DELAY=-1");
    return new Schema() {
      @Override
      public DataSource dataSource() {
        return source;
      }

      @Override
      public void close() {
        execute(source, "SHUTDOWN");
      }
    };
  }

  static Schema postgresql() {
    return postgresql(null);
  }

  /**
   * A fresh PostgreSQL schema whose pool sets {@code isolation} (a {@code java.sql.Connection} constant's name, as
   * HikariCP's {@code transactionIsolation} takes it) on its connections, or leaves the server's default if null.
   */
  static Schema postgresql(String isolation) {
    ExternalServices.require(ExternalServices.answers(HOST, 5432), "PostgreSQL is not answering on 127.0.0.1:5432 "
        + "(database test, user postgres, trust auth; start it with .ci/setup/10-databases.sh)");
    String schema = "webhooks_" + UUID.randomUUID().toString().replace("-", "");
    PGSimpleDataSource admin = postgres(null);
    execute(admin, "CREATE SCHEMA " + schema);
    // Pooled, as an application's data source is: a new PostgreSQL connection per store call (a process forked on
    // the server each time) made the shared-dispatch test spend most of its minute connecting.
    HikariConfig config = new HikariConfig();
    config.setDataSource(postgres(schema));
    config.setMaximumPoolSize(10);
    config.setPoolName(schema);
    if (isolation != null) {
      config.setTransactionIsolation(isolation);
    }
    HikariDataSource source = new HikariDataSource(config);
    return new Schema() {
      @Override
      public DataSource dataSource() {
        return source;
      }

      @Override
      public void close() {
        source.close();
        execute(admin, "DROP SCHEMA " + schema + " CASCADE");
      }
    };
  }

  /**
   * A pool of exactly one connection to the PostgreSQL schema of {@code schema}'s data source, so that what the
   * server keeps per session (prepared statements, their plans) can be read back on the connection that made it.
   */
  static HikariDataSource onePostgresConnection(Schema schema) {
    String name;
    try (Connection connection = schema.dataSource().getConnection()) {
      name = connection.getSchema();
    } catch (SQLException e) {
      throw new IllegalStateException("could not read the schema's name", e);
    }
    HikariConfig config = new HikariConfig();
    config.setDataSource(postgres(name));
    config.setMaximumPoolSize(1);
    config.setPoolName(name + "-one");
    return new HikariDataSource(config);
  }

  private static PGSimpleDataSource postgres(String schema) {
    PGSimpleDataSource source = new PGSimpleDataSource();
    source.setServerNames(new String[] {HOST});
    source.setPortNumbers(new int[] {5432});
    source.setDatabaseName("test");
    source.setUser("postgres");
    if (schema != null) {
      source.setCurrentSchema(schema);
    }
    return source;
  }

  static Schema mariadb() {
    ExternalServices.require(ExternalServices.answers(HOST, 3306), "MariaDB is not answering on 127.0.0.1:3306 "
        + "(user root, no password; start it with .ci/setup/10-databases.sh)");
    String database = "webhooks_" + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
    DataSource admin = mariadb("test");
    execute(admin, "CREATE DATABASE " + database + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
    DataSource source = mariadb(database);
    return new Schema() {
      @Override
      public DataSource dataSource() {
        return source;
      }

      @Override
      public void close() {
        execute(admin, "DROP DATABASE " + database);
      }
    };
  }

  private static DataSource mariadb(String database) {
    try {
      MariaDbDataSource source = new MariaDbDataSource("jdbc:mariadb://" + HOST + ":3306/" + database);
      source.setUser("root");
      return source;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  static void execute(DataSource source, String sql) {
    try (Connection connection = source.getConnection(); Statement statement = connection.createStatement()) {
      statement.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException("could not run: " + sql, e);
    }
  }
}
