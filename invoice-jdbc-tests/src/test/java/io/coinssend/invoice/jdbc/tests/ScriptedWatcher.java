package io.coinssend.invoice.jdbc.tests;

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
 * A bitcoin watcher whose facts the test reports by hand, from any thread. Every instance derives from the same key,
 * so instances in several engines (or JVMs) share one derivation counter, as watchers of one xpub must.
 */
final class ScriptedWatcher implements ChainWatcher {

  static final Asset BTC = Asset.BTC;

  private volatile WatcherContext context;

  /** Applies {@code facts} through the engine; returns once they are durable. */
  void report(List<ChainFact> facts) {
    WatcherContext current = context;
    if (current == null) {
      throw new IllegalStateException("the engine has not started this watcher");
    }
    current.report(facts);
  }

  @Override
  public String chain() {
    return BTC.chainKey();
  }

  @Override
  public Set<Asset> assets() {
    return Set.of(BTC);
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
    return "scripted:" + BTC.chainKey();
  }

  @Override
  public String deriveAddress(Asset asset, long index) {
    return "bc1qscripted" + index;
  }

  @Override
  public String paymentUri(Asset asset, String address, Money amount, Optional<String> label,
      Optional<String> message) {
    return "bitcoin:" + address + "?amount=" + amount.toPlainString();
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
