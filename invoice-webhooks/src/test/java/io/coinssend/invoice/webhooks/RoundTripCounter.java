package io.coinssend.invoice.webhooks;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/**
 * A {@link DataSource} in front of a real one that counts what a store sends: statements executed (each a round trip
 * with PostgreSQL's driver), those of them run inside a transaction (manual-commit mode: the transaction's BEGIN
 * travels with its first statement, and its COMMIT is a round trip of its own), commits and rollbacks called, and
 * connections given back in another commit mode than they were handed out in. Optionally hands out its connections
 * in manual-commit mode, as a pool configured with {@code autoCommit=false} does.
 */
final class RoundTripCounter {

  private static final Set<String> EXECUTE = Set.of("execute", "executeQuery", "executeUpdate", "executeBatch",
      "executeLargeUpdate", "executeLargeBatch");

  final AtomicInteger statements = new AtomicInteger();
  final AtomicInteger commits = new AtomicInteger();
  final AtomicInteger rollbacks = new AtomicInteger();
  final AtomicInteger statementsInTransactions = new AtomicInteger();
  final AtomicInteger returnedInAnotherMode = new AtomicInteger();

  private final DataSource target;
  private final boolean manualCommitConnections;

  RoundTripCounter(DataSource target, boolean manualCommitConnections) {
    this.target = target;
    this.manualCommitConnections = manualCommitConnections;
  }

  DataSource dataSource() {
    return proxy(DataSource.class, target, (real, method, args) -> {
      Object result = invoke(real, method, args);
      if (result instanceof Connection connection) {
        if (manualCommitConnections) {
          connection.setAutoCommit(false);
        }
        boolean handedOut = connection.getAutoCommit();
        return proxy(Connection.class, connection, (realConnection, call, callArgs) -> {
          if (call.getName().equals("close") && connection.getAutoCommit() != handedOut) {
            returnedInAnotherMode.incrementAndGet();
          }
          return connectionCall(connection, call, callArgs);
        });
      }
      return result;
    });
  }

  void reset() {
    statements.set(0);
    commits.set(0);
    rollbacks.set(0);
    statementsInTransactions.set(0);
    returnedInAnotherMode.set(0);
  }

  @Override
  public String toString() {
    return statements + " statement(s) (" + statementsInTransactions + " in a transaction), " + commits
        + " commit(s), " + rollbacks + " rollback(s), " + returnedInAnotherMode + " connection(s) given back in "
        + "another commit mode";
  }

  private Object connectionCall(Connection real, Method method, Object[] args) throws Throwable {
    switch (method.getName()) {
      case "commit" -> commits.incrementAndGet();
      case "rollback" -> rollbacks.incrementAndGet();
      default -> {
        // counted on the statements
      }
    }
    Object result = invoke(real, method, args);
    if (result instanceof Statement statement) {
      Class<?> type = method.getName().equals("prepareStatement") ? java.sql.PreparedStatement.class
          : method.getName().equals("prepareCall") ? java.sql.CallableStatement.class : Statement.class;
      return proxy(type, statement, (realStatement, call, callArgs) -> {
        if (EXECUTE.contains(call.getName())) {
          statements.incrementAndGet();
          if (!real.getAutoCommit()) {
            statementsInTransactions.incrementAndGet();
          }
        }
        return invoke(realStatement, call, callArgs);
      });
    }
    return result;
  }

  @FunctionalInterface
  private interface Call {
    Object handle(Object real, Method method, Object[] args) throws Throwable;
  }

  private static <T> T proxy(Class<T> type, Object real, Call call) {
    InvocationHandler handler = (proxy, method, args) -> call.handle(real, method, args);
    return type.cast(Proxy.newProxyInstance(RoundTripCounter.class.getClassLoader(), new Class<?>[] {type}, handler));
  }

  private static Object invoke(Object real, Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(real, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    } catch (IllegalAccessException e) {
      throw new SQLException("could not call " + method, e);
    }
  }
}
