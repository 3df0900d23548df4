package io.coinssend.invoice.spi;

import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What the engine gives a chain watcher: where to report facts, where to keep its cursor, a clock and a scheduler.
 * Thread-safe.
 */
public interface WatcherContext {

  /** The chain key of the watcher. */
  String chain();

  /** The engine's clock; use it for mempool sighting times. */
  Clock clock();

  /**
   * A single-threaded scheduler owned by the engine for this watcher's polling; the engine shuts it down when it
   * closes.
   */
  ScheduledExecutorService scheduler();

  /**
   * Applies observed facts, in the order given, and returns once they are durable in the store. Save the cursor
   * that covers them only after this returns: a crash in between makes the watcher report them again, which is
   * harmless. Safe to call from several threads: reports that arrive while another of the chain is being applied
   * wait, and are then applied together in one store write (each caller's facts stay in their order); if that write
   * fails, each is applied again alone, so one caller's failure is never thrown to the others.
   *
   * @throws io.coinssend.invoice.InvoiceStoreException if the store failed; nothing was lost, report again later
   */
  void report(List<ChainFact> facts);

  /** The watcher's stored cursor, empty on first start. */
  Optional<ChainCursor> loadCursor();

  /** Stores the watcher's cursor. */
  void saveCursor(ChainCursor cursor);
}
