package io.coinssend.invoice.bitcoin;

import static org.awaitility.Awaitility.await;

import io.coinssend.invoice.Asset;
import io.coinssend.invoice.bitcoin.harness.FakeServer;
import io.coinssend.invoice.bitcoin.harness.RegtestChain;
import io.coinssend.invoice.memory.InMemoryInvoiceStore;
import io.coinssend.invoice.spi.ChainFact;
import io.coinssend.invoice.spi.PaymentReversed;
import io.coinssend.invoice.spi.PaymentSeen;
import io.coinssend.invoice.spi.WatchedAddress;
import io.coinssend.invoice.testkit.RecordingWatcherContext;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/** A regtest chain, its fake server for one backend, and a watcher over it recording its facts. */
final class Fixture implements AutoCloseable {

  static final Duration WAIT = Duration.ofSeconds(20);
  static final Asset BTC = Asset.BTC_REGTEST;

  final RegtestChain chain;
  final FakeServer server;
  final Backend backend;
  final AccountKey key = AccountKey.parse(TestKeys.BIP84_VPUB, BitcoinNetwork.REGTEST);
  final InMemoryInvoiceStore cursors = new InMemoryInvoiceStore();
  BitcoinWatcher watcher;
  RecordingWatcherContext context;

  Fixture(Backend backend, Clock clock) {
    this.backend = backend;
    this.chain = new RegtestChain(clock);
    this.server = backend.serve(chain);
  }

  /** A new watcher over the server, polling every 30 ms, configured further by {@code configure}. */
  BitcoinWatcher newWatcher(UnaryOperator<BitcoinWatcher.Builder> configure) {
    BitcoinWatcher.Builder builder = backend.connect(BitcoinWatcher.builder(key), server)
        .pollInterval(Duration.ofMillis(30)).maxBackoff(Duration.ofMillis(150));
    return configure.apply(builder).build();
  }

  /** Starts {@code w} with a recording context sharing this fixture's cursor store; waits for its first scan. */
  void start(BitcoinWatcher w) {
    stopWatcher();
    watcher = w;
    context = new RecordingWatcherContext(w.chain(), Clock.systemUTC(), cursors);
    w.start(context);
    await("the first scan").atMost(WAIT).until(() -> w.health().lastSuccess().isPresent());
  }

  String watch(long index) {
    String address = watcher.deriveAddress(BTC, index);
    watcher.watch(new WatchedAddress(address, BTC, index));
    return address;
  }

  Optional<PaymentSeen> mined(String txid) {
    return context.factsAboutTx(txid).stream()
        .filter(f -> f instanceof PaymentSeen s && s.block().isPresent())
        .map(PaymentSeen.class::cast)
        .reduce((first, second) -> second);
  }

  Optional<PaymentReversed> reversed(String txid) {
    return context.factsAboutTx(txid).stream()
        .filter(f -> f instanceof PaymentReversed)
        .map(PaymentReversed.class::cast)
        .findFirst();
  }

  boolean unconfirmed(String txid) {
    return context.factsAboutTx(txid).stream().anyMatch(f -> f instanceof PaymentSeen s && s.block().isEmpty());
  }

  ChainFact lastAbout(String txid) {
    List<ChainFact> about = context.factsAboutTx(txid);
    return about.get(about.size() - 1);
  }

  /** Waits until the watcher has processed the harness chain's tip. */
  void awaitCaughtUp() {
    String tip = chain.tip().getHashAsString();
    await("the watcher at the tip").atMost(WAIT)
        .until(() -> context.lastTip().map(t -> t.hash().equals(tip)).orElse(false));
  }

  void stopWatcher() {
    if (watcher != null) {
      watcher.close();
    }
    if (context != null) {
      context.close();
    }
  }

  @Override
  public void close() {
    stopWatcher();
    server.close();
  }
}
