package io.coinssend.invoice.benchmarks.internal;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The PostgreSQL server the benchmarks use, and the two databases they own on it: {@value #ENGINE_DATABASE} (the
 * invoice and delivery stores) and {@value #PGBENCH_DATABASE} (pgbench's tables). Both are created when missing and
 * emptied by the benchmarks at will: never point them at data you keep.
 *
 * <p>Settings, as system properties: {@code coinssend.bench.pg.host} (default {@code 127.0.0.1}),
 * {@code coinssend.bench.pg.port} (5432), {@code coinssend.bench.pg.user} ({@code postgres}) and
 * {@code coinssend.bench.pg.password} (empty). Thread-safe (stateless).
 */
public final class Postgres {

  /** The database of the invoice and delivery stores. */
  public static final String ENGINE_DATABASE = "coinssend_bench";
  /** The database pgbench initialises and runs on. */
  public static final String PGBENCH_DATABASE = "coinssend_pgbench";

  private Postgres() {}

  public static String host() {
    return System.getProperty("coinssend.bench.pg.host", "127.0.0.1");
  }

  public static int port() {
    return Integer.getInteger("coinssend.bench.pg.port", 5432);
  }

  public static String user() {
    return System.getProperty("coinssend.bench.pg.user", "postgres");
  }

  public static String password() {
    return System.getProperty("coinssend.bench.pg.password", "");
  }

  /** The JDBC URL of {@code database}. */
  public static String url(String database) {
    return "jdbc:postgresql://" + host() + ":" + port() + "/" + database;
  }

  /** Whether the server accepts TCP connections within a second. */
  public static boolean answers() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host(), port()), 1000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** A description of the server for error messages and skips. */
  public static String describe() {
    return "PostgreSQL on " + host() + ":" + port() + " as " + user();
  }

  /**
   * Creates {@code database} if it does not exist.
   *
   * @throws IllegalStateException if the server refuses
   */
  public static void ensureDatabase(String database) {
    try (Connection connection = DriverManager.getConnection(url("postgres"), user(), password());
        PreparedStatement exists = connection.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
      exists.setString(1, database);
      try (ResultSet rows = exists.executeQuery()) {
        if (rows.next()) {
          return;
        }
      }
      try (Statement create = connection.createStatement()) {
        create.execute("CREATE DATABASE " + database);
      }
    } catch (SQLException e) {
      if ("42P04".equals(e.getSQLState())) {
        return; // created meanwhile by another run
      }
      throw new IllegalStateException("could not create database " + database + " on " + describe(), e);
    }
  }

  /**
   * An empty {@value #ENGINE_DATABASE}: created if missing, its public schema dropped and created again.
   *
   * @return a pool of {@code size} connections to it
   */
  public static HikariDataSource freshEngineDatabase(int size) {
    ensureDatabase(ENGINE_DATABASE);
    HikariDataSource pool = pool(ENGINE_DATABASE, size);
    try (Connection connection = pool.getConnection(); Statement statement = connection.createStatement()) {
      statement.execute("DROP SCHEMA IF EXISTS public CASCADE");
      statement.execute("CREATE SCHEMA public");
    } catch (SQLException e) {
      pool.close();
      throw new IllegalStateException("could not empty database " + ENGINE_DATABASE + " on " + describe(), e);
    }
    return pool;
  }

  /**
   * {@code VACUUM ANALYZE} of {@code tables}: what autovacuum does on a default server. The CI machine's server runs
   * with {@code autovacuum = off}, so without this a table that grows through a run keeps the statistics of its first
   * empty moments, and a statement prepared then keeps a plan made for a few rows (a sequential scan where an index
   * look-up belongs) and slows down with every row added. pgbench vacuums its tables before its runs for the same
   * reason.
   */
  public static void vacuumAnalyze(HikariDataSource pool, String... tables) {
    try (Connection connection = pool.getConnection(); Statement statement = connection.createStatement()) {
      connection.setAutoCommit(true);
      statement.execute("VACUUM ANALYZE " + String.join(", ", tables));
    } catch (SQLException e) {
      throw new IllegalStateException("could not vacuum " + String.join(", ", tables) + " on " + describe(), e);
    }
  }

  /** A pool of {@code size} connections to {@code database}. */
  public static HikariDataSource pool(String database, int size) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url(database));
    config.setUsername(user());
    config.setPassword(password());
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(size);
    config.setPoolName("bench-" + database);
    return new HikariDataSource(config);
  }
}
