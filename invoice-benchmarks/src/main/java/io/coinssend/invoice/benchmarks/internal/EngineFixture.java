package io.coinssend.invoice.benchmarks.internal;

import com.zaxxer.hikari.HikariDataSource;
import io.coinssend.invoice.Asset;
import io.coinssend.invoice.BlockRef;
import io.coinssend.invoice.Invoice;
import io.coinssend.invoice.InvoiceEngine;
import io.coinssend.invoice.InvoiceRequest;
import io.coinssend.invoice.Money;
import io.coinssend.invoice.PaymentRef;
import io.coinssend.invoice.jdbc.JdbcInvoiceStore;
import io.coinssend.invoice.jdbc.PostgresPlans;
import io.coinssend.invoice.memory.InMemoryInvoiceStore;
import io.coinssend.invoice.spi.ChainFact;
import io.coinssend.invoice.spi.InvoiceStore;
import io.coinssend.invoice.spi.PaymentSeen;
import io.coinssend.invoice.spi.TipChanged;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A started {@link InvoiceEngine} on an in-memory store or on a {@link JdbcInvoiceStore} in a fresh
 * {@value Postgres#ENGINE_DATABASE} database, with a {@link ReportingWatcher} for BTC (1 confirmation), the system
 * clock and every other setting at its default (tick every second, no listener). Thread-safe; {@link #close()} it.
 */
public final class EngineFixture implements AutoCloseable {

  /** The asset of every invoice. */
  public static final Asset ASSET = Asset.BTC;
  /** The amount of every invoice: 0.0015 BTC. */
  public static final Money AMOUNT = Money.ofUnits(ASSET, 150_000);

  private final InvoiceStore store;
  private final HikariDataSource pool;
  private final ReportingWatcher watcher = new ReportingWatcher(ASSET);
  private final InvoiceEngine engine;
  private final AtomicLong orders = new AtomicLong();
  private final Object chainLock = new Object();
  private final String run = Long.toString(System.nanoTime(), 36);
  private final List<Waiting> mempool = new ArrayList<>();
  private long height = 870_000;
  private long blocks;
  private long minedPayments;

  private EngineFixture(InvoiceStore store, HikariDataSource pool) {
    this.store = store;
    this.pool = pool;
    this.engine = InvoiceEngine.builder().store(store).watcher(watcher).build().start();
  }

  /**
   * An engine on {@code store}: {@code memory} or {@code postgresql} (a pool of {@code connections}).
   *
   * @throws IllegalArgumentException for another store name
   */
  public static EngineFixture start(String store, int connections) {
    switch (store) {
      case "memory":
        return new EngineFixture(new InMemoryInvoiceStore(), null);
      case "postgresql":
        HikariDataSource pool = Postgres.freshEngineDatabase(connections);
        try {
          // The server's cached plans, as the store keeps them on a default server, where autovacuum runs (this
          // machine's server has it off, where the store's default would plan its list lookups at each execution).
          return new EngineFixture(JdbcInvoiceStore.builder(pool).createTablesIfMissing(true)
              .postgresPlans(PostgresPlans.CACHED).build(), pool);
        } catch (RuntimeException e) {
          pool.close();
          throw e;
        }
      default:
        throw new IllegalArgumentException("store must be memory or postgresql, but was " + store);
    }
  }

  public InvoiceEngine engine() {
    return engine;
  }

  public InvoiceStore store() {
    return store;
  }

  /** Creates an invoice for a new order. */
  public Invoice createInvoice() {
    return engine.createInvoice(InvoiceRequest.of("order-" + run + "-" + orders.incrementAndGet(), AMOUNT));
  }

  /**
   * One full lifecycle, as one client of the engine sees it: the invoice is created, its payment seen in the mempool
   * (PENDING), then mined in the next block and that block reported as the tip (1 confirmation: PAID), five events
   * written in all. Returns once the block holding the payment has been reported.
   *
   * <p>The fixture is a chain that mines what is waiting, as a real one does: a block holds every payment that was in
   * the mempool when it was mined. With one client that is one payment per block; with several, a client whose
   * payment is waiting while another client's block is being reported has it mined in the next block, together with
   * the others waiting then. One watcher reports one chain in order, so blocks are numbered and reported one at a
   * time.
   */
  public Invoice lifecycle() {
    Invoice invoice = createInvoice();
    Waiting payment = new Waiting(invoice, new PaymentRef(txid(invoice), 0));
    watcher.report(List.of(PaymentSeen.inMempool(invoice.address(), payment.ref, AMOUNT, Instant.now())));
    synchronized (mempool) {
      mempool.add(payment);
    }
    synchronized (chainLock) {
      if (payment.failure != null) {
        throw new IllegalStateException("the block holding this payment could not be reported", payment.failure);
      }
      if (!payment.mined) {
        List<Waiting> block;
        synchronized (mempool) {
          block = new ArrayList<>(mempool);
          mempool.clear();
        }
        BlockRef ref = nextBlock();
        List<ChainFact> facts = new ArrayList<>(block.size() + 1);
        for (Waiting waiting : block) {
          facts.add(PaymentSeen.inBlock(waiting.invoice.address(), waiting.ref, AMOUNT, ref));
        }
        facts.add(new TipChanged(ref));
        try {
          watcher.report(facts);
        } catch (RuntimeException e) {
          for (Waiting waiting : block) {
            waiting.failure = e;
          }
          throw e;
        }
        for (Waiting waiting : block) {
          waiting.mined = true;
        }
        blocks++;
        minedPayments += block.size();
      }
    }
    return invoice;
  }

  /** The blocks mined by {@link #lifecycle()} so far, and the payments they held. */
  public String blocksMined() {
    synchronized (chainLock) {
      long hundredths = blocks == 0 ? 0 : minedPayments * 100 / blocks;
      return blocks + " blocks holding " + minedPayments + " payments (" + hundredths / 100 + "."
          + String.format(java.util.Locale.ROOT, "%02d", hundredths % 100) + " per block)";
    }
  }

  /** A payment in the fixture's mempool; {@link #mined} and {@link #failure} are used under the chain lock. */
  private static final class Waiting {
    final Invoice invoice;
    final PaymentRef ref;
    boolean mined;
    RuntimeException failure;

    Waiting(Invoice invoice, PaymentRef ref) {
      this.invoice = invoice;
      this.ref = ref;
    }
  }

  /** Reports one block paying every invoice of {@code invoices} in full, and that block as the tip. */
  public BlockRef payInOneBlock(List<Invoice> invoices) {
    synchronized (chainLock) {
      BlockRef block = nextBlock();
      List<ChainFact> facts = new ArrayList<>(invoices.size() + 1);
      for (Invoice invoice : invoices) {
        facts.add(PaymentSeen.inBlock(invoice.address(), new PaymentRef(txid(invoice), 0), AMOUNT, block));
      }
      facts.add(new TipChanged(block));
      watcher.report(facts);
      return block;
    }
  }

  private BlockRef nextBlock() {
    height++;
    byte[] hash = new byte[32];
    for (int i = 0; i < 8; i++) {
      hash[31 - i] = (byte) (height >>> (8 * i));
    }
    hash[0] = (byte) 0xb1;
    return new BlockRef(height, HexFormat.of().formatHex(hash), Clock.systemUTC().instant());
  }

  private static String txid(Invoice invoice) {
    byte[] id = new byte[32];
    byte[] name = invoice.id().toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    for (int i = 0; i < name.length; i++) {
      id[i % 32] ^= name[i];
    }
    return HexFormat.of().formatHex(id);
  }

  @Override
  public void close() {
    engine.close();
    if (pool != null) {
      pool.close();
    }
  }
}
