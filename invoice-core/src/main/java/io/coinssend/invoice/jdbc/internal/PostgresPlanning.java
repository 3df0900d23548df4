package io.coinssend.invoice.jdbc.internal;

import static java.util.Objects.requireNonNull;

import io.coinssend.invoice.jdbc.PostgresPlans;
import java.lang.reflect.Method;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link PostgresPlans} at work, for the JDBC stores: whether autovacuum runs for a table, and telling pgjdbc not to
 * prepare a statement on the server, so that the server plans it for the values bound each time. Thread-safe.
 */
public final class PostgresPlanning {

  private static final Logger log = LoggerFactory.getLogger(PostgresPlanning.class);
  /** Whether autovacuum runs for the table named by the parameter: the server's settings, the table's parameter. */
  private static final String AUTOVACUUM_RUNS = "SELECT current_setting('autovacuum') = 'on' "
      + "AND current_setting('track_counts') = 'on' AND NOT EXISTS (SELECT 1 FROM pg_class c, unnest(c.reloptions) o "
      + "WHERE c.oid = to_regclass(?) AND lower(o) IN ('autovacuum_enabled=false', 'autovacuum_enabled=off', "
      + "'autovacuum_enabled=0', 'autovacuum_enabled=no'))";
  /** pgjdbc's {@code PGStatement.setPrepareThreshold(int)} of each statement class, if it has one. */
  private static final ClassValue<Optional<Method>> PREPARE_THRESHOLD = new ClassValue<>() {
    @Override
    protected Optional<Method> computeValue(Class<?> type) {
      try {
        return Optional.of(type.getMethod("setPrepareThreshold", int.class));
      } catch (NoSuchMethodException e) {
        return Optional.empty();
      }
    }
  };

  private final AtomicBoolean warned = new AtomicBoolean();
  private volatile Boolean eachExecution;

  /** For {@code plans}; {@link PostgresPlans#AUTOMATIC} is settled by {@link #settle}. */
  public PostgresPlanning(PostgresPlans plans) {
    if (requireNonNull(plans, "plans") != PostgresPlans.AUTOMATIC) {
      eachExecution = plans == PostgresPlans.EACH_EXECUTION;
    }
  }

  /** Whether the choice is still to be settled (automatic, and not read yet). */
  public boolean unsettled() {
    return eachExecution == null;
  }

  /**
   * Settles an automatic choice on {@code connection} (PostgreSQL): plans at each execution unless autovacuum runs for
   * {@code table}, as found on the connection's search path. Nothing if already settled.
   */
  public void settle(Connection connection, String table) throws SQLException {
    if (eachExecution != null) {
      return;
    }
    boolean runs;
    try (PreparedStatement statement = connection.prepareStatement(AUTOVACUUM_RUNS)) {
      statement.setString(1, table);
      try (ResultSet rows = statement.executeQuery()) {
        runs = rows.next() && rows.getBoolean(1);
      }
    }
    if (!runs) {
      log.info("Autovacuum does not run for {} on this PostgreSQL server: the statements that look up lists of its "
          + "rows are planned at each execution (PostgresPlans)", table);
    }
    eachExecution = !runs;
  }

  /**
   * {@code statement}, told not to be prepared on the server if statements are planned at each execution: pgjdbc then
   * sends it unnamed, and the server plans it for the values bound.
   */
  public PreparedStatement planned(PreparedStatement statement) throws SQLException {
    if (!Boolean.TRUE.equals(eachExecution)) {
      return statement;
    }
    PreparedStatement driver = statement.isWrapperFor(PreparedStatement.class)
        ? statement.unwrap(PreparedStatement.class) : statement;
    Optional<Method> setter = PREPARE_THRESHOLD.get(driver.getClass());
    try {
      if (setter.isPresent()) {
        setter.get().invoke(driver, 0);
        return statement;
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      log.debug("Could not turn off server-side preparing for {}", driver.getClass().getName(), e);
    }
    if (warned.compareAndSet(false, true)) {
      log.warn("The JDBC driver's statements ({}) cannot be told to be planned at each execution: they keep the "
          + "server's cached plans, so keep the tables analysed (autovacuum, or a regular ANALYZE)",
          driver.getClass().getName());
    }
    return statement;
  }
}
