package io.coinssend.invoice.jdbc.internal;

import static java.util.Objects.requireNonNull;

import io.coinssend.invoice.jdbc.JdbcDialect;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Sorts {@link SQLException}s into what a store can do about them: replay the transaction (a deadlock, a
 * serialisation failure, a lock timeout, a lost connection), report a duplicate key, or give up. Thread-safe.
 */
public final class SqlFailures {

  /** SQLStates after which the whole transaction may be replayed. */
  private static final Set<String> TRANSIENT_STATES = Set.of(
      "40001", // serialization_failure (PostgreSQL, H2 deadlock, MySQL deadlock)
      "40P01", // deadlock_detected (PostgreSQL)
      "57P01", // admin_shutdown: the server ended the connection (PostgreSQL)
      "57P02", // crash_shutdown (PostgreSQL)
      "57P03", // cannot_connect_now: the server is starting (PostgreSQL)
      "53300", // too_many_connections (PostgreSQL)
      "HYT00", // lock timeout (H2)
      "90131", // concurrent update of the same row (H2)
      "70100"); // connection or query killed (MySQL, MariaDB)

  /** MySQL and MariaDB error codes after which the transaction may be replayed. */
  private static final Set<Integer> TRANSIENT_MYSQL_CODES = Set.of(
      1205, // ER_LOCK_WAIT_TIMEOUT
      1213, // ER_LOCK_DEADLOCK
      1040, // ER_CON_COUNT_ERROR: too many connections
      1927, // ER_CONNECTION_KILLED (MariaDB)
      2006, // CR_SERVER_GONE_ERROR
      2013); // CR_SERVER_LOST

  private SqlFailures() {}

  /**
   * Whether the failure is one after which replaying the whole transaction can succeed: a lost or refused
   * connection (SQLState class 08), a deadlock, a serialisation failure or a lock timeout.
   */
  public static boolean isTransient(SQLException failure, JdbcDialect dialect) {
    requireNonNull(failure, "failure");
    requireNonNull(dialect, "dialect");
    for (SQLException e : chain(failure)) {
      if (e instanceof SQLTransientException || e instanceof SQLRecoverableException) {
        return true;
      }
      String state = e.getSQLState();
      if (state != null && (state.startsWith("08") || TRANSIENT_STATES.contains(state))) {
        return true;
      }
      if (dialect == JdbcDialect.MYSQL && TRANSIENT_MYSQL_CODES.contains(e.getErrorCode())) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether the failure is a lost or refused connection (SQLState class 08, or {@link SQLRecoverableException}): the
   * server may or may not have finished what it was running.
   */
  public static boolean isConnectionLoss(SQLException failure) {
    requireNonNull(failure, "failure");
    for (SQLException e : chain(failure)) {
      String state = e.getSQLState();
      if (e instanceof SQLRecoverableException || state != null && state.startsWith("08")) {
        return true;
      }
    }
    return false;
  }

  /** Whether the failure is a unique-key or primary-key violation. */
  public static boolean isDuplicateKey(SQLException failure) {
    requireNonNull(failure, "failure");
    for (SQLException e : chain(failure)) {
      String state = e.getSQLState();
      if ("23505".equals(state) || e.getErrorCode() == 1062 && state != null && state.startsWith("23")) {
        return true;
      }
    }
    return false;
  }

  /** A short description for messages: the SQLStates and vendor codes of the chain and the first message. */
  public static String describe(SQLException failure) {
    requireNonNull(failure, "failure");
    Set<String> codes = new java.util.LinkedHashSet<>();
    for (SQLException e : chain(failure)) {
      codes.add("SQLState " + e.getSQLState() + ", error " + e.getErrorCode());
    }
    StringBuilder text = new StringBuilder(String.join("; ", codes));
    String message = failure.getMessage();
    if (message != null) {
      String line = message.strip().lines().findFirst().orElse("");
      text.append(": ").append(line.length() <= 300 ? line : line.substring(0, 297) + "...");
    }
    return text.toString();
  }

  /** The exception, the exceptions chained by {@link SQLException#getNextException()} and the SQL causes. */
  static List<SQLException> chain(SQLException failure) {
    List<SQLException> all = new ArrayList<>();
    Map<Throwable, Boolean> seen = new IdentityHashMap<>();
    List<SQLException> pending = new ArrayList<>(List.of(failure));
    while (!pending.isEmpty() && all.size() < 20) {
      SQLException e = pending.remove(0);
      if (seen.put(e, Boolean.TRUE) != null) {
        continue;
      }
      all.add(e);
      if (e.getNextException() != null) {
        pending.add(e.getNextException());
      }
      if (e.getCause() instanceof SQLException cause) {
        pending.add(cause);
      }
    }
    return all;
  }
}
