package io.coinssend.invoice.testkit;

import io.coinssend.invoice.Asset;
import io.coinssend.invoice.Money;
import io.coinssend.invoice.PaymentPolicy;
import io.coinssend.invoice.spi.ChainWatcher;
import io.coinssend.invoice.spi.DepositDerivation;
import io.coinssend.invoice.spi.WatchedAddress;
import io.coinssend.invoice.spi.WatcherCapability;
import io.coinssend.invoice.spi.WatcherContext;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/** A watcher whose facts the test reports by hand through {@link #context()}, from any thread. */
final class ScriptedWatcher implements ChainWatcher {

  private final Asset asset;
  private final boolean deposits;
  private volatile WatcherContext context;

  ScriptedWatcher(Asset asset) {
    this(asset, false);
  }

  /** A watcher that also derives deposit addresses ({@code scripted-deposit-<index>}) if {@code deposits}. */
  ScriptedWatcher(Asset asset, boolean deposits) {
    this.asset = asset;
    this.deposits = deposits;
  }

  @Override
  public Optional<DepositDerivation> depositDerivation() {
    if (!deposits) {
      return Optional.empty();
    }
    return Optional.of(new DepositDerivation() {
      @Override
      public String derivationKey() {
        return "scripted-deposit:" + asset.chainKey();
      }

      @Override
      public String deriveAddress(Asset asset, long index) {
        return "scripted-deposit-" + index;
      }

      @Override
      public String paymentUri(Asset asset, String address, Optional<String> label) {
        return "scripted:" + address;
      }
    });
  }

  WatcherContext context() {
    return context;
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
    return "scripted:" + asset.chainKey();
  }

  @Override
  public String deriveAddress(Asset asset, long index) {
    return "scripted-" + index;
  }

  @Override
  public String paymentUri(Asset asset, String address, Money amount, Optional<String> label,
      Optional<String> message) {
    return "scripted:" + address;
  }

  @Override
  public void watch(WatchedAddress address) {}

  @Override
  public void unwatch(String address) {}

  @Override
  public void start(WatcherContext context) {
    this.context = context;
  }

  @Override
  public void close() {}
}
