package io.coinssend.invoice.benchmarks;

import io.coinssend.invoice.benchmarks.internal.Pgbench;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * The physical reference for {@link EngineLifecycleBenchmark} on PostgreSQL: {@code pgbench -N} (the built-in
 * simple-update transaction: an update, a select and an insert in one transaction) on its own database on the same
 * server, with one and four clients, in the same JMH run. Each invocation runs pgbench for {@link #seconds} seconds;
 * the result to read is the secondary metric {@code transactions} (transactions per second, as pgbench counts them;
 * the primary score counts pgbench runs and means nothing).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 3)
@Measurement(iterations = 5, time = 4)
@Fork(value = 1, jvmArgsAppend = {"-Xms256m", "-Xmx256m", "-XX:+AlwaysPreTouch"})
public class PgbenchReference {

  /** How long each pgbench run lasts. */
  @Param({"4"})
  public int seconds;

  /** Transactions pgbench completed, per second of the iteration. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Transactions {
    public long transactions;

    @Setup(Level.Iteration)
    public void reset() {
      transactions = 0;
    }
  }

  @Setup(Level.Trial)
  public void initialise() {
    Pgbench.initialise();
  }

  @Benchmark
  public void oneClient(Transactions counter) {
    counter.transactions += Pgbench.simpleUpdate(1, seconds);
  }

  @Benchmark
  public void fourClients(Transactions counter) {
    counter.transactions += Pgbench.simpleUpdate(4, seconds);
  }
}
