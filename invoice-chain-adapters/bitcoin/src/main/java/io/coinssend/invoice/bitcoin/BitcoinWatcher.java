package io.coinssend.invoice.bitcoin;

import static java.util.Objects.requireNonNull;

import io.coinssend.invoice.Asset;
import io.coinssend.invoice.BlockRef;
import io.coinssend.invoice.ChainWatcherException;
import io.coinssend.invoice.Money;
import io.coinssend.invoice.PaymentPolicy;
import io.coinssend.invoice.bitcoin.internal.BitcoinCoreBackend;
import io.coinssend.invoice.bitcoin.internal.BitcoinSource;
import io.coinssend.invoice.bitcoin.internal.ChainBackend;
import io.coinssend.invoice.bitcoin.internal.Derivation;
import io.coinssend.invoice.bitcoin.internal.EsploraBackend;
import io.coinssend.invoice.bitcoin.internal.HttpTransport;
import io.coinssend.invoice.bitcoin.internal.ScriptIndex;
import io.coinssend.invoice.spi.ChainScanner;
import io.coinssend.invoice.spi.ChainWatcher;
import io.coinssend.invoice.spi.DepositDerivation;
import io.coinssend.invoice.spi.WatchedAddress;
import io.coinssend.invoice.spi.WatcherCapability;
import io.coinssend.invoice.spi.WatcherContext;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ChainWatcher} for bitcoin: derives one receiving address per invoice from the merchant's
 * {@link AccountKey} ({@code 0/i}, P2WPKH by default, P2TR or P2PKH on request) and follows the chain through Bitcoin
 * Core's JSON-RPC or an Esplora REST server.
 *
 * <p>Blocks are read raw and every output is looked up by its script in a hash map of the watched scripts, so the
 * cost per block does not grow with the number of watched addresses. Unconfirmed payments are reported from the
 * mempool (for 0-confirmation policies and "payment detected"); one that leaves the mempool unmined is reported
 * reversed (replace-by-fee, double spend). Reorganisations are detected by block hash within {@link
 * Builder#reorgWindow(int)} blocks; a deeper one stops the watcher with a logged {@link ChainWatcherException} rather
 * than guessing. The position is kept in the engine's store, so after a restart the watcher scans on from there.
 *
 * <p>Backend failures (connection refused, HTTP errors, time-outs, malformed JSON or hex) are logged and retried with
 * exponential backoff; they never produce a fact and never stop the poll loop. {@link #health()} tells how it goes.
 *
 * <p>Thread-safe. Build with {@link #builder(AccountKey)}; nothing here returns null.
 */
public final class BitcoinWatcher implements ChainWatcher {

  private static final Logger log = LoggerFactory.getLogger(BitcoinWatcher.class);

  /** How often the backend is polled by default: every 10 seconds. */
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(10);
  /** The longest wait between retries after failures, by default: 2 minutes. */
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofMinutes(2);
  /** How long one backend request may take by default: 30 seconds. */
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
  /** How long connecting to the backend may take by default: 10 seconds. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
  /** Blocks kept to detect reorganisations by default: {@value ChainScanner#DEFAULT_WINDOW}. */
  public static final int DEFAULT_REORG_WINDOW = ChainScanner.DEFAULT_WINDOW;
  /** Blocks read per scan step by default: {@value ChainScanner#DEFAULT_BATCH}. */
  public static final int DEFAULT_BLOCKS_PER_SCAN = ChainScanner.DEFAULT_BATCH;
  /** The default address type: {@link AddressType#P2WPKH}. */
  public static final AddressType DEFAULT_ADDRESS_TYPE = AddressType.P2WPKH;

  /** Scan steps in one poll before yielding the scheduler thread. */
  private static final int MAX_STEPS_PER_POLL = 20;

  /**
   * How the watcher is doing.
   *
   * @param consecutiveFailures failed polls since the last successful one
   * @param lastFailure the last failure's message, if any poll failed since the watcher started
   * @param lastSuccess when a poll last succeeded (the engine's clock)
   * @param processedTip the best block processed so far
   */
  public record Health(
      long consecutiveFailures, Optional<String> lastFailure, Optional<Instant> lastSuccess,
      Optional<BlockRef> processedTip) {
    public Health {
      requireNonNull(lastFailure, "lastFailure");
      requireNonNull(lastSuccess, "lastSuccess");
      requireNonNull(processedTip, "processedTip");
    }
  }

  private final AccountKey key;
  private final Optional<AccountKey> depositKey;
  private final BitcoinNetwork network;
  private final AddressType addressType;
  private final ChainBackend backend;
  private final ScriptIndex index = new ScriptIndex();
  private final Duration pollInterval;
  private final Duration maxBackoff;
  private final int reorgWindow;
  private final int blocksPerScan;
  private final OptionalLong startHeight;
  private final boolean followMempool;
  private final PaymentPolicy policy;

  private final Object lifecycle = new Object();
  private WatcherContext context;
  private ChainScanner scanner;
  private ScheduledFuture<?> next;
  private boolean closed;
  private long failures;
  private final AtomicReference<Health> health =
      new AtomicReference<>(new Health(0, Optional.empty(), Optional.empty(), Optional.empty()));

  private BitcoinWatcher(Builder builder) {
    this.key = builder.key;
    this.network = builder.key.network();
    this.addressType = builder.key.checkType(builder.addressType);
    this.depositKey = Optional.ofNullable(builder.depositKey);
    depositKey.ifPresent(k -> k.checkType(addressType));
    this.backend = builder.backend.apply(new HttpTransport(builder.connectTimeout, builder.requestTimeout));
    this.pollInterval = builder.pollInterval;
    this.maxBackoff = builder.maxBackoff;
    this.reorgWindow = builder.reorgWindow;
    this.blocksPerScan = builder.blocksPerScan;
    this.startHeight = builder.startHeight;
    this.followMempool = builder.followMempool;
    this.policy = builder.policy;
  }

  /** A builder for a watcher deriving from {@code key}; choose a backend: {@code bitcoinCore} or {@code esplora}. */
  public static Builder builder(AccountKey key) {
    return new Builder(requireNonNull(key, "key"));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // ChainWatcher

  @Override
  public String chain() {
    return network.chainKey();
  }

  @Override
  public Set<Asset> assets() {
    return Set.of(network.asset());
  }

  @Override
  public Set<WatcherCapability> capabilities() {
    EnumSet<WatcherCapability> capabilities = EnumSet.of(WatcherCapability.REORGS, WatcherCapability.RESUME);
    if (followMempool) {
      capabilities.add(WatcherCapability.MEMPOOL);
      capabilities.add(WatcherCapability.REPLACEMENTS);
    }
    return capabilities;
  }

  @Override
  public PaymentPolicy defaultPolicy(Asset asset) {
    checkAsset(asset);
    return policy;
  }

  /** {@code bitcoin:<network>:<key fingerprint>:<address type>:0}: the account, type and receive branch. */
  @Override
  public String derivationKey() {
    return "bitcoin:" + key.identity() + ":" + addressType.id() + ":0";
  }

  @Override
  public String deriveAddress(Asset asset, long index) {
    checkAsset(asset);
    if (index < 0 || index > Derivation.MAX_INDEX) {
      throw new IllegalArgumentException(
          "derivation index must be between 0 and " + Derivation.MAX_INDEX + ", but was " + index);
    }
    return key.address(addressType, index);
  }

  @Override
  public String paymentUri(
      Asset asset, String address, Money amount, Optional<String> label, Optional<String> message) {
    checkAsset(asset);
    return BitcoinPaymentUri.of(network, address, amount, label, message).toUri();
  }

  /**
   * Static deposit addresses come from the deposit account key, if one was configured ({@link
   * Builder#depositAccountKey}): another account than invoices (for example m/84'/0'/1'), so the two never share an
   * address and the merchant's wallet shows deposits as their own account. Same address type as invoices; the URI is
   * BIP21 without an amount.
   */
  @Override
  public Optional<DepositDerivation> depositDerivation() {
    return depositKey.map(deposits -> new DepositDerivation() {
      @Override
      public String derivationKey() {
        return "bitcoin:" + deposits.identity() + ":" + addressType.id() + ":0";
      }

      @Override
      public String deriveAddress(Asset asset, long index) {
        checkAsset(asset);
        if (index < 0 || index > Derivation.MAX_INDEX) {
          throw new IllegalArgumentException(
              "derivation index must be between 0 and " + Derivation.MAX_INDEX + ", but was " + index);
        }
        return deposits.address(addressType, index);
      }

      @Override
      public String paymentUri(Asset asset, String address, Optional<String> label) {
        checkAsset(asset);
        return new BitcoinPaymentUri(network, address, Optional.empty(), label, Optional.empty()).toUri();
      }
    });
  }

  @Override
  public void watch(WatchedAddress address) {
    requireNonNull(address, "address");
    checkAsset(address.asset());
    byte[] script = Derivation.outputScript(BitcoinPaymentUri.parseAddress(address.address(), network));
    index.add(address.address(), script);
  }

  @Override
  public void unwatch(String address) {
    index.remove(requireNonNull(address, "address"));
  }

  @Override
  public void start(WatcherContext context) {
    requireNonNull(context, "context");
    if (!context.chain().equals(chain())) {
      throw new IllegalArgumentException("context of " + context.chain() + " given to the watcher of " + chain());
    }
    OptionalLong begin = startHeight;
    if (begin.isEmpty() && context.loadCursor().isEmpty()) {
      // First start: fix the starting block now (one cheap call), so a payment mined after start() returns is found;
      // the scans, which may read a whole mempool, run on the scheduler.
      try {
        begin = OptionalLong.of(backend.tip().height());
      } catch (Exception e) {
        log.warn("Bitcoin {}: could not read the tip at start ({}); the first successful scan begins at its tip",
            network.id(), e.getMessage());
      }
    }
    synchronized (lifecycle) {
      if (this.context != null || closed) {
        throw new IllegalStateException("this watcher was already started" + (closed ? " and closed" : ""));
      }
      this.context = context;
      this.scanner = new ChainScanner(chain(), new BitcoinSource(backend, index, network.asset()), reorgWindow,
          blocksPerScan, begin, followMempool);
    }
    log.info("Watching bitcoin {} through {} ({} addresses from {}, {} watched{})", network.id(),
        backend.describe(), addressType.id(), key, index.size(),
        begin.isPresent() ? ", first start at height " + begin.getAsLong() : "");
    schedule(0);
  }

  @Override
  public void close() {
    synchronized (lifecycle) {
      if (closed) {
        return;
      }
      closed = true;
      if (next != null) {
        next.cancel(true);
      }
    }
    log.info("Stopped watching bitcoin {}", network.id());
  }

  /** How the watcher is doing: failures since the last success, the last failure, the block reached. */
  public Health health() {
    return health.get();
  }

  /** The address type this watcher derives. */
  public AddressType addressType() {
    return addressType;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // The poll loop, on the engine's scheduler

  private void poll() {
    ChainScanner current;
    WatcherContext ctx;
    synchronized (lifecycle) {
      if (closed) {
        return;
      }
      current = scanner;
      ctx = context;
    }
    long delayMillis;
    try {
      boolean caughtUp = false;
      for (int step = 0; step < MAX_STEPS_PER_POLL && !caughtUp && !isClosed(); step++) {
        caughtUp = current.scan(ctx);
      }
      failures = 0;
      Optional<Instant> now = Optional.of(ctx.clock().instant());
      Health before = health.get();
      health.set(new Health(0, before.lastFailure(), now, current.processedTip()));
      delayMillis = caughtUp ? pollInterval.toMillis() : 0;
    } catch (Throwable e) {
      delayMillis = failed(e, current);
      if (e instanceof VirtualMachineError error) {
        schedule(delayMillis);
        throw error;
      }
    }
    schedule(delayMillis);
  }

  private long failed(Throwable e, ChainScanner current) {
    failures++;
    long delay = backoffMillis(failures);
    String message = e.getMessage() == null ? e.getClass().getName() : e.getMessage();
    Health before = health.get();
    health.set(new Health(failures, Optional.of(message), before.lastSuccess(), current.processedTip()));
    if (isClosed()) {
      log.debug("Bitcoin {} poll ended by close: {}", network.id(), message);
    } else if (e instanceof ChainWatcherException) {
      log.error("Bitcoin {} watcher cannot go on safely: {} (attempt {}, retrying in {} ms)", network.id(), message,
          failures, delay);
    } else if (e instanceof Exception) {
      log.warn("Bitcoin {} backend failed (attempt {}, retrying in {} ms): {}", network.id(), failures, delay,
          message);
      log.debug("Backend failure detail", e);
    } else {
      log.error("Bitcoin {} watcher hit an error (attempt {}, retrying in {} ms)", network.id(), failures, delay, e);
    }
    return delay;
  }

  private long backoffMillis(long failures) {
    long base = Math.max(1, pollInterval.toMillis());
    long max = Math.max(base, maxBackoff.toMillis());
    int doublings = (int) Math.min(failures - 1, 30);
    return Math.min(max, base << Math.min(doublings, Long.numberOfLeadingZeros(base) - 1));
  }

  private void schedule(long delayMillis) {
    synchronized (lifecycle) {
      if (closed) {
        return;
      }
      try {
        next = context.scheduler().schedule(this::poll, delayMillis, TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        log.debug("Bitcoin {} watcher not rescheduled: the scheduler is shut down", network.id());
      }
    }
  }

  private boolean isClosed() {
    synchronized (lifecycle) {
      return closed;
    }
  }

  private void checkAsset(Asset asset) {
    requireNonNull(asset, "asset");
    if (!asset.equals(network.asset())) {
      throw new IllegalArgumentException(
          "this watcher serves " + network.asset().key() + ", not " + asset.key());
    }
  }

  @Override
  public String toString() {
    return "BitcoinWatcher[" + network.id() + ", " + addressType.id() + ", " + key + ", " + backend.describe() + ", "
        + index.size() + " watched]";
  }

  /**
   * Builds a {@link BitcoinWatcher}. Exactly one backend is required; every other setting has a default (the
   * {@code DEFAULT_…} constants of {@link BitcoinWatcher}). Settings are checked when set. Not thread-safe.
   */
  public static final class Builder {
    private final AccountKey key;
    private AccountKey depositKey;
    private AddressType addressType = DEFAULT_ADDRESS_TYPE;
    private Function<HttpTransport, ChainBackend> backend;
    private Duration pollInterval = DEFAULT_POLL_INTERVAL;
    private Duration maxBackoff = DEFAULT_MAX_BACKOFF;
    private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
    private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    private int reorgWindow = DEFAULT_REORG_WINDOW;
    private int blocksPerScan = DEFAULT_BLOCKS_PER_SCAN;
    private OptionalLong startHeight = OptionalLong.empty();
    private boolean followMempool = true;
    private PaymentPolicy policy = PaymentPolicy.bitcoinDefaults();

    private Builder(AccountKey key) {
      this.key = key;
    }

    /**
     * Another account's extended public key of the same network (for example m/84'/0'/1') from which static deposit
     * addresses are derived. Default: none (the watcher offers no deposit addresses).
     *
     * @throws IllegalArgumentException if it is the invoice key itself or of another network
     */
    public Builder depositAccountKey(AccountKey deposits) {
      requireNonNull(deposits, "deposits");
      if (deposits.network() != key.network()) {
        throw new IllegalArgumentException("the deposit account key is for bitcoin " + deposits.network().id()
            + ", the invoice key for " + key.network().id());
      }
      if (deposits.fingerprint().equals(key.fingerprint())) {
        throw new IllegalArgumentException("the deposit account key must be another account than the invoice key");
      }
      this.depositKey = deposits;
      return this;
    }

    /**
     * The address type derived. Default: {@link #DEFAULT_ADDRESS_TYPE}.
     *
     * @throws IllegalArgumentException if the key declares another type (a zpub asked for P2TR)
     */
    public Builder addressType(AddressType type) {
      this.addressType = key.checkType(requireNonNull(type, "type"));
      return this;
    }

    /** Follow a Bitcoin Core node at {@code rpcUrl} (for example {@code http://127.0.0.1:8332/}). */
    public Builder bitcoinCore(URI rpcUrl, RpcCredentials credentials) {
      requireNonNull(rpcUrl, "rpcUrl");
      requireNonNull(credentials, "credentials");
      checkHttp(rpcUrl);
      checkOneBackend();
      BitcoinNetwork network = key.network();
      AtomicReference<String> header = new AtomicReference<>();
      Function<Boolean, String> authorization = reload -> {
        String value = header.get();
        if (value == null || reload) {
          value = credentials.authorization();
          header.set(value);
        }
        return value;
      };
      this.backend = http -> new BitcoinCoreBackend(rpcUrl, network, http, authorization);
      return this;
    }

    /** Follow the Esplora REST API at {@code baseUrl} (for example {@code https://mempool.space/api/}). */
    public Builder esplora(URI baseUrl) {
      requireNonNull(baseUrl, "baseUrl");
      checkHttp(baseUrl);
      checkOneBackend();
      BitcoinNetwork network = key.network();
      this.backend = http -> new EsploraBackend(baseUrl, network, http);
      return this;
    }

    private void checkOneBackend() {
      if (backend != null) {
        throw new IllegalStateException("a backend is already set; a watcher reads one backend");
      }
    }

    private static void checkHttp(URI uri) {
      if (!"http".equalsIgnoreCase(uri.getScheme()) && !"https".equalsIgnoreCase(uri.getScheme())) {
        throw new IllegalArgumentException("backend URL must be http or https, but was " + uri.getScheme());
      }
      if (uri.getRawUserInfo() != null) {
        throw new IllegalArgumentException("put credentials in RpcCredentials, not in the URL");
      }
    }

    /** How often to poll when caught up. Default: {@link #DEFAULT_POLL_INTERVAL}. */
    public Builder pollInterval(Duration interval) {
      this.pollInterval = positive(interval, "poll interval");
      return this;
    }

    /** The longest wait between retries after failures. Default: {@link #DEFAULT_MAX_BACKOFF}. */
    public Builder maxBackoff(Duration backoff) {
      this.maxBackoff = positive(backoff, "max backoff");
      return this;
    }

    /** How long one backend request may take. Default: {@link #DEFAULT_REQUEST_TIMEOUT}. */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = positive(timeout, "request timeout");
      return this;
    }

    /** How long connecting to the backend may take. Default: {@link #DEFAULT_CONNECT_TIMEOUT}. */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive(timeout, "connect timeout");
      return this;
    }

    /**
     * How many recent blocks are kept to detect reorganisations (at least 2). A reorganisation deeper than this
     * stops the watcher with an error until an operator intervenes. Default: {@link #DEFAULT_REORG_WINDOW}.
     */
    public Builder reorgWindow(int blocks) {
      if (blocks < 2 || blocks > 10_000) {
        throw new IllegalArgumentException("reorg window must be between 2 and 10000 blocks, but was " + blocks);
      }
      this.reorgWindow = blocks;
      return this;
    }

    /** How many blocks one scan step reads. Default: {@link #DEFAULT_BLOCKS_PER_SCAN}. */
    public Builder blocksPerScan(int blocks) {
      if (blocks < 1 || blocks > 10_000) {
        throw new IllegalArgumentException("blocks per scan must be between 1 and 10000, but was " + blocks);
      }
      this.blocksPerScan = blocks;
      return this;
    }

    /**
     * The height to begin at on the very first start (no stored cursor), to find payments made before the engine
     * first ran. Default: the tip at the first start. Ignored once a cursor is stored.
     */
    public Builder startHeight(long height) {
      if (height < 0) {
        throw new IllegalArgumentException("start height must not be negative, but was " + height);
      }
      this.startHeight = OptionalLong.of(height);
      return this;
    }

    /** Whether to report unconfirmed payments and their replacement. Default: true. */
    public Builder followMempool(boolean follow) {
      this.followMempool = follow;
      return this;
    }

    /** The policy proposed for new invoices. Default: {@link PaymentPolicy#bitcoinDefaults()} (1 confirmation). */
    public Builder policy(PaymentPolicy policy) {
      this.policy = requireNonNull(policy, "policy");
      return this;
    }

    /**
     * Builds the watcher (not started).
     *
     * @throws IllegalStateException if no backend was set
     */
    public BitcoinWatcher build() {
      if (backend == null) {
        throw new IllegalStateException("a backend is required: call bitcoinCore(...) or esplora(...)");
      }
      return new BitcoinWatcher(this);
    }

    private static Duration positive(Duration duration, String what) {
      requireNonNull(duration, what);
      if (duration.isNegative() || duration.isZero()) {
        throw new IllegalArgumentException(what + " must be positive, but was " + duration);
      }
      return duration;
    }
  }
}
