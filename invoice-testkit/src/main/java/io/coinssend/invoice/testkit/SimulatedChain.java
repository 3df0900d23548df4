package io.coinssend.invoice.testkit;

import static java.util.Objects.requireNonNull;

import io.coinssend.invoice.Asset;
import io.coinssend.invoice.BlockRef;
import io.coinssend.invoice.Money;
import io.coinssend.invoice.PaymentPolicy;
import io.coinssend.invoice.PaymentRef;
import io.coinssend.invoice.ReversalCause;
import io.coinssend.invoice.spi.ChainScanner;
import io.coinssend.invoice.spi.ChainWatcher;
import io.coinssend.invoice.spi.DepositDerivation;
import io.coinssend.invoice.spi.WatchedAddress;
import io.coinssend.invoice.spi.WatcherCapability;
import io.coinssend.invoice.spi.WatcherContext;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A chain in memory that tests (and the demo) drive by hand: pay an address into the mempool, mine blocks,
 * reorganise the last blocks, replace an unconfirmed transaction, pay an unexpected asset.
 *
 * <p>{@link #newWatcher()} gives a {@link ChainWatcher} over this chain for an engine; several watchers (engines) may
 * follow one chain, and a new watcher resumes from its stored cursor, so payments made while an engine was down are
 * found. Watchers are told of every change synchronously, on the thread that made it: when {@link #mine(int)}
 * returns, the engine has applied the block. Block times come from the clock given. Thread-safe.
 */
public final class SimulatedChain implements ChainDriver {

  private final Clock clock;
  private final String chain;
  private final Set<Asset> assets;
  private final Asset unexpectedAsset;
  private volatile PaymentPolicy defaultPolicy = PaymentPolicy.bitcoinDefaults();

  private final List<Block> blocks = new ArrayList<>();
  private final Map<String, Tx> mempool = new LinkedHashMap<>();
  private final Set<String> replaced = new LinkedHashSet<>();
  private final List<SimWatcher> watchers = new CopyOnWriteArrayList<>();
  private long counter;

  private record Output(String address, Money amount) {}

  private record Tx(String txid, List<Output> outputs) {}

  private record Block(BlockRef ref, List<Tx> txs) {}

  private SimulatedChain(Clock clock, Set<Asset> assets) {
    this.clock = clock;
    this.assets = Set.copyOf(assets);
    Asset first = assets.iterator().next();
    this.chain = first.chainKey();
    for (Asset asset : assets) {
      if (!asset.chainKey().equals(chain)) {
        throw new IllegalArgumentException("all assets of one chain share a chain key, but " + asset.key()
            + " is not on " + chain);
      }
    }
    this.unexpectedAsset = Asset.token("SIMX", first.chain(), first.network(), 6, "sim-unexpected-token");
    blocks.add(new Block(new BlockRef(0, hash("genesis/" + chain), clock.instant()), List.of()));
  }

  /**
   * A chain for {@code assets} (all on one chain key), its genesis block at the clock's time. The default payment
   * policy is bitcoin's (1 confirmation); see {@link #defaultPolicy(PaymentPolicy)}.
   */
  public static SimulatedChain create(Clock clock, Asset... assets) {
    requireNonNull(clock, "clock");
    if (assets.length == 0) {
      throw new IllegalArgumentException("a simulated chain needs at least one asset");
    }
    return new SimulatedChain(clock, new LinkedHashSet<>(List.of(assets)));
  }

  /** Sets the policy the chain's watchers propose for new invoices. */
  public SimulatedChain defaultPolicy(PaymentPolicy policy) {
    this.defaultPolicy = requireNonNull(policy, "policy");
    return this;
  }

  /** A new watcher following this chain, for one engine. */
  public ChainWatcher newWatcher() {
    return new SimWatcher();
  }

  /** The chain key, {@code chain:network}. */
  public String chain() {
    return chain;
  }

  /** The best block. */
  public synchronized BlockRef tip() {
    return blocks.get(blocks.size() - 1).ref();
  }

  /** The ids of the unconfirmed transactions. */
  public synchronized Set<String> mempoolTxids() {
    return Set.copyOf(mempool.keySet());
  }

  /** The asset {@link #payUnexpected} sends: a token nobody creates invoices for. */
  public Asset unexpectedAsset() {
    return unexpectedAsset;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Driving the chain

  @Override
  public String pay(String address, Money amount) {
    requireNonNull(address, "address");
    requireNonNull(amount, "amount");
    checkAsset(amount);
    String txid;
    synchronized (this) {
      txid = newTxid();
      mempool.put(txid, new Tx(txid, List.of(new Output(address, amount))));
    }
    changed();
    return txid;
  }

  /** Pays {@code address} and mines one block, returning the transaction id. */
  public String payAndMine(String address, Money amount) {
    String txid = pay(address, amount);
    mine(1);
    return txid;
  }

  @Override
  public void mine(int count) {
    if (count < 1) {
      throw new IllegalArgumentException("mine at least one block, but was " + count);
    }
    synchronized (this) {
      for (int i = 0; i < count; i++) {
        appendBlock();
      }
    }
    changed();
  }

  @Override
  public void reorg(int depth) {
    reorganise(depth, depth + 1, Set.of());
  }

  @Override
  public void reorgDropping(int depth, String txid) {
    requireNonNull(txid, "txid");
    reorganise(depth, depth + 1, Set.of(txid));
  }

  /**
   * Removes the last {@code depth} blocks and mines {@code newBlocks} new ones (0 leaves a shorter chain with the
   * transactions back in the mempool); transactions in {@code dropped} disappear entirely (double spent).
   */
  public void reorganise(int depth, int newBlocks, Set<String> dropped) {
    requireNonNull(dropped, "dropped");
    synchronized (this) {
      if (depth < 1 || depth >= blocks.size()) {
        throw new IllegalArgumentException("reorg depth must be between 1 and " + (blocks.size() - 1) + ", but was "
            + depth);
      }
      if (newBlocks < 0) {
        throw new IllegalArgumentException("new blocks must not be negative, but was " + newBlocks);
      }
      List<Tx> returning = new ArrayList<>();
      for (int i = 0; i < depth; i++) {
        Block orphaned = blocks.remove(blocks.size() - 1);
        returning.addAll(0, orphaned.txs());
      }
      Map<String, Tx> pool = new LinkedHashMap<>();
      for (Tx tx : returning) {
        if (!dropped.contains(tx.txid())) {
          pool.put(tx.txid(), tx);
        }
      }
      for (Tx tx : mempool.values()) {
        if (!dropped.contains(tx.txid())) {
          pool.put(tx.txid(), tx);
        }
      }
      mempool.clear();
      mempool.putAll(pool);
      for (int i = 0; i < newBlocks; i++) {
        appendBlock();
      }
    }
    changed();
  }

  @Override
  public String replace(String txid) {
    return replace(txid, "sim1qnobody", null);
  }

  /**
   * Replaces unconfirmed transaction {@code txid} by one paying {@code amount} to {@code address} (replace-by-fee);
   * a null amount keeps the old amount.
   *
   * @return the replacing transaction's id
   */
  public String replace(String txid, String address, Money amount) {
    requireNonNull(txid, "txid");
    requireNonNull(address, "address");
    String newTxid;
    synchronized (this) {
      Tx old = mempool.remove(txid);
      if (old == null) {
        throw new IllegalArgumentException("transaction " + txid + " is not unconfirmed, so it cannot be replaced");
      }
      replaced.add(txid);
      Money paid = amount != null ? amount : old.outputs().get(0).amount();
      newTxid = newTxid();
      mempool.put(newTxid, new Tx(newTxid, List.of(new Output(address, paid))));
    }
    changed();
    return newTxid;
  }

  @Override
  public String payUnexpected(String address, Money expected) {
    return pay(address, Money.ofUnits(unexpectedAsset, 1_000_000));
  }

  private void checkAsset(Money amount) {
    if (!amount.asset().chainKey().equals(chain)) {
      throw new IllegalArgumentException(amount.asset().key() + " is not on chain " + chain);
    }
  }

  private void appendBlock() {
    long height = blocks.size();
    BlockRef ref = new BlockRef(height, hash("block/" + chain + "/" + height + "/" + (++counter)), clock.instant());
    blocks.add(new Block(ref, List.copyOf(mempool.values())));
    mempool.clear();
  }

  private String newTxid() {
    return hash("tx/" + chain + "/" + (++counter));
  }

  private static String hash(String text) {
    try {
      return HexFormat.of().formatHex(
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }

  private static String uri(
      Asset asset, String address, Optional<Money> amount, Optional<String> label, Optional<String> message) {
    StringBuilder uri = new StringBuilder(asset.chain()).append(':').append(address);
    List<String> params = new ArrayList<>();
    amount.ifPresent(a -> params.add("amount=" + a.toPlainString()));
    if (asset.isToken()) {
      params.add("asset=" + encode(asset.code()));
    }
    label.ifPresent(l -> params.add("label=" + encode(l)));
    message.ifPresent(m -> params.add("message=" + encode(m)));
    if (!params.isEmpty()) {
      uri.append('?').append(String.join("&", params));
    }
    return uri.toString();
  }

  private static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private void changed() {
    for (SimWatcher watcher : watchers) {
      watcher.scanNow();
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Reading the chain, for watchers

  private synchronized Optional<Block> blockAt(long height) {
    return height >= 0 && height < blocks.size() ? Optional.of(blocks.get((int) height)) : Optional.empty();
  }

  private synchronized List<Tx> mempoolTxs() {
    return List.copyOf(mempool.values());
  }

  private synchronized boolean inMempool(String txid) {
    return mempool.containsKey(txid);
  }

  private synchronized boolean wasReplaced(String txid) {
    return replaced.contains(txid);
  }

  /** A watcher of this chain. */
  private final class SimWatcher implements ChainWatcher, ChainScanner.Source {
    private final Map<String, WatchedAddress> watched = new ConcurrentHashMap<>();
    private final ChainScanner scanner =
        new ChainScanner(chain, this, ChainScanner.DEFAULT_WINDOW, 100_000, OptionalLong.empty(), true);
    private volatile WatcherContext context;
    private final java.util.concurrent.atomic.AtomicBoolean scanning = new java.util.concurrent.atomic.AtomicBoolean();
    private final java.util.concurrent.atomic.AtomicBoolean again = new java.util.concurrent.atomic.AtomicBoolean();

    @Override
    public String chain() {
      return chain;
    }

    @Override
    public Set<Asset> assets() {
      return assets;
    }

    @Override
    public Set<WatcherCapability> capabilities() {
      return EnumSet.allOf(WatcherCapability.class);
    }

    @Override
    public PaymentPolicy defaultPolicy(Asset asset) {
      return defaultPolicy;
    }

    @Override
    public String derivationKey() {
      return "sim:" + chain;
    }

    @Override
    public String deriveAddress(Asset asset, long index) {
      if (!assets.contains(asset)) {
        throw new IllegalArgumentException(asset.key() + " is not served by the simulated chain " + chain);
      }
      if (index < 0) {
        throw new IllegalArgumentException("index must not be negative, but was " + index);
      }
      return "sim1q" + hash(chain + "/0/" + index).substring(0, 38);
    }

    @Override
    public String paymentUri(
        Asset asset, String address, Money amount, Optional<String> label, Optional<String> message) {
      return uri(asset, address, Optional.of(amount), label, message);
    }

    @Override
    public Optional<DepositDerivation> depositDerivation() {
      return Optional.of(new DepositDerivation() {
        @Override
        public String derivationKey() {
          return "sim-deposit:" + chain;
        }

        @Override
        public String deriveAddress(Asset asset, long index) {
          if (!assets.contains(asset)) {
            throw new IllegalArgumentException(asset.key() + " is not served by the simulated chain " + chain);
          }
          if (index < 0) {
            throw new IllegalArgumentException("index must not be negative, but was " + index);
          }
          return "sim1d" + hash(chain + "/deposit/" + index).substring(0, 38);
        }

        @Override
        public String paymentUri(Asset asset, String address, Optional<String> label) {
          return uri(asset, address, Optional.empty(), label, Optional.empty());
        }
      });
    }

    @Override
    public void watch(WatchedAddress address) {
      watched.put(address.address(), address);
    }

    @Override
    public void unwatch(String address) {
      watched.remove(address);
    }

    @Override
    public void start(WatcherContext context) {
      if (this.context != null) {
        throw new IllegalStateException("this watcher was already started");
      }
      this.context = requireNonNull(context, "context");
      watchers.add(this);
      scanNow();
    }

    @Override
    public void close() {
      watchers.remove(this);
    }

    void scanNow() {
      WatcherContext current = context;
      if (current == null || !watchers.contains(this)) {
        return;
      }
      again.set(true);
      // A change made while a scan reports (a listener paying, say) is scanned when that scan is done.
      while (again.get() && scanning.compareAndSet(false, true)) {
        try {
          while (again.getAndSet(false)) {
            // Scan to the tip, then once more: the scanner reports an unconfirmed transaction gone only when two
            // scans in a row miss it.
            while (!scanner.scan(current)) {
              // keep going until caught up
            }
            scanner.scan(current);
          }
        } catch (RuntimeException e) {
          throw e;
        } catch (Exception e) {
          throw new IllegalStateException("simulated chain scan failed", e);
        } finally {
          scanning.set(false);
        }
      }
    }

    // ChainScanner.Source

    @Override
    public BlockRef tip() {
      return SimulatedChain.this.tip();
    }

    @Override
    public Optional<BlockRef> blockAt(long height) {
      return SimulatedChain.this.blockAt(height).map(Block::ref);
    }

    @Override
    public List<ChainScanner.Transfer> transfers(BlockRef block) {
      Optional<Block> found = SimulatedChain.this.blockAt(block.height()).filter(b -> b.ref().equals(block));
      return found.map(b -> matches(b.txs())).orElse(List.of());
    }

    @Override
    public List<ChainScanner.Transfer> mempool() {
      return matches(mempoolTxs());
    }

    @Override
    public boolean inMempool(String txid) {
      return SimulatedChain.this.inMempool(txid);
    }

    @Override
    public ReversalCause vanishedCause(PaymentRef ref) {
      return wasReplaced(ref.txid()) ? ReversalCause.REPLACED : ReversalCause.DOUBLE_SPENT;
    }

    private List<ChainScanner.Transfer> matches(List<Tx> txs) {
      List<ChainScanner.Transfer> found = new ArrayList<>();
      for (Tx tx : txs) {
        for (int i = 0; i < tx.outputs().size(); i++) {
          Output output = tx.outputs().get(i);
          if (watched.containsKey(output.address())) {
            found.add(new ChainScanner.Transfer(output.address(), new PaymentRef(tx.txid(), i), output.amount()));
          }
        }
      }
      return found;
    }

    @Override
    public String toString() {
      return "SimulatedChain.Watcher[" + chain + ", " + watched.size() + " watched]";
    }
  }

  @Override
  public synchronized String toString() {
    return "SimulatedChain[" + chain + ", tip " + tip() + ", " + mempool.size() + " unconfirmed]";
  }

  /** The time the chain's clock shows; blocks mined now get it. */
  public Instant now() {
    return clock.instant();
  }
}
