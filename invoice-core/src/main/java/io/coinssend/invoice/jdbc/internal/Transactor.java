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
    return run(what, invoice, work, true);
  }

  /**
   * Runs {@code work} as a read, replaying it after transient failures. If the connection is not in auto-commit
   * mode, the read's transaction is rolled back afterwards so no snapshot or lock outlives it.
   */
  public <T> T read(Supplier<String> what, InvoiceId invoice, Work<T> work) {
    return run(what, invoice, work, false);
  }

  private <T> T run(Supplier<String> what, InvoiceId invoice, Work<T> work, boolean write) {
    boolean uncertain = false;
    for (int attempt = 1; ; attempt++) {
      Outcome<T> outcome = attempt(work, write, uncertain);
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

  private <T> Outcome<T> attempt(Work<T> work, boolean write, boolean uncertain) {
    Connection connection;
    try {
      connection = dataSource.getConnection();
    } catch (SQLException e) {
      return new Outcome<>(null, e, false);
    }
    boolean restoreAutoCommit = false;
    boolean committing = false;
    try {
      if (write && connection.getAutoCommit()) {
        connection.setAutoCommit(false);
        restoreAutoCommit = true;
      }
      T result = work.run(connection, uncertain);
      if (write) {
        committing = true;
        connection.commit();
      } else if (!connection.getAutoCommit()) {
        connection.rollback();
      }
      return new Outcome<>(result, null, false);
    } catch (SQLException e) {
      rollbackQuietly(connection);
      return new Outcome<>(null, e, committing);
    } catch (RuntimeException | Error e) {
      rollbackQuietly(connection);
      throw e;
    } finally {
      if (restoreAutoCommit) {
        try {
          connection.setAutoCommit(true);
        } catch (SQLException e) {
          log.debug("Could not restore auto-commit on a connection being returned", e);
        }
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
