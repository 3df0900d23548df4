package io.coinssend.invoice.testkit;

import static java.util.Objects.requireNonNull;

import io.coinssend.invoice.BlockRef;
import io.coinssend.invoice.PaymentRef;
import io.coinssend.invoice.memory.InMemoryInvoiceStore;
import io.coinssend.invoice.spi.ChainCursor;
import io.coinssend.invoice.spi.ChainFact;
import io.coinssend.invoice.spi.InvoiceStore;
import io.coinssend.invoice.spi.PaymentReversed;
import io.coinssend.invoice.spi.PaymentSeen;
import io.coinssend.invoice.spi.TipChanged;
import io.coinssend.invoice.spi.WatcherContext;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * A {@link WatcherContext} that records every fact a watcher reports, for testing a watcher without an engine. Its
 * cursor lives in a store that can be shared with a later context, to test a restart. Thread-safe; close it to stop
 * its scheduler.
 */
public final class RecordingWatcherContext implements WatcherContext, AutoCloseable {

  private final String chain;
  private final Clock clock;
  private final InvoiceStore cursors;
  private final ScheduledExecutorService scheduler;
  private final List<ChainFact> facts = new ArrayList<>();

  /**
   * A context for {@code chain} keeping its cursor in {@code cursors}.
   *
   * @param cursors where the cursor is kept; pass the same store to a later context to resume
   */
  public RecordingWatcherContext(String chain, Clock clock, InvoiceStore cursors) {
    this.chain = requireNonNull(chain, "chain");
    this.clock = requireNonNull(clock, "clock");
    this.cursors = requireNonNull(cursors, "cursors");
    this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread thread = new Thread(r, "recording-watcher-" + chain);
      thread.setDaemon(true);
      return thread;
    });
  }

  /** A context with its own cursor store and the system clock. */
  public RecordingWatcherContext(String chain) {
    this(chain, Clock.systemUTC(), new InMemoryInvoiceStore());
  }

  @Override
  public String chain() {
    return chain;
  }

  @Override
  public Clock clock() {
    return clock;
  }

  @Override
  public ScheduledExecutorService scheduler() {
    return scheduler;
  }

  @Override
  public synchronized void report(List<ChainFact> reported) {
    reported.forEach(f -> facts.add(requireNonNull(f, "fact")));
  }

  @Override
  public Optional<ChainCursor> loadCursor() {
    return cursors.findCursor(chain);
  }

  @Override
  public void saveCursor(ChainCursor cursor) {
    if (!cursor.chain().equals(chain)) {
      throw new IllegalArgumentException("cursor of " + cursor.chain() + " saved in the context of " + chain);
    }
    cursors.saveCursor(cursor);
  }

  /** Every fact reported so far, in order. */
  public synchronized List<ChainFact> facts() {
    return List.copyOf(facts);
  }

  /** The payment facts (seen or reversed) about {@code ref}, in order. */
  public synchronized List<ChainFact> factsAbout(PaymentRef ref) {
    List<ChainFact> about = new ArrayList<>();
    for (ChainFact fact : facts) {
      if (fact instanceof PaymentSeen seen && seen.ref().equals(ref)
          || fact instanceof PaymentReversed reversed && reversed.ref().equals(ref)) {
        about.add(fact);
      }
    }
    return about;
  }

  /** The payment facts about any output of transaction {@code txid}, in order. */
  public synchronized List<ChainFact> factsAboutTx(String txid) {
    List<ChainFact> about = new ArrayList<>();
    for (ChainFact fact : facts) {
      if (fact instanceof PaymentSeen seen && seen.ref().txid().equals(txid)
          || fact instanceof PaymentReversed reversed && reversed.ref().txid().equals(txid)) {
        about.add(fact);
      }
    }
    return about;
  }

  /** The payments reported seen at {@code address}, in order. */
  public synchronized List<PaymentSeen> seenAt(String address) {
    List<PaymentSeen> seen = new ArrayList<>();
    for (ChainFact fact : facts) {
      if (fact instanceof PaymentSeen s && s.address().equals(address)) {
        seen.add(s);
      }
    }
    return seen;
  }

  /** The last tip reported, if any. */
  public synchronized Optional<BlockRef> lastTip() {
    for (int i = facts.size() - 1; i >= 0; i--) {
      if (facts.get(i) instanceof TipChanged tip) {
        return Optional.of(tip.tip());
      }
    }
    return Optional.empty();
  }

  /** Forgets the facts recorded so far (the cursor stays). */
  public synchronized void clear() {
    facts.clear();
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
  }
}
