package io.coinssend.invoice.evm;

import static java.util.Objects.requireNonNull;

import io.coinssend.invoice.Asset;
import io.coinssend.invoice.BlockRef;
import io.coinssend.invoice.ChainWatcherException;
import io.coinssend.invoice.Money;
import io.coinssend.invoice.PaymentPolicy;
import io.coinssend.invoice.evm.internal.Backoff;
import io.coinssend.invoice.evm.internal.EvmRpc;
import io.coinssend.invoice.evm.internal.EvmSource;
import io.coinssend.invoice.evm.internal.JsonRpcClient;
import io.coinssend.invoice.evm.internal.RpcException;
import io.coinssend.invoice.evm.internal.Sleeper;
import io.coinssend.invoice.spi.ChainCursor;
import io.coinssend.invoice.spi.ChainFact;
import io.coinssend.invoice.spi.ChainScanner;
import io.coinssend.invoice.spi.ChainWatcher;
import io.coinssend.invoice.spi.DepositDerivation;
import io.coinssend.invoice.spi.TipChanged;
import io.coinssend.invoice.spi.WatchedAddress;
import io.coinssend.invoice.spi.WatcherCapability;
import io.coinssend.invoice.spi.WatcherContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ChainWatcher} for one Ethereum-style chain over a JSON-RPC node: the chain's native coin and ERC-20 tokens,
 * one address per invoice derived from an account xpub ({@code m/44'/60'/N'/0/i}), EIP-681 payment URIs.
 *
 * <p>It polls the node and follows the chain with the core's {@link ChainScanner}: payments are reported per block
 * with the block's hash, reorganisations are found by hash and their payments reported moved or reversed, and the
 * scanner's cursor is stored through the engine so a restart resumes where it stopped. Native payments are read from
 * block transactions (checked against their receipts: a reverted transaction pays nothing), token payments from
 * {@code eth_getLogs} Transfer events to watched addresses; a Transfer of another token than the invoice's (or ETH
 * to a token invoice's address) is reported as an unexpected asset. Node failures (errors, HTTP 429, timeouts,
 * malformed answers, a lagging node) are retried with backoff and logged; they never become facts. There is no
 * mempool watching: a payment is seen once it is in a block.
 *
 * <p>Build one with {@link #builder(EvmChain, URI, EvmAccountKey)}. Thread-safe; {@link #start} is called once.
 * Watch-only: it holds an extended public key, never a private key.
 */
public final class EvmWatcher implements ChainWatcher {

  private static final Logger log = LoggerFactory.getLogger(EvmWatcher.class);

  /** How often the node is polled when the watcher has caught up: every 5 seconds. */
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(5);
  /** The most blocks read (and given to one {@code eth_getLogs}) per scan step: 100. */
  public static final int DEFAULT_BLOCK_RANGE = 100;
  /** The most watched addresses in one {@code eth_getLogs} filter: 100. */
  public static final int DEFAULT_ADDRESS_BATCH = 100;
  /** Recent blocks kept to detect reorganisations: 128 (Ethereum finalizes about 64 blocks behind the head). */
  public static final int DEFAULT_REORG_WINDOW = 128;
  /** The longest wait for one node answer: 10 seconds. */
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
  /** Tries per node call before the scan gives up and is retried later: 4. */
  public static final int DEFAULT_ATTEMPTS = 4;
  /** The first wait after a failed call: 500 ms, doubling up to {@link #DEFAULT_MAX_BACKOFF}. */
  public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofMillis(500);
  /** The longest wait between retries: 60 seconds. */
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(60);
  /** Blocks below the latest where a watcher without a cursor or configured start height begins: 12. */
  public static final int DEFAULT_START_DEPTH = 12;
  /** The asset code given to tokens that are none of the watcher's assets. */
  public static final String UNKNOWN_TOKEN_CODE = "ERC20";

  private final EvmChain chain;
  private final EvmAccountKey accountKey;
  private final Optional<EvmAccountKey> depositAccountKey;
  private final Set<Asset> assets;
  private final ConfirmationTag confirmationTag;
  private final Duration pollInterval;
  private final Backoff scanBackoff;
  private final String endpoint;
  private final Map<String, String> watched = new ConcurrentHashMap<>();
  private final EvmSource source;
  private final EvmRpc rpc;
  private final int reorgWindow;
  private final int blockRange;
  private final OptionalLong startHeight;
  private volatile ChainScanner scanner;
  private final CountDownLatch closing = new CountDownLatch(1);
  private final AtomicBoolean started = new AtomicBoolean();

  private final Object scheduling = new Object();
  private volatile boolean closed;
  private ScheduledFuture<?> next;
  private WatcherContext context;
  private WatcherContext scanContext;
  private int failures;
  private BlockRef finalReported;

  private EvmWatcher(Builder b) {
    this.chain = b.chain;
    this.accountKey = b.accountKey;
    this.depositAccountKey = Optional.ofNullable(b.depositAccountKey);
    this.assets = Collections.unmodifiableSet(new LinkedHashSet<>(b.assets));
    this.confirmationTag = b.confirmationTag;
    this.pollInterval = b.pollInterval;
    this.scanBackoff = new Backoff(b.pollInterval, b.maxBackoff.compareTo(b.pollInterval) < 0 ? b.pollInterval
        : b.maxBackoff);
    this.endpoint = JsonRpcClient.describe(b.endpoint);
    Sleeper sleeper = b.sleeper != null ? b.sleeper : this::sleepUnlessClosing;
    HttpClient http = b.httpClient != null
        ? b.httpClient
        : HttpClient.newBuilder().connectTimeout(b.requestTimeout).followRedirects(HttpClient.Redirect.NEVER).build();
    JsonRpcClient client = new JsonRpcClient(b.endpoint, b.headers, b.requestTimeout, b.attempts,
        new Backoff(b.initialBackoff, b.maxBackoff), sleeper, http);
    EvmSource.Settings settings = new EvmSource.Settings(chain, assets, b.reportUnknownTokens, b.blockRange,
        b.addressBatch, UNKNOWN_TOKEN_CODE);
    this.rpc = new EvmRpc(client);
    this.source = new EvmSource(rpc, settings, () -> watched, this::processedTip);
    this.reorgWindow = b.reorgWindow;
    this.blockRange = b.blockRange;
    this.startHeight = b.startHeight;
  }

  private Optional<BlockRef> processedTip() {
    ChainScanner current = scanner;
    return current == null ? Optional.empty() : current.processedTip();
  }

  /**
   * The scanner, made on the first poll: without a stored cursor or a configured start height it begins
   * {@link #DEFAULT_START_DEPTH} blocks below the latest block, so a reorganisation of the first blocks it sees still
   * finds its fork point among the blocks it keeps.
   */
  private ChainScanner scanner() throws RpcException, InterruptedException {
    ChainScanner current = scanner;
    if (current != null) {
      return current;
    }
    OptionalLong start = startHeight;
    if (start.isEmpty() && context.loadCursor().isEmpty()) {
      long latest = rpc.blockByNumber("latest", false).orElseThrow(() -> new RpcException(
          RpcException.Kind.MALFORMED, "the node has no latest block")).number();
      start = OptionalLong.of(Math.max(0, latest - DEFAULT_START_DEPTH));
      log.info("Watcher of {} starts without a cursor at block {} ({} below the latest)", chain(),
          start.getAsLong(), latest - start.getAsLong());
    }
    current = new ChainScanner(chain.chainKey(), source, reorgWindow, blockRange, start, false);
    scanner = current;
    return current;
  }

  /**
   * A builder for a watcher of {@code chain} through the node at {@code rpcEndpoint}, deriving addresses from
   * {@code accountKey}.
   *
   * @param rpcEndpoint the node's JSON-RPC URL, {@code http} or {@code https}; it may carry an API key, which is never
   *     logged
   */
  public static Builder builder(EvmChain chain, URI rpcEndpoint, EvmAccountKey accountKey) {
    return new Builder(chain, rpcEndpoint, accountKey);
  }

  @Override
  public String chain() {
    return chain.chainKey();
  }

  /** The chain followed. */
  public EvmChain evmChain() {
    return chain;
  }

  @Override
  public Set<Asset> assets() {
    return assets;
  }

  @Override
  public Set<WatcherCapability> capabilities() {
    return Collections.unmodifiableSet(
        EnumSet.of(WatcherCapability.REORGS, WatcherCapability.UNEXPECTED_ASSETS, WatcherCapability.RESUME));
  }

  /**
   * {@link PaymentPolicy#evmDefaults()} (12 confirmations) when counting from {@link ConfirmationTag#LATEST};
   * the same with 1 confirmation when counting from {@link ConfirmationTag#FINALIZED}.
   */
  @Override
  public PaymentPolicy defaultPolicy(Asset asset) {
    requireServed(asset);
    return confirmationTag == ConfirmationTag.FINALIZED
        ? PaymentPolicy.evmDefaults().withConfirmations(1)
        : PaymentPolicy.evmDefaults();
  }

  /**
   * {@code evm:<fingerprint>:0}: the account key's fingerprint and the receive branch, the same for every EVM chain
   * using that key, so one address is never handed out twice across chains.
   */
  @Override
  public String derivationKey() {
    return "evm:" + accountKey.fingerprint() + ":0";
  }

  @Override
  public String deriveAddress(Asset asset, long index) {
    requireServed(asset);
    return accountKey.address(index).toString();
  }

  /** The EIP-681 URI; EIP-681 has no label or message, so they are not used. */
  @Override
  public String paymentUri(Asset asset, String address, Money amount, Optional<String> label,
      Optional<String> message) {
    requireServed(asset);
    requireNonNull(amount, "amount");
    if (!amount.asset().equals(asset)) {
      throw new IllegalArgumentException("amount " + amount + " is not in " + asset.key());
    }
    return EvmPaymentUri.of(address, amount).toString();
  }

  /**
   * Static deposit addresses come from the deposit account key, if one was configured ({@link
   * Builder#depositAccountKey}): another account than invoices, so the two never share an address, and the
   * merchant's wallet shows deposits as their own account. Their URI is EIP-681 without an amount.
   */
  @Override
  public Optional<DepositDerivation> depositDerivation() {
    return depositAccountKey.map(key -> new DepositDerivation() {
      @Override
      public String derivationKey() {
        return "evm:" + key.fingerprint() + ":0";
      }

      @Override
      public String deriveAddress(Asset asset, long index) {
        requireServed(asset);
        return key.address(index).toString();
      }

      @Override
      public String paymentUri(Asset asset, String address, Optional<String> label) {
        requireServed(asset);
        EvmAddress recipient = EvmAddress.parse(address);
        long id = chain.chainId();
        return asset.contract()
            .map(token -> EvmPaymentUri.SCHEME + ":" + EvmAddress.parse(token) + "@" + id + "/transfer?address="
                + recipient)
            .orElse(EvmPaymentUri.SCHEME + ":" + recipient + "@" + id);
      }
    });
  }

  /**
   * @throws IllegalArgumentException if the address is not a valid EVM address or the asset is not served
   */
  @Override
  public void watch(WatchedAddress address) {
    requireNonNull(address, "address");
    requireServed(address.asset());
    EvmAddress parsed = EvmAddress.parse(address.address());
    watched.put(parsed.toLowerCase(), address.address());
  }

  @Override
  public void unwatch(String address) {
    requireNonNull(address, "address");
    if (EvmAddress.isValid(address)) {
      watched.remove(address.toLowerCase(Locale.ROOT));
    }
  }

  /** How many addresses are watched now. */
  public int watchedCount() {
    return watched.size();
  }

  @Override
  public void start(WatcherContext context) {
    requireNonNull(context, "context");
    if (!context.chain().equals(chain())) {
      throw new IllegalArgumentException("context of " + context.chain() + " given to the watcher of " + chain());
    }
    if (!started.compareAndSet(false, true)) {
      throw new IllegalStateException("the watcher of " + chain() + " was already started");
    }
    this.context = context;
    this.scanContext = confirmationTag == ConfirmationTag.FINALIZED ? new WithoutTips(context) : context;
    log.info("Watching {} ({}) through {}: {} watched address(es), confirmations from {}", chain(), chain.name(),
        endpoint, watched.size(), confirmationTag.name().toLowerCase(Locale.ROOT));
    schedule(Duration.ZERO);
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    closing.countDown();
    synchronized (scheduling) {
      if (next != null) {
        next.cancel(true);
      }
    }
    log.debug("Stopped watching {}", chain());
  }

  private void schedule(Duration delay) {
    synchronized (scheduling) {
      if (closed) {
        return;
      }
      try {
        next = context.scheduler().schedule(this::poll, delay.toMillis(), TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException e) {
        log.debug("Watcher of {} not rescheduled: its scheduler is shut down", chain());
      }
    }
  }

  private void poll() {
    if (closed) {
      return;
    }
    Duration delay;
    try {
      boolean caughtUp = scanner().scan(scanContext);
      if (confirmationTag == ConfirmationTag.FINALIZED) {
        reportFinalizedTip();
      }
      if (failures > 0) {
        log.info("Chain {} is readable again after {} failed scan(s)", chain(), failures);
      }
      failures = 0;
      delay = caughtUp ? pollInterval : Duration.ZERO;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    } catch (ChainWatcherException e) {
      failures++;
      delay = scanBackoff.max();
      log.error("Watcher of {} cannot go on: {} (checking again in {} ms)", chain(), e.getMessage(),
          delay.toMillis());
    } catch (RpcException e) {
      failures++;
      delay = scanBackoff.delay(failures);
      log.warn("Scan of {} through {} failed ({} in a row), nothing reported: {}: {}; retrying in {} ms", chain(),
          endpoint, failures, e.kind(), e.getMessage(), delay.toMillis());
    } catch (Exception e) {
      if (closed) {
        return;
      }
      failures++;
      delay = scanBackoff.delay(failures);
      log.warn("Scan of {} failed ({} in a row); retrying in {} ms", chain(), failures, delay.toMillis(), e);
    } catch (Error e) {
      log.error("Watcher of {} stopped by an error; it watches no more until restarted", chain(), e);
      throw e;
    }
    schedule(delay);
  }

  private void reportFinalizedTip() throws RpcException, InterruptedException {
    Optional<BlockRef> processed = processedTip();
    if (processed.isEmpty()) {
      return;
    }
    BlockRef finalized = source.finalizedTip().orElseThrow(() -> new RpcException(RpcException.Kind.MALFORMED,
        "the node has no finalized block; does it support the 'finalized' tag?"));
    BlockRef tip = finalized.height() >= processed.get().height() ? processed.get() : finalized;
    if (!tip.equals(finalReported)) {
      context.report(List.of(new TipChanged(tip)));
      finalReported = tip;
    }
  }

  private void sleepUnlessClosing(Duration duration) throws InterruptedException {
    if (closing.await(duration.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new InterruptedException("the watcher of " + chain() + " is closing");
    }
  }

  private void requireServed(Asset asset) {
    requireNonNull(asset, "asset");
    if (!assets.contains(asset)) {
      throw new IllegalArgumentException("the watcher of " + chain() + " does not serve " + asset.key()
          + "; it serves " + assets);
    }
  }

  @Override
  public String toString() {
    return "EvmWatcher[" + chain() + " " + chain.name() + ", " + endpoint + ", key " + accountKey.fingerprint()
        + ", " + assets + "]";
  }

  /** Passes the scanner's facts on without its tips: with FINALIZED, the finalized block is the tip reported. */
  private static final class WithoutTips implements WatcherContext {
    private final WatcherContext delegate;

    WithoutTips(WatcherContext delegate) {
      this.delegate = delegate;
    }

    @Override
    public String chain() {
      return delegate.chain();
    }

    @Override
    public Clock clock() {
      return delegate.clock();
    }

    @Override
    public ScheduledExecutorService scheduler() {
      return delegate.scheduler();
    }

    @Override
    public void report(List<ChainFact> facts) {
      List<ChainFact> payments = new ArrayList<>(facts.size());
      for (ChainFact fact : facts) {
        if (!(fact instanceof TipChanged)) {
          payments.add(fact);
        }
      }
      if (!payments.isEmpty()) {
        delegate.report(payments);
      }
    }

    @Override
    public Optional<ChainCursor> loadCursor() {
      return delegate.loadCursor();
    }

    @Override
    public void saveCursor(ChainCursor cursor) {
      delegate.saveCursor(cursor);
    }
  }

  /**
   * Builds an {@link EvmWatcher}. Every setting has a default (named constants on {@link EvmWatcher}); each is
   * checked when set. Not thread-safe.
   */
  public static final class Builder {
    private final EvmChain chain;
    private final URI endpoint;
    private final EvmAccountKey accountKey;
    private EvmAccountKey depositAccountKey;
    private List<Asset> assets;
    private ConfirmationTag confirmationTag = ConfirmationTag.LATEST;
    private Duration pollInterval = DEFAULT_POLL_INTERVAL;
    private int blockRange = DEFAULT_BLOCK_RANGE;
    private int addressBatch = DEFAULT_ADDRESS_BATCH;
    private int reorgWindow = DEFAULT_REORG_WINDOW;
    private OptionalLong startHeight = OptionalLong.empty();
    private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
    private int attempts = DEFAULT_ATTEMPTS;
    private Duration initialBackoff = DEFAULT_INITIAL_BACKOFF;
    private Duration maxBackoff = DEFAULT_MAX_BACKOFF;
    private final Map<String, String> headers = new LinkedHashMap<>();
    private boolean reportUnknownTokens = true;
    private HttpClient httpClient;
    private Sleeper sleeper;

    private Builder(EvmChain chain, URI endpoint, EvmAccountKey accountKey) {
      this.chain = requireNonNull(chain, "chain");
      this.endpoint = requireNonNull(endpoint, "rpcEndpoint");
      this.accountKey = requireNonNull(accountKey, "accountKey");
      String scheme = endpoint.getScheme() == null ? "" : endpoint.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("http") && !scheme.equals("https") || endpoint.getHost() == null) {
        throw new IllegalArgumentException("the RPC endpoint must be an http(s) URL with a host, but was "
            + JsonRpcClient.describe(endpoint));
      }
      this.assets = EvmAssets.defaultsFor(chain);
    }

    /**
     * Another account's extended public key (for example exported at {@code m/44'/60'/1'}) from which static deposit
     * addresses are derived. Default: none (the watcher offers no deposit addresses).
     *
     * @throws IllegalArgumentException if it is the invoice account key itself
     */
    public Builder depositAccountKey(EvmAccountKey key) {
      requireNonNull(key, "key");
      if (key.fingerprint().equals(accountKey.fingerprint())) {
        throw new IllegalArgumentException("the deposit account key must be another account than the invoice key");
      }
      this.depositAccountKey = key;
      return this;
    }

    /**
     * The assets served, all on this chain, at most one native coin. Default: {@link EvmAssets#defaultsFor}
     * (the native coin, plus USDT and USDC on Ethereum, USDC on Base).
     */
    public Builder assets(Collection<Asset> assets) {
      requireNonNull(assets, "assets");
      List<Asset> list = List.copyOf(new LinkedHashSet<>(assets));
      if (list.isEmpty()) {
        throw new IllegalArgumentException("a watcher serves at least one asset");
      }
      int natives = 0;
      Set<String> contracts = new LinkedHashSet<>();
      for (Asset asset : list) {
        if (!chain.holds(asset)) {
          throw new IllegalArgumentException("asset " + asset.key() + " is not on " + chain.chainKey());
        }
        if (asset.contract().isEmpty()) {
          natives++;
          if (asset.decimals() != EvmChain.NATIVE_DECIMALS) {
            throw new IllegalArgumentException("the native coin has " + EvmChain.NATIVE_DECIMALS + " decimals, but "
                + asset.key() + " declares " + asset.decimals());
          }
        } else {
          String contract = EvmAddress.parse(asset.contract().get()).toLowerCase();
          if (!contracts.add(contract)) {
            throw new IllegalArgumentException("two assets share the token contract " + asset.contract().get());
          }
        }
      }
      if (natives > 1) {
        throw new IllegalArgumentException("at most one native coin per chain, but got " + natives);
      }
      this.assets = list;
      return this;
    }

    /** The assets served; see {@link #assets(Collection)}. */
    public Builder assets(Asset... assets) {
      return assets(Arrays.asList(assets));
    }

    /** Which block confirmations are counted from. Default: {@link ConfirmationTag#LATEST}. */
    public Builder confirmationTag(ConfirmationTag tag) {
      this.confirmationTag = requireNonNull(tag, "tag");
      return this;
    }

    /** How often the node is polled once caught up. Default: {@link #DEFAULT_POLL_INTERVAL}. */
    public Builder pollInterval(Duration interval) {
      this.pollInterval = positive(interval, "poll interval");
      return this;
    }

    /** The most blocks per scan step and per {@code eth_getLogs} range, 1-10000. Default: 100. */
    public Builder blockRange(int blocks) {
      this.blockRange = between(blocks, 1, 10_000, "block range");
      return this;
    }

    /** The most addresses in one {@code eth_getLogs} filter, 1-10000. Default: 100. */
    public Builder addressBatch(int addresses) {
      this.addressBatch = between(addresses, 1, 10_000, "address batch");
      return this;
    }

    /** Recent blocks kept to detect reorganisations, 2-100000. Default: 128. */
    public Builder reorgWindow(int blocks) {
      this.reorgWindow = between(blocks, 2, 100_000, "reorg window");
      return this;
    }

    /**
     * Where to begin on the very first start (no stored cursor). Default: {@link #DEFAULT_START_DEPTH} blocks below
     * the latest block. Later starts resume from the cursor.
     */
    public Builder startHeight(long height) {
      if (height < 0) {
        throw new IllegalArgumentException("start height must not be negative, but was " + height);
      }
      this.startHeight = OptionalLong.of(height);
      return this;
    }

    /** The longest wait for one node answer. Default: {@link #DEFAULT_REQUEST_TIMEOUT}. */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = positive(timeout, "request timeout");
      return this;
    }

    /**
     * Retries: {@code attempts} tries per node call (1-20), waiting from {@code initialBackoff} doubling up to
     * {@code maxBackoff} (with jitter, and at least what a {@code Retry-After} asks, up to the max); failed scans
     * are retried from the poll interval doubling up to {@code maxBackoff}. Defaults: 4, 500 ms, 60 s.
     */
    public Builder retries(int attempts, Duration initialBackoff, Duration maxBackoff) {
      between(attempts, 1, 20, "attempts");
      new Backoff(positive(initialBackoff, "initial backoff"), requireNonNull(maxBackoff, "maxBackoff"));
      this.attempts = attempts;
      this.initialBackoff = initialBackoff;
      this.maxBackoff = maxBackoff;
      return this;
    }

    /** Adds an HTTP header to every request (for example an API key); its value is never logged. */
    public Builder header(String name, String value) {
      requireNonNull(name, "name");
      requireNonNull(value, "value");
      if (!name.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+")) {
        throw new IllegalArgumentException("not an HTTP header name: '" + name + "'");
      }
      if (value.chars().anyMatch(c -> c == '\r' || c == '\n')) {
        throw new IllegalArgumentException("header " + name + " has a line break in its value");
      }
      headers.put(name, value);
      return this;
    }

    /**
     * Whether Transfers from token contracts that are none of the watcher's assets are reported (as unexpected
     * assets, code {@link #UNKNOWN_TOKEN_CODE}); they block the invoice for review. Default: true. Anyone can
     * deploy a token and send it to an invoice's address; turn this off if such spam is a bigger problem than a
     * missed unexpected asset. Transfers of the watcher's other tokens are always reported.
     */
    public Builder reportUnknownTokens(boolean report) {
      this.reportUnknownTokens = report;
      return this;
    }

    /** The HTTP client. Default: a new one with the request timeout as connect timeout, no redirects. */
    public Builder httpClient(HttpClient client) {
      this.httpClient = requireNonNull(client, "client");
      return this;
    }

    /** How retries wait (tests). */
    Builder sleeper(Sleeper sleeper) {
      this.sleeper = requireNonNull(sleeper, "sleeper");
      return this;
    }

    /** Builds the watcher (not started). */
    public EvmWatcher build() {
      return new EvmWatcher(this);
    }

    private static Duration positive(Duration duration, String what) {
      requireNonNull(duration, what);
      if (duration.isNegative() || duration.isZero()) {
        throw new IllegalArgumentException(what + " must be positive, but was " + duration);
      }
      return duration;
    }

    private static int between(int value, int min, int max, String what) {
      if (value < min || value > max) {
        throw new IllegalArgumentException(what + " must be between " + min + " and " + max + ", but was " + value);
      }
      return value;
    }
  }
}
