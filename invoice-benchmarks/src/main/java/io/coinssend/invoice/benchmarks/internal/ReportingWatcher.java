package io.coinssend.invoice.benchmarks.internal;

import static java.util.Objects.requireNonNull;

import io.coinssend.invoice.Asset;
import io.coinssend.invoice.Money;
import io.coinssend.invoice.PaymentPolicy;
import io.coinssend.invoice.spi.ChainFact;
import io.coinssend.invoice.spi.ChainWatcher;
import io.coinssend.invoice.spi.WatchedAddress;
import io.coinssend.invoice.spi.WatcherCapability;
import io.coinssend.invoice.spi.WatcherContext;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A chain watcher whose facts the benchmark reports by hand, through the same {@link WatcherContext#report} a real
 * watcher calls after reading a block. Addresses are {@code bench-<index>}: deriving real ones is measured on its
 * own ({@code AddressDerivationBenchmark}). Policy: 1 confirmation (bitcoin's default). Thread-safe.
 */
public final class ReportingWatcher implements ChainWatcher {

  private final Asset asset;
  private volatile WatcherContext context;

  public ReportingWatcher(Asset asset) {
    this.asset = requireNonNull(asset, "asset");
  }

  /**
   * Reports facts as the watcher's chain, returning once they are durable.
   *
   * @throws IllegalStateException if the engine has not started this watcher
   */
  public void report(List<ChainFact> facts) {
    WatcherContext started = context;
    if (started == null) {
      throw new IllegalStateException("the engine has not started this watcher yet");
    }
    started.report(facts);
  }

  @Override
  public String chain() {
    return asset.chainKey();
  }

  @Override
  public Set<Asset> assets() {
    return Set.of(asset);
  }

  @Override
  public Set<WatcherCapability> capabilities() {
    return EnumSet.noneOf(WatcherCapability.class);
  }

  @Override
  public PaymentPolicy defaultPolicy(Asset asset) {
    return PaymentPolicy.bitcoinDefaults();
  }

  @Override
  public String derivationKey() {
    return "bench:" + asset.chainKey();
  }

  @Override
  public String deriveAddress(Asset asset, long index) {
    return "bench-" + index;
  }

  @Override
  public String paymentUri(Asset asset, String address, Money amount, Optional<String> label,
      Optional<String> message) {
    return "bitcoin:" + address;
  }

  @Override
  public void watch(WatchedAddress address) {}

  @Override
  public void unwatch(String address) {}

  @Override
  public void start(WatcherContext context) {
    this.context = requireNonNull(context, "context");
  }

  @Override
  public void close() {}
}
