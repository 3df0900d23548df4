package io.coinssend.invoice.jdbc.tests;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import javax.sql.DataSource;

/**
 * A {@link DataSource} in front of a real one that counts what the store does (commits, rollbacks, statements run,
 * batches) and injects faults: an SQL failure instead of a statement, a commit that fails before or after really
 * committing, a commit that waits until the test releases it. A statement that writes (any but a SELECT) in
 * auto-commit mode is a commit too: it is counted as one, and a commit's failure fires on it (not a pause).
 * Thread-safe; faults fire once each, in any thread.
 */
final class ProbeDataSource implements InvocationHandler {

  private static final Set<String> EXECUTE = Set.of("execute", "executeQuery", "executeUpdate", "executeBatch",
      "executeLargeUpdate", "executeLargeBatch");

  private final DataSource target;
  private final DataSource proxy;

  /** Commits: calls of {@code commit()} and writing statements run in auto-commit mode (each commits itself). */
  final AtomicInteger commits = new AtomicInteger();
  /** Of {@link #commits}, the writing statements run in auto-commit mode: no round trip of a COMMIT of their own. */
  final AtomicInteger autoCommits = new AtomicInteger();
  final AtomicInteger rollbacks = new AtomicInteger();
  final AtomicInteger queries = new AtomicInteger();
  final AtomicInteger updates = new AtomicInteger();
  final AtomicInteger batches = new AtomicInteger();
  /** Every SQLException a statement or commit threw (real or injected), in order. */
  final List<SQLException> failures = new CopyOnWriteArrayList<>();

  private final List<StatementFault> statementFaults = new CopyOnWriteArrayList<>();
  private final AtomicReference<CommitFault> commitFault = new AtomicReference<>();

  private record StatementFault(Predicate<String> sql, SQLException failure, AtomicInteger times) {}

  private record CommitFault(SQLException failure, boolean afterCommitting, Pause pause) {}

  /** A commit held until {@link #release()}. */
  static final class Pause {
    private final CountDownLatch reached = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);

    /** Waits until a commit is held. */
    void awaitReached() throws InterruptedException {
      if (!reached.await(30, TimeUnit.SECONDS)) {
        throw new AssertionError("no commit reached the pause within 30 s");
      }
    }

    void release() {
      released.countDown();
    }
  }

  ProbeDataSource(DataSource target) {
    this.target = target;
    this.proxy = (DataSource) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {DataSource.class},
        this);
  }

  DataSource dataSource() {
    return proxy;
  }

  void resetCounts() {
    commits.set(0);
    autoCommits.set(0);
    rollbacks.set(0);
    queries.set(0);
    updates.set(0);
    batches.set(0);
    failures.clear();
  }

  /** The next {@code times} statements whose SQL matches fail with {@code failure} instead of running. */
  void failStatements(Predicate<String> sql, SQLException failure, int times) {
    statementFaults.add(new StatementFault(sql, failure, new AtomicInteger(times)));
  }

  /** The next commit really commits, then throws {@code failure} (the connection broke after the commit). */
  void failAfterNextCommit(SQLException failure) {
    commitFault.set(new CommitFault(failure, true, null));
  }

  /** The next commit throws {@code failure} without committing (the connection broke before the commit). */
  void failInsteadOfNextCommit(SQLException failure) {
    commitFault.set(new CommitFault(failure, false, null));
  }

  /** The next commit waits (its transaction open, its locks held) until the pause is released. */
  Pause pauseNextCommit() {
    Pause pause = new Pause();
    commitFault.set(new CommitFault(null, false, pause));
    return pause;
  }

  @Override
  public Object invoke(Object self, Method method, Object[] args) throws Throwable {
    Object result = call(target, method, args);
    if (method.getName().equals("getConnection")) {
      Connection connection = (Connection) result;
      return Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class},
          (p, m, a) -> onConnection(connection, m, a));
    }
    return result;
  }

  private Object onConnection(Connection connection, Method method, Object[] args) throws Throwable {
    switch (method.getName()) {
      case "commit" -> {
        CommitFault fault = commitFault.getAndSet(null);
        if (fault != null && fault.pause() != null) {
          fault.pause().reached.countDown();
          if (!fault.pause().released.await(60, TimeUnit.SECONDS)) {
            throw new AssertionError("a paused commit was never released");
          }
        } else if (fault != null && !fault.afterCommitting()) {
          failures.add(fault.failure());
          throw fault.failure();
        }
        Object result = call(connection, method, args);
        commits.incrementAndGet();
        if (fault != null && fault.afterCommitting()) {
          failures.add(fault.failure());
          throw fault.failure();
        }
        return result;
      }
      case "rollback" -> {
        if (args == null) {
          rollbacks.incrementAndGet();
        }
        return call(connection, method, args);
      }
      case "prepareStatement" -> {
        PreparedStatement statement = (PreparedStatement) call(connection, method, args);
        String sql = (String) args[0];
        return Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {PreparedStatement.class},
            (p, m, a) -> onStatement(connection, statement, sql, m, a));
      }
      case "createStatement" -> {
        Statement statement = (Statement) call(connection, method, args);
        return Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Statement.class},
            (p, m, a) -> onStatement(connection, statement, a != null && a.length > 0 ? String.valueOf(a[0]) : "", m,
                a));
      }
      default -> {
        return call(connection, method, args);
      }
    }
  }

  private Object onStatement(Connection connection, Statement statement, String sql, Method method, Object[] args)
      throws Throwable {
    if (!EXECUTE.contains(method.getName())) {
      return call(statement, method, args);
    }
    String text = args != null && args.length > 0 && args[0] instanceof String s ? s : sql;
    for (StatementFault fault : statementFaults) {
      if (fault.sql().test(text) && fault.times().getAndDecrement() > 0) {
        failures.add(fault.failure());
        throw fault.failure();
      }
    }
    boolean autoCommitted = !text.stripLeading().regionMatches(true, 0, "SELECT", 0, 6) && connection.getAutoCommit();
    CommitFault fault = autoCommitted ? commitFault.get() : null;
    if (fault != null && (fault.pause() != null || !commitFault.compareAndSet(fault, null))) {
      fault = null;
    }
    if (fault != null && !fault.afterCommitting()) {
      failures.add(fault.failure());
      throw fault.failure();
    }
    switch (method.getName()) {
      case "executeQuery" -> queries.incrementAndGet();
      case "executeBatch", "executeLargeBatch" -> batches.incrementAndGet();
      default -> updates.incrementAndGet();
    }
    Object result;
    try {
      result = call(statement, method, args);
    } catch (SQLException e) {
      failures.add(e);
      throw e;
    }
    if (autoCommitted) {
      commits.incrementAndGet();
      autoCommits.incrementAndGet();
      if (fault != null) {
        failures.add(fault.failure());
        throw fault.failure();
      }
    }
    return result;
  }

  private static Object call(Object target, Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
