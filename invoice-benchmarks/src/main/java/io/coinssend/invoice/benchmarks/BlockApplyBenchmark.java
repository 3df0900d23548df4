package io.coinssend.invoice.benchmarks;

import io.coinssend.invoice.BlockRef;
import io.coinssend.invoice.Invoice;
import io.coinssend.invoice.InvoiceStatus;
import io.coinssend.invoice.benchmarks.internal.EngineFixture;
import java.util.ArrayList;
import java.util.List;
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
 * One block paying {@value #PAYMENTS} open invoices, applied: a single {@code WatcherContext.report} of
 * {@value #PAYMENTS} {@code PaymentSeen} in the block plus the {@code TipChanged}, which loads the invoices by
 * address in one query, merges, decides (each becomes PAID: payment detected, confirmed, paid) and writes them with
 * their 3,000 events through {@code InvoiceStore.updateAll}. The invoices are created before each measurement, on a
 * store that keeps growing across iterations. In memory and on PostgreSQL. Target on PostgreSQL: at most 250 ms.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 4)
@Measurement(iterations = 10)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class BlockApplyBenchmark {

  /** The payments in the block. */
  public static final int PAYMENTS = 1_000;

  @Param({"memory", "postgresql"})
  public String store;

  private EngineFixture fixture;
  private List<Invoice> open;

  @Setup(Level.Trial)
  public void startEngine() {
    fixture = EngineFixture.start(store, 8);
  }

  @Setup(Level.Iteration)
  public void createInvoices() {
    open = new ArrayList<>(PAYMENTS);
    for (int i = 0; i < PAYMENTS; i++) {
      open.add(fixture.createInvoice());
    }
  }

  @TearDown(Level.Iteration)
  public void checkPaid() {
    for (Invoice invoice : List.of(open.get(0), open.get(PAYMENTS / 2), open.get(PAYMENTS - 1))) {
      InvoiceStatus status = fixture.engine().getInvoice(invoice.id()).status();
      if (status != InvoiceStatus.PAID) {
        throw new IllegalStateException("invoice " + invoice.id() + " is " + status + " after its block, not PAID");
      }
    }
  }

  @TearDown(Level.Trial)
  public void stopEngine() {
    fixture.close();
  }

  @Benchmark
  public BlockRef applyBlock() {
    return fixture.payInOneBlock(open);
  }
}
