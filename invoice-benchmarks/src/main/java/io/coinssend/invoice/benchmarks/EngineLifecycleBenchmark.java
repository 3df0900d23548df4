package io.coinssend.invoice.benchmarks;

import io.coinssend.invoice.Invoice;
import io.coinssend.invoice.InvoiceStatus;
import io.coinssend.invoice.benchmarks.internal.EngineFixture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Full invoice lifecycles per second through {@code InvoiceEngine}: create the invoice, report its payment in the
 * mempool (PENDING), report it mined with that block as the tip (PAID), five events written to the store's log with
 * each change. Facts go through {@code WatcherContext.report}, as a watcher sends them. The fixture's chain mines
 * what is waiting: a block holds every payment in its mempool when it is mined (one with one client, up to four with
 * four; the log of each iteration says how many on average). One and four client threads,
 * in memory and on PostgreSQL ({@code JdbcInvoiceStore} over a HikariCP pool); each iteration starts on an empty
 * store.
 *
 * <p>Reference in the same run: {@link PgbenchReference} (pgbench {@code -N}) on the same server with the same
 * number of clients. Target on PostgreSQL: at least a third of pgbench's transactions per second, in lifecycles per
 * second, at the same client count.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 4)
@Measurement(iterations = 5, time = 4)
@Fork(value = 1, jvmArgsAppend = {"-Xms3g", "-Xmx3g", "-XX:+AlwaysPreTouch"})
public class EngineLifecycleBenchmark {

  private static final Logger log = LoggerFactory.getLogger(EngineLifecycleBenchmark.class);

  @Param({"memory", "postgresql"})
  public String store;

  private EngineFixture fixture;

  @Setup(Level.Iteration)
  public void setUp() {
    fixture = EngineFixture.start(store, 8);
    Invoice paid = fixture.engine().getInvoice(fixture.lifecycle().id());
    if (paid.status() != InvoiceStatus.PAID || fixture.store().lastEventSequence() != 5) {
      throw new IllegalStateException("a lifecycle ended " + paid.status() + " after "
          + fixture.store().lastEventSequence() + " events, not PAID after 5");
    }
  }

  @TearDown(Level.Iteration)
  public void tearDown() {
    // Logged into JMH's output: how many payments the fixture's chain put in each block (1 with one client).
    log.info("{}: {}", store, fixture.blocksMined());
    fixture.close();
  }

  @Benchmark
  @Threads(1)
  public Invoice oneClient() {
    return fixture.lifecycle();
  }

  @Benchmark
  @Threads(4)
  public Invoice fourClients() {
    return fixture.lifecycle();
  }
}
