package io.coinssend.invoice.bitcoin.internal;

import io.coinssend.invoice.BlockRef;
import java.util.List;
import java.util.Optional;

/**
 * What the watcher reads from a bitcoin node or indexer. Every method may throw {@link BackendException} (or any
 * exception) on a failure; the caller retries and reports nothing for the failed step. Implementations are used from
 * one thread at a time.
 */
public interface ChainBackend {

  /** The best block now; also checks that the backend serves the configured network. */
  BlockRef tip() throws BackendException;

  /** The block at {@code height} on the best chain, or empty if the best chain is shorter. */
  Optional<BlockRef> blockAt(long height) throws BackendException;

  /** The raw serialised block with hash {@code hash}. */
  byte[] rawBlock(String hash) throws BackendException;

  /** The unconfirmed outputs that pay a script of {@code index}. */
  List<ScriptIndex.Match> mempool(ScriptIndex index) throws BackendException;

  /** Whether {@code txid} is unconfirmed in the mempool now (false if it is mined or unknown). */
  boolean inMempool(String txid) throws BackendException;

  /**
   * Why unconfirmed transaction {@code txid}, which paid a watched script and is now neither in the mempool nor
   * mined, disappeared: {@link io.coinssend.invoice.ReversalCause#DOUBLE_SPENT} if an output it spent is spent by a
   * confirmed transaction, otherwise {@link io.coinssend.invoice.ReversalCause#REPLACED}.
   */
  io.coinssend.invoice.ReversalCause vanishedCause(String txid) throws BackendException;

  /** What this backend is, for logs: its kind and address, never credentials. */
  String describe();
}
