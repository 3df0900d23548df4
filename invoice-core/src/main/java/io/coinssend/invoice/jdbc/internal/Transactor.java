package io.coinssend.invoice.jdbc.internal;

import static java.util.Objects.requireNonNull;

import io.coinssend.invoice.InvoiceId;
import io.coinssend.invoice.InvoiceStoreException;
import io.coinssend.invoice.jdbc.JdbcDialect;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs units of work on connections borrowed from the host's {@link DataSource}: writes in one transaction each,
 * rolled back on any failure, and replayed (on a fresh connection, after a short randomised backoff) when the
 * failure is transient ({@link SqlFailures#isTransient}). Other failures, and transient ones once the attempts are
 * used up, become an {@link InvoiceStoreException} naming the operation and the invoice. Thread-safe.
 *
 * <p>A failure of {@code commit()} itself leaves the outcome unknown (the commit may have happened before the
 * connection broke). The next attempt is then told so ({@code uncertain}), and the work checks whether its change is
 * already there before writing it again.
 */
public final class Transactor {

  private static final Logger log = LoggerFactory.getLogger(Transactor.class);

  /** One unit of work on a connection. */
  @FunctionalInterface
  public interface Work<T> {
    /**
     * Does the work; the caller commits (writes) or ends the snapshot (reads).
     *
     * @param uncertain true if an earlier attempt's commit failed, so its change may already be stored
     */
    T run(Connection connection, boolean uncertain) throws SQLException;
  }

  private final DataSource dataSource;
  private final JdbcDialect dialect;
  private final int maxAttempts;
  private final long firstDelayNanos;
  private final long maxDelayNanos;

  public Transactor(DataSource dataSource, JdbcDialect dialect, int maxAttempts, Duration firstDelay,
      Duration maxDelay) {
    this.dataSource = requireNonNull(dataSource, "dataSource");
    this.dialect = requireNonNull(dialect, "dialect");
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("max attempts must be at least 1, but was " + maxAttempts);
    }
    this.maxAttempts = maxAttempts;
    this.firstDelayNanos = firstDelay.toNanos();
    this.maxDelayNanos = maxDelay.toNanos();
  }

  /**
   * Runs {@code work} in a transaction and commits it, replaying it after transient failures.
   *
   * @param what the operation, for messages, for example "update invoice inv_…"
   * @param invoice the invoice concerned, or null
   * @throws InvoiceStoreException if the work failed for good; nothing it wrote was committed (unless the message
   *     says the outcome of the last commit is unknown)
   */
  public <T> T write(Supplier<String> what, InvoiceId invoice, Work<T> work) {
    return run(what, invoice, work, Mode.TRANSACTION);
  }

  /**
   * Runs {@code work} as a write whose first statement commits on its own, replaying it after transient failures: for
   * writes that are a single statement when they succeed, one round trip fewer than {@link #write}, which ends with a
   * COMMIT of its own. The connection is in auto-commit mode when the work starts. If the work needs more statements
   * in one transaction after its first, it turns auto-commit off before them (what the first wrote is then committed
   * already) and the transactor commits them at the end.
   *
   * <p>A lost connection (SQLState class 08) during an auto-committed statement leaves its outcome unknown, as a failed
   * commit does: the next attempt is told so ({@code uncertain}).
   */
  public <T> T writeFirstStatementAlone(Supplier<String> what, InvoiceId invoice, Work<T> work) {
    return run(what, invoice, work, Mode.FIRST_STATEMENT_ALONE);
  }

  /**
   * Runs {@code work} as a read, replaying it after transient failures. If the connection is not in auto-commit
   * mode, the read's transaction is rolled back afterwards so no snapshot or lock outlives it.
   */
  public <T> T read(Supplier<String> what, InvoiceId invoice, Work<T> work) {
    return run(what, invoice, work, Mode.READ);
  }

  /** How a unit of work meets its connection's transactions. */
  private enum Mode {
    /** As the connection comes (usually auto-commit); a transaction left open is rolled back. */
    READ,
    /** In one transaction, committed at the end. */
    TRANSACTION,
    /** Auto-commit until the work turns it off; a transaction then left open is committed at the end. */
    FIRST_STATEMENT_ALONE
  }

  private <T> T run(Supplier<String> what, InvoiceId invoice, Work<T> work, Mode mode) {
    boolean uncertain = false;
    for (int attempt = 1; ; attempt++) {
      Outcome<T> outcome = attempt(work, mode, uncertain);
      if (outcome.failure == null) {
        return outcome.result;
      }
      SQLException failure = outcome.failure;
      uncertain |= outcome.commitFailed;
      boolean transientFailure = SqlFailures.isTransient(failure, dialect);
      if (!transientFailure || attempt >= maxAttempts) {
        String reason = transientFailure
            ? "gave up after " + attempt + " attempt" + (attempt == 1 ? "" : "s")
            : "not retried";
        String commitNote = outcome.commitFailed
            ? " (the commit failed: whether it happened is unknown; reading the invoice tells)"
            : "";
        throw new InvoiceStoreException("could not " + what.get() + ": " + SqlFailures.describe(failure) + " ("
            + reason + ")" + commitNote, invoice, failure);
      }
      if (log.isDebugEnabled()) {
        log.debug("Retrying '{}' after a transient failure (attempt {} of {}): {}", what.get(), attempt, maxAttempts,
            SqlFailures.describe(failure));
      }
      backOff(attempt, what, invoice, failure);
    }
  }

  /** The result of one attempt: a result, or the failure and whether it was the commit that failed. */
  private record Outcome<T>(T result, SQLException failure, boolean commitFailed) {}

  private <T> Outcome<T> attempt(Work<T> work, Mode mode, boolean uncertain) {
    Connection connection;
    try {
      connection = dataSource.getConnection();
    } catch (SQLException e) {
      return new Outcome<>(null, e, false);
    }
    Boolean restoreAutoCommit = null;
    boolean committing = false;
    try {
      boolean autoCommit = connection.getAutoCommit();
      if (mode == Mode.TRANSACTION && autoCommit || mode == Mode.FIRST_STATEMENT_ALONE && !autoCommit) {
        connection.setAutoCommit(!autoCommit);
        restoreAutoCommit = autoCommit;
      }
      T result = work.run(connection, uncertain);
      if (mode != Mode.READ && !connection.getAutoCommit()) {
        committing = true;
        connection.commit();
      } else if (mode == Mode.READ && !connection.getAutoCommit()) {
        connection.rollback();
      }
      return new Outcome<>(result, null, false);
    } catch (SQLException e) {
      rollbackQuietly(connection);
      // An auto-committed write whose connection was lost may or may not have happened, as a commit that failed.
      boolean unknown = committing || mode == Mode.FIRST_STATEMENT_ALONE && SqlFailures.isConnectionLoss(e);
      return new Outcome<>(null, e, unknown);
    } catch (RuntimeException | Error e) {
      rollbackQuietly(connection);
      throw e;
    } finally {
      try {
        if (restoreAutoCommit != null) {
          connection.setAutoCommit(restoreAutoCommit);
        } else if (mode == Mode.FIRST_STATEMENT_ALONE && !connection.getAutoCommit()) {
          connection.setAutoCommit(true); // the work turned it off
        }
      } catch (SQLException e) {
        log.debug("Could not restore auto-commit on a connection being returned", e);
      }
      try {
        connection.close();
      } catch (SQLException e) {
        log.debug("Could not close a connection", e);
      }
    }
  }

  private static void rollbackQuietly(Connection connection) {
    try {
      if (!connection.getAutoCommit()) {
        connection.rollback();
      }
    } catch (SQLException e) {
      log.debug("Rollback failed (the connection is probably broken; the server rolls back on its own)", e);
    }
  }

  private void backOff(int attempt, Supplier<String> what, InvoiceId invoice, SQLException failure) {
    if (firstDelayNanos <= 0) {
      return;
    }
    long ceiling = Math.min(maxDelayNanos, firstDelayNanos << Math.min(attempt - 1, 20));
    long delay = ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1);
    try {
      TimeUnit.NANOSECONDS.sleep(delay);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InvoiceStoreException("interrupted while waiting to retry '" + what.get() + "' after "
          + SqlFailures.describe(failure), invoice, failure);
    }
  }
}
