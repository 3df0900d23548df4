package io.coinssend.invoice.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.coinssend.invoice.jdbc.PostgresPlans;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * {@link PostgresPlanning} without a server: the automatic choice follows the answer to whether autovacuum runs, and a
 * statement planned at each execution has its driver's prepare threshold set to 0 (pgjdbc's way of never preparing it
 * on the server), or a warning when the driver has no such setting.
 */
class PostgresPlanningTest {

  /** A statement of a driver with pgjdbc's setting, as {@code PGStatement} declares it. */
  public interface ThresholdStatement extends PreparedStatement {
    void setPrepareThreshold(int threshold);
  }

  private final List<Integer> thresholds = new ArrayList<>();
  private final List<String> tablesAsked = new ArrayList<>();
  private ListAppender<ILoggingEvent> logged;
  private Logger logger;

  @BeforeEach
  void captureLog() {
    logger = (Logger) LoggerFactory.getLogger(PostgresPlanning.class);
    logged = new ListAppender<>();
    logged.start();
    logger.addAppender(logged);
    logger.setLevel(Level.INFO);
  }

  @AfterEach
  void releaseLog() {
    logger.detachAppender(logged);
    logger.setLevel(null);
  }

  @Test
  void automaticKeepsTheServersPlansWhereAutovacuumRuns() throws SQLException {
    PostgresPlanning planning = new PostgresPlanning(PostgresPlans.AUTOMATIC);
    assertThat(planning.unsettled()).isTrue();

    planning.settle(connectionAnswering(true), "coinssend_invoice");

    assertThat(planning.unsettled()).isFalse();
    assertThat(tablesAsked).containsExactly("coinssend_invoice");
    planning.planned(statement(true));
    assertThat(thresholds).as("left to the driver's default").isEmpty();
    assertThat(logged.list).isEmpty();
  }

  @Test
  void automaticPlansAtEachExecutionWhereAutovacuumDoesNotRun() throws SQLException {
    PostgresPlanning planning = new PostgresPlanning(PostgresPlans.AUTOMATIC);

    planning.settle(connectionAnswering(false), "webhook_delivery");
    planning.settle(connectionAnswering(true), "webhook_delivery");

    assertThat(tablesAsked).as("settled once").containsExactly("webhook_delivery");
    planning.planned(statement(true));
    assertThat(thresholds).as("never prepared on the server").containsExactly(0);
    assertThat(logged.list).extracting(ILoggingEvent::getLevel, ILoggingEvent::getFormattedMessage)
        .singleElement().satisfies(line -> assertThat(line.toString()).contains("INFO", "webhook_delivery",
            "planned at each execution"));
  }

  @Test
  void theExplicitChoicesNeedNoQuestion() throws SQLException {
    PostgresPlanning cached = new PostgresPlanning(PostgresPlans.CACHED);
    PostgresPlanning each = new PostgresPlanning(PostgresPlans.EACH_EXECUTION);
    cached.settle(connectionAnswering(false), "coinssend_invoice");
    each.settle(connectionAnswering(true), "coinssend_invoice");

    assertThat(tablesAsked).isEmpty();
    cached.planned(statement(true));
    assertThat(thresholds).isEmpty();
    each.planned(statement(true));
    assertThat(thresholds).containsExactly(0);
  }

  @Test
  void aDriverWithoutTheSettingKeepsItsPlansAndIsWarnedOfOnce() throws SQLException {
    PostgresPlanning each = new PostgresPlanning(PostgresPlans.EACH_EXECUTION);
    PreparedStatement other = statement(false);

    assertThat(each.planned(other)).isSameAs(other);
    each.planned(statement(false));

    assertThat(logged.list).extracting(ILoggingEvent::getLevel).containsExactly(Level.WARN);
    assertThat(logged.list.get(0).getFormattedMessage()).contains("cannot be told", "ANALYZE");
  }

  /** A connection whose autovacuum question answers {@code runs}, recording the table asked about. */
  private Connection connectionAnswering(boolean runs) {
    ResultSet rows = proxy(ResultSet.class, (method, args) -> switch (method) {
      case "next" -> true;
      case "getBoolean" -> runs;
      default -> null;
    });
    PreparedStatement query = proxy(PreparedStatement.class, (method, args) -> {
      if (method.equals("setString")) {
        tablesAsked.add((String) args[1]);
      }
      return method.equals("executeQuery") ? rows : null;
    });
    return proxy(Connection.class, (method, args) -> method.equals("prepareStatement") ? query : null);
  }

  /** A statement, of a driver with pgjdbc's prepare threshold if {@code threshold}, else of one without. */
  private PreparedStatement statement(boolean threshold) {
    Class<? extends PreparedStatement> type = threshold ? ThresholdStatement.class : PreparedStatement.class;
    return proxy(type, (method, args) -> switch (method) {
      case "setPrepareThreshold" -> {
        thresholds.add((Integer) args[0]);
        yield null;
      }
      case "isWrapperFor" -> false;
      default -> null;
    });
  }

  private interface Answer {
    Object answer(String method, Object[] args);
  }

  private static <T> T proxy(Class<T> type, Answer answer) {
    return type.cast(Proxy.newProxyInstance(PostgresPlanningTest.class.getClassLoader(), new Class<?>[] {type},
        (self, method, args) -> method.getName().equals("close") ? null : answer.answer(method.getName(), args)));
  }
}
