package io.coinssend.invoice.spi;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.coinssend.invoice.Asset;
import io.coinssend.invoice.BlockRef;
import io.coinssend.invoice.ChainWatcherException;
import io.coinssend.invoice.Money;
import io.coinssend.invoice.PaymentRef;
import io.coinssend.invoice.ReversalCause;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows a chain block by block on behalf of a {@link ChainWatcher}: resumes from the stored cursor, reports the
 * payments in each new block, detects reorganisations by block hash and reports the payments of orphaned blocks as
 * moved (found again in the new branch or back in the mempool) or reversed, reports unconfirmed payments and their
 * disappearance (replacement), and reports the tip.
 *
 * <p>The chain-specific reading is behind a {@link Source}. Each {@link #scan()} does one bounded step and returns;
 * the watcher calls it on its own schedule (poll) or after a notification (push). The scanner's state is saved in the
 * watcher's {@link ChainCursor} after the facts are reported, so a crash repeats reports (harmless) and never skips
 * one. A reorganisation deeper than the kept window of blocks throws {@link ChainWatcherException} on every scan
 * until an operator intervenes: a silent guess could give a wrong status. Thread-safe: scans are serialised.
 */
public final class ChainScanner {

  private static final Logger log = LoggerFactory.getLogger(ChainScanner.class);
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** Blocks kept for reorganisation detection by default. */
  public static final int DEFAULT_WINDOW = 100;
  /** Blocks processed in one scan by default. */
  public static final int DEFAULT_BATCH = 50;

  /** Reads the chain. Methods may throw anything on a backend failure; the scan then stops without a fact. */
  public interface Source {

    /** The best block now. */
    BlockRef tip() throws Exception;

    /** The block at {@code height} on the best chain, or empty if the best chain is shorter. */
    Optional<BlockRef> blockAt(long height) throws Exception;

    /** The transfers to watched addresses in {@code block}, of any asset. */
    List<Transfer> transfers(BlockRef block) throws Exception;

    /** The unconfirmed transfers to watched addresses now; empty for a source without a mempool. */
    default List<Transfer> mempool() throws Exception {
      return List.of();
    }

    /** Whether transaction {@code txid} is unconfirmed in the mempool now. */
    default boolean inMempool(String txid) throws Exception {
      return false;
    }

    /** Why an unconfirmed transaction disappeared without being mined. */
    default ReversalCause vanishedCause(PaymentRef ref) throws Exception {
      return ReversalCause.REPLACED;
    }
  }

  /**
   * One transfer to a watched address.
   *
   * @param address the watched address
   * @param ref the transfer's identity
   * @param amount the amount, in whatever asset was transferred
   */
  public record Transfer(String address, PaymentRef ref, Money amount) {
    public Transfer {
      requireNonNull(address, "address");
      requireNonNull(ref, "ref");
      requireNonNull(amount, "amount");
    }
  }

  private final String chain;
  private final Source source;
  private final int window;
  private final int batch;
  private final OptionalLong startHeight;
  private final boolean mempool;

  private State state;

  /**
   * A scanner.
   *
   * @param chain the chain key of the watcher
   * @param source how to read the chain
   * @param window how many recent blocks to keep for reorganisation detection (at least 2)
   * @param batch the most blocks one scan processes
   * @param startHeight where to begin on first start; empty to begin at the tip
   * @param mempool whether to follow unconfirmed transfers
   */
  public ChainScanner(String chain, Source source, int window, int batch, OptionalLong startHeight, boolean mempool) {
    this.chain = requireNonNull(chain, "chain");
    this.source = requireNonNull(source, "source");
    this.startHeight = requireNonNull(startHeight, "startHeight");
    if (window < 2) {
      throw new IllegalArgumentException("window must be at least 2 blocks, but was " + window);
    }
    if (batch < 1) {
      throw new IllegalArgumentException("batch must be at least 1 block, but was " + batch);
    }
    startHeight.ifPresent(h -> {
      if (h < 0) {
        throw new IllegalArgumentException("start height must not be negative, but was " + h);
      }
    });
    this.window = window;
    this.batch = batch;
    this.mempool = mempool;
  }

  /** The best block this scanner has processed, if any. */
  public synchronized Optional<BlockRef> processedTip() {
    return state == null || state.blocks.isEmpty() ? Optional.empty() : Optional.of(state.blocks.getLast().block);
  }

  /**
   * Scans one step: new blocks up to the batch size, reorganisation handling, the mempool and the tip, reporting
   * the facts found through {@code context} and then saving the cursor.
   *
   * @return true if the scan reached the tip (nothing more to do until the chain moves)
   * @throws ChainWatcherException on a reorganisation deeper than the window or a cursor of another chain
   * @throws Exception if the source failed; nothing was reported or saved
   */
  public synchronized boolean scan(WatcherContext context) throws Exception {
    if (state == null) {
      state = context.loadCursor().map(c -> State.read(c, chain)).orElseGet(State::new);
    }
    State work = state.copy();
    List<ChainFact> facts = new ArrayList<>();
    Instant now = context.clock().instant();
    BlockRef tip = source.tip();
    Optional<BlockRef> before = work.blocks.isEmpty() ? Optional.empty() : Optional.of(work.blocks.getLast().block);

    long next;
    if (work.blocks.isEmpty()) {
      next = startHeight.orElse(tip.height());
    } else {
      rollBackOrphans(work, tip);
      next = work.blocks.getLast().block.height() + 1;
    }

    Set<PaymentRef> confirmedNow = new HashSet<>();
    long last = Math.min(tip.height(), next + batch - 1);
    for (long height = next; height <= last; height++) {
      Optional<BlockRef> block = source.blockAt(height);
      if (block.isEmpty()) {
        break; // the chain got shorter under us; the next scan sorts it out
      }
      List<Transfer> transfers = source.transfers(block.get());
      for (Transfer transfer : transfers) {
        facts.add(PaymentSeen.inBlock(transfer.address(), transfer.ref(), transfer.amount(), block.get()));
        confirmedNow.add(transfer.ref());
        work.unconfirmed.remove(transfer.ref());
        work.missing.remove(transfer.ref());
      }
      work.blocks.addLast(new Scanned(block.get(), transfers));
      while (work.blocks.size() > window) {
        work.blocks.removeFirst();
      }
    }
    boolean caughtUp = work.blocks.isEmpty() || work.blocks.getLast().block.height() >= tip.height();

    // Payments of orphaned blocks are settled once the new branch is scanned up to the tip.
    if (caughtUp && !work.orphans.isEmpty()) {
      for (Orphan orphan : work.orphans.values()) {
        if (confirmedNow.contains(orphan.transfer.ref()) || isInKeptBlocks(work, orphan.transfer.ref())) {
          continue;
        }
        Transfer t = orphan.transfer;
        if (source.inMempool(t.ref().txid())) {
          facts.add(PaymentSeen.inMempool(t.address(), t.ref(), t.amount(), orphan.seenAt));
          work.unconfirmed.put(t.ref(), new Pending(t, orphan.seenAt));
        } else {
          facts.add(new PaymentReversed(t.address(), t.ref(), t.amount(), orphan.seenAt, ReversalCause.REORG,
              orphan.confirmationsBefore));
        }
      }
      work.orphans.clear();
    }

    if (mempool && caughtUp) {
      followMempool(work, facts, now, confirmedNow);
    }

    Optional<BlockRef> after = work.blocks.isEmpty() ? Optional.empty() : Optional.of(work.blocks.getLast().block);
    if (after.isPresent() && !after.equals(before)) {
      facts.add(new TipChanged(after.get()));
    }
    if (!facts.isEmpty()) {
      context.report(facts);
    }
    if (!work.equals(state) || !facts.isEmpty()) {
      context.saveCursor(new ChainCursor(chain, work.write()));
    }
    state = work;
    return caughtUp;
  }

  private void rollBackOrphans(State work, BlockRef tip) throws Exception {
    List<Scanned> orphaned = new ArrayList<>();
    Iterator<Scanned> newestFirst = work.blocks.descendingIterator();
    long oldTip = work.blocks.getLast().block.height();
    boolean forkFound = false;
    while (newestFirst.hasNext()) {
      Scanned scanned = newestFirst.next();
      Optional<BlockRef> now = scanned.block.height() <= tip.height()
          ? source.blockAt(scanned.block.height())
          : Optional.empty();
      if (now.isPresent() && now.get().hash().equals(scanned.block.hash())) {
        forkFound = true;
        break;
      }
      orphaned.add(scanned);
    }
    if (orphaned.isEmpty()) {
      return;
    }
    if (!forkFound) {
      throw new ChainWatcherException("chain " + chain + " reorganised deeper than the " + work.blocks.size()
          + " blocks kept (none of heights " + work.blocks.getFirst().block.height() + ".." + oldTip
          + " is still on the best chain); refusing to guess. Resolve by hand: check the node, then reset the"
          + " watcher's cursor to a height before the fork.");
    }
    log.warn("Chain {} reorganised: {} block(s) from height {} orphaned (old tip {})", chain, orphaned.size(),
        orphaned.get(orphaned.size() - 1).block.height(), oldTip);
    for (Scanned scanned : orphaned) {
      work.blocks.removeLast();
      long confirmations = oldTip - scanned.block.height() + 1;
      for (Transfer transfer : scanned.transfers) {
        work.orphans.putIfAbsent(transfer.ref(), new Orphan(transfer, scanned.block.time(), confirmations));
      }
    }
  }

  private void followMempool(State work, List<ChainFact> facts, Instant now, Set<PaymentRef> confirmedNow)
      throws Exception {
    Map<PaymentRef, Transfer> current = new LinkedHashMap<>();
    for (Transfer transfer : source.mempool()) {
      if (!confirmedNow.contains(transfer.ref()) && !isInKeptBlocks(work, transfer.ref())) {
        current.put(transfer.ref(), transfer);
      }
    }
    for (Transfer transfer : current.values()) {
      work.missing.remove(transfer.ref());
      if (!work.unconfirmed.containsKey(transfer.ref())) {
        facts.add(PaymentSeen.inMempool(transfer.address(), transfer.ref(), transfer.amount(), now));
        work.unconfirmed.put(transfer.ref(), new Pending(transfer, now));
      }
    }
    // A transfer that left the mempool unmined is reversed only if it is still gone one scan later: it may have
    // been mined in a block this scan did not read yet.
    List<PaymentRef> gone = new ArrayList<>();
    for (Pending pending : work.unconfirmed.values()) {
      PaymentRef ref = pending.transfer.ref();
      if (current.containsKey(ref)) {
        continue;
      }
      if (work.missing.contains(ref)) {
        Transfer t = pending.transfer;
        facts.add(new PaymentReversed(t.address(), ref, t.amount(), pending.seenAt, source.vanishedCause(ref), 0));
        gone.add(ref);
      } else {
        work.missing.add(ref);
      }
    }
    for (PaymentRef ref : gone) {
      work.unconfirmed.remove(ref);
      work.missing.remove(ref);
    }
  }

  private static boolean isInKeptBlocks(State work, PaymentRef ref) {
    for (Scanned scanned : work.blocks) {
      for (Transfer transfer : scanned.transfers) {
        if (transfer.ref().equals(ref)) {
          return true;
        }
      }
    }
    return false;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // State, kept in the cursor as JSON

  private record Scanned(BlockRef block, List<Transfer> transfers) {
    Scanned {
      transfers = List.copyOf(transfers);
    }
  }

  private record Pending(Transfer transfer, Instant seenAt) {}

  private record Orphan(Transfer transfer, Instant seenAt, long confirmationsBefore) {}

  private static final class State {
    final ArrayDeque<Scanned> blocks = new ArrayDeque<>();
    final Map<PaymentRef, Pending> unconfirmed = new LinkedHashMap<>();
    final Set<PaymentRef> missing = new HashSet<>();
    final Map<PaymentRef, Orphan> orphans = new LinkedHashMap<>();

    State copy() {
      State copy = new State();
      copy.blocks.addAll(blocks);
      copy.unconfirmed.putAll(unconfirmed);
      copy.missing.addAll(missing);
      copy.orphans.putAll(orphans);
      return copy;
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof State s
          && List.copyOf(blocks).equals(List.copyOf(s.blocks))
          && unconfirmed.equals(s.unconfirmed)
          && missing.equals(s.missing)
          && orphans.equals(s.orphans);
    }

    @Override
    public int hashCode() {
      return List.copyOf(blocks).hashCode();
    }

    String write() {
      ObjectNode root = MAPPER.createObjectNode();
      root.put("format", 1);
      ArrayNode blockArray = root.putArray("blocks");
      for (Scanned scanned : blocks) {
        ObjectNode node = blockArray.addObject();
        writeBlock(node, scanned.block);
        ArrayNode transfers = node.putArray("transfers");
        scanned.transfers.forEach(t -> writeTransfer(transfers.addObject(), t));
      }
      ArrayNode pending = root.putArray("unconfirmed");
      for (Pending p : unconfirmed.values()) {
        ObjectNode node = pending.addObject();
        writeTransfer(node, p.transfer);
        node.put("seenAt", p.seenAt.toString());
        node.put("missing", missing.contains(p.transfer.ref()));
      }
      ArrayNode orphanArray = root.putArray("orphans");
      for (Orphan orphan : orphans.values()) {
        ObjectNode node = orphanArray.addObject();
        writeTransfer(node, orphan.transfer);
        node.put("seenAt", orphan.seenAt.toString());
        node.put("confirmationsBefore", orphan.confirmationsBefore);
      }
      try {
        return MAPPER.writeValueAsString(root);
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("could not write the scanner cursor", e);
      }
    }

    static State read(ChainCursor cursor, String chain) {
      if (!cursor.chain().equals(chain)) {
        throw new ChainWatcherException("stored cursor belongs to " + cursor.chain() + ", not " + chain);
      }
      try {
        JsonNode root = MAPPER.readTree(cursor.data());
        if (root.path("format").asInt() != 1) {
          throw new ChainWatcherException("stored cursor of " + chain + " has an unknown format");
        }
        State state = new State();
        for (JsonNode node : root.path("blocks")) {
          List<Transfer> transfers = new ArrayList<>();
          node.path("transfers").forEach(t -> transfers.add(readTransfer(t)));
          state.blocks.addLast(new Scanned(readBlock(node), transfers));
        }
        for (JsonNode node : root.path("unconfirmed")) {
          Transfer transfer = readTransfer(node);
          state.unconfirmed.put(transfer.ref(), new Pending(transfer, Instant.parse(node.path("seenAt").asText())));
          if (node.path("missing").asBoolean()) {
            state.missing.add(transfer.ref());
          }
        }
        for (JsonNode node : root.path("orphans")) {
          Transfer transfer = readTransfer(node);
          state.orphans.put(transfer.ref(), new Orphan(transfer, Instant.parse(node.path("seenAt").asText()),
              node.path("confirmationsBefore").asLong()));
        }
        return state;
      } catch (JsonProcessingException | RuntimeException e) {
        if (e instanceof ChainWatcherException cwe) {
          throw cwe;
        }
        throw new ChainWatcherException("stored cursor of " + chain + " is not readable: " + e.getMessage(), e);
      }
    }

    private static void writeBlock(ObjectNode node, BlockRef block) {
      node.put("height", block.height());
      node.put("hash", block.hash());
      node.put("time", block.time().toString());
    }

    private static BlockRef readBlock(JsonNode node) {
      return new BlockRef(node.path("height").asLong(), node.path("hash").asText(),
          Instant.parse(node.path("time").asText()));
    }

    private static void writeTransfer(ObjectNode node, Transfer transfer) {
      node.put("address", transfer.address());
      node.put("txid", transfer.ref().txid());
      node.put("index", transfer.ref().index());
      Asset asset = transfer.amount().asset();
      ObjectNode assetNode = node.putObject("asset");
      assetNode.put("code", asset.code());
      assetNode.put("chain", asset.chain());
      assetNode.put("network", asset.network());
      assetNode.put("decimals", asset.decimals());
      asset.contract().ifPresent(c -> assetNode.put("contract", c));
      node.put("units", transfer.amount().units().toString());
    }

    private static Transfer readTransfer(JsonNode node) {
      JsonNode a = node.path("asset");
      Asset asset = new Asset(a.path("code").asText(), a.path("chain").asText(), a.path("network").asText(),
          a.path("decimals").asInt(),
          a.hasNonNull("contract") ? Optional.of(a.path("contract").asText()) : Optional.empty());
      return new Transfer(node.path("address").asText(),
          new PaymentRef(node.path("txid").asText(), node.path("index").asInt()),
          Money.ofUnits(asset, new BigInteger(node.path("units").asText())));
    }
  }
}
