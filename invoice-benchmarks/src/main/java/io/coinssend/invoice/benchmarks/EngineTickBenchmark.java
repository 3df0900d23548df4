package io.coinssend.invoice.benchmarks;

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
import org.openjdk.jmh.annotations.Warmup;

/**
 * One tick of a started engine ({@code InvoiceEngine.tick()}, the timed work it runs every second) with nothing due,
 * while 1,000 and 100,000 invoices' addresses are watched (in-memory store). A tick renews leases, reviews the
 * invoices due, follows other instances' creations, rechecks the watched addresses due and signals the listeners.
 *
 * <p>Target (no peer; the engine's own): the tick at 100,000 watched within 1.2x of the tick at 1,000, so that the
 * engine's background cost does not grow with the number of open invoices.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class EngineTickBenchmark {

  @Param({"1000", "100000"})
  public int watched;

  private EngineFixture engine;

  @Setup(Level.Trial)
  public void start() {
    engine = EngineFixture.start("memory", 0);
    for (int i = 0; i < watched; i++) {
      engine.createInvoice();
    }
    engine.engine().tick(); // the creations' events followed: the log holds nothing new from here on
  }

  @TearDown(Level.Trial)
  public void stop() {
    engine.close();
  }

  @Benchmark
  public int tick() {
    return engine.engine().tick();
  }
}
