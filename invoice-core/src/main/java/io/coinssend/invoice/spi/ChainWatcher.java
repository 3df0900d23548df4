package io.coinssend.invoice.spi;

import io.coinssend.invoice.Asset;
import io.coinssend.invoice.Money;
import io.coinssend.invoice.PaymentPolicy;
import java.util.Optional;
import java.util.Set;

/**
 * Watches one chain for payments to the addresses of open invoices, and derives those addresses.
 *
 * <p>A watcher is watch-only: it derives addresses from an extended public key and never holds a private key. The
 * engine calls {@link #watch} and {@link #unwatch} from any thread, before and after {@link #start}; implementations
 * must be thread-safe. The watcher reports what it observes through the {@link WatcherContext} given to
 * {@link #start}, from its own threads, and must retry backend failures itself: a failure never becomes a fact.
 * Contract tests for implementations are in {@code invoice-testkit} ({@code ChainWatcherContract}).
 */
public interface ChainWatcher extends AutoCloseable {

  /** The chain key this watcher serves, {@code chain:network}; every asset of {@link #assets()} has this key. */
  String chain();

  /** The assets payable on this chain through this watcher; never empty. */
  Set<Asset> assets();

  /** What this watcher can observe besides payments in blocks. */
  Set<WatcherCapability> capabilities();

  /** The policy for {@code asset} when the engine is not given one (bitcoin: 1 confirmation; EVM: 12). */
  PaymentPolicy defaultPolicy(Asset asset);

  /**
   * The key under which the store allocates derivation indexes for this watcher's addresses, for example a
   * fingerprint of the extended public key and the branch. Watchers deriving from the same key must share it, so
   * no address is handed out twice. It must not contain the key itself.
   */
  String derivationKey();

  /**
   * The address at derivation index {@code index} for {@code asset}. Deterministic: the same index always gives
   * the same address. Pure computation; thread-safe.
   *
   * @throws IllegalArgumentException if the asset is not served or the index is out of range
   */
  String deriveAddress(Asset asset, long index);

  /**
   * The payment URI for a checkout link or QR code (BIP21, EIP-681...).
   *
   * @param label a label such as the shop's name, if any
   * @param message a message such as "Order 1234", if any
   */
  String paymentUri(Asset asset, String address, Money amount, Optional<String> label, Optional<String> message);

  /**
   * How this watcher derives static deposit addresses (another account or branch than invoices), or empty if it
   * was not configured for deposits. Default: empty.
   */
  default Optional<DepositDerivation> depositDerivation() {
    return Optional.empty();
  }

  /** Starts watching {@code address}. Idempotent; allowed before {@link #start}. */
  void watch(WatchedAddress address);

  /** Stops watching {@code address}. Idempotent. */
  void unwatch(String address);

  /**
   * Starts watching: resumes from the cursor in {@code context} (or begins at the tip or a configured height on
   * first start), reports what it finds, and keeps watching on its own threads until {@link #close}.
   * Called once.
   */
  void start(WatcherContext context);

  /** Stops watching and releases threads and connections; returns within a few seconds. Idempotent. */
  @Override
  void close();
}
