package io.coinssend.invoice.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.coinssend.invoice.Asset;
import io.coinssend.invoice.BlockRef;
import io.coinssend.invoice.Money;
import io.coinssend.invoice.memory.InMemoryInvoiceStore;
import io.coinssend.invoice.spi.ChainFact;
import io.coinssend.invoice.spi.ChainWatcher;
import io.coinssend.invoice.spi.InvoiceStore;
import io.coinssend.invoice.spi.PaymentReversed;
import io.coinssend.invoice.spi.PaymentSeen;
import io.coinssend.invoice.spi.WatchedAddress;
import io.coinssend.invoice.spi.WatcherCapability;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link ChainWatcher} must meet. Extend it, give it watchers over a test chain and a
 * {@link ChainDriver} for that chain, and it checks derivation, payment URIs, payments in blocks, and, for each
 * {@link WatcherCapability} the watcher declares, mempool sightings, reorganisations, replacements, unexpected assets
 * and resuming from the cursor after a restart.
 *
 * <pre>{@code
 * class MyWatcherTest extends ChainWatcherContract {
 *   MyTestChain chain = MyTestChain.start();
 *   protected ChainWatcher newWatcher() { return new MyWatcher(chain.endpoint(), XPUB); }
 *   protected ChainDriver driver() { return chain; }
 * }
 * }</pre>
 *
 * <p>Watchers may poll: every check waits up to {@link #timeout()} for the facts to arrive.
 */
public abstract class ChainWatcherContract {

  private final List<ChainWatcher> started = new ArrayList<>();
  private final List<RecordingWatcherContext> contexts = new ArrayList<>();
  private InvoiceStore cursorStore;
  private long nextIndex;

  /**
   * A new watcher over the test chain. Called once per test, and again to check resuming after a restart; every
   * watcher must follow the same chain and derive the same addresses.
   */
  protected abstract ChainWatcher newWatcher();

  /** Control of the test chain behind the watchers. */
  protected abstract ChainDriver driver();

  /** How long to wait for a fact to be reported. Default: 30 seconds. */
  protected Duration timeout() {
    return Duration.ofSeconds(30);
  }

  /** The amount paid in the tests; override for assets whose base unit is tiny. */
  protected Money amount(Asset asset) {
    return Money.ofUnits(asset, 12_345 + ThreadLocalRandom.current().nextInt(1000));
  }

  /** The clock given to the watcher. Default: the system clock. */
  protected Clock clock() {
    return Clock.systemUTC();
  }

  @BeforeEach
  void resetContract() {
    cursorStore = new InMemoryInvoiceStore();
    // Fresh addresses for each test even on a chain shared by several tests.
    nextIndex = ThreadLocalRandom.current().nextLong(1_000, 1_000_000_000L);
  }

  @AfterEach
  void closeWatchers() {
    started.forEach(ChainWatcher::close);
    started.clear();
    contexts.forEach(RecordingWatcherContext::close);
    contexts.clear();
  }

  /** Starts {@code watcher} with a recording context sharing this test's cursor store. */
  protected RecordingWatcherContext start(ChainWatcher watcher) {
    RecordingWatcherContext context = new RecordingWatcherContext(watcher.chain(), clock(), cursorStore);
    contexts.add(context);
    started.add(watcher);
    watcher.start(context);
    return context;
  }

  /** Derives the next fresh address of {@code watcher} and watches it. */
  protected String watchFresh(ChainWatcher watcher, Asset asset) {
    long index = nextIndex++;
    String address = watcher.deriveAddress(asset, index);
    watcher.watch(new WatchedAddress(address, asset, index));
    return address;
  }

  private static Asset assetOf(ChainWatcher watcher) {
    return watcher.assets().iterator().next();
  }

  private void awaitFact(RecordingWatcherContext context, String what, java.util.function.Predicate<ChainFact> test) {
    await(what).atMost(timeout()).pollInterval(Duration.ofMillis(50))
        .until(() -> context.facts().stream().anyMatch(test));
  }

  // ---------------------------------------------------------------------------------------------------------------

  @Test
  void declaresItsChainAndAssets() {
    ChainWatcher watcher = newWatcher();
    assertThat(watcher.assets()).isNotEmpty();
    assertThat(watcher.assets()).allSatisfy(a -> assertThat(a.chainKey()).isEqualTo(watcher.chain()));
    assertThat(watcher.derivationKey()).isNotBlank();
    for (Asset asset : watcher.assets()) {
      assertThat(watcher.defaultPolicy(asset)).isNotNull();
    }
    watcher.close();
  }

  @Test
  void derivesDistinctDeterministicAddresses() {
    ChainWatcher watcher = newWatcher();
    ChainWatcher other = newWatcher();
    Asset asset = assetOf(watcher);
    Set<String> addresses = new HashSet<>();
    for (long index = 0; index < 20; index++) {
      String address = watcher.deriveAddress(asset, index);
      assertThat(address).isNotBlank();
      assertThat(other.deriveAddress(asset, index)).as("same index, same address").isEqualTo(address);
      addresses.add(address);
    }
    assertThat(addresses).as("20 indexes give 20 addresses").hasSize(20);
    watcher.close();
    other.close();
  }

  @Test
  void paymentUriNamesTheAddress() {
    ChainWatcher watcher = newWatcher();
    Asset asset = assetOf(watcher);
    String address = watcher.deriveAddress(asset, 7);
    String uri = watcher.paymentUri(asset, address, amount(asset), Optional.of("Shop"), Optional.of("Order 7"));
    assertThat(uri).containsIgnoringCase(address).contains(":");
    watcher.close();
  }

  @Test
  void reportsPaymentInBlockWithTheTip() {
    ChainWatcher watcher = newWatcher();
    Asset asset = assetOf(watcher);
    String address = watchFresh(watcher, asset);
    RecordingWatcherContext context = start(watcher);
    Money amount = amount(asset);
    String txid = driver().pay(address, amount);
    driver().mine(1);
    awaitFact(context, "payment in a block", f -> f instanceof PaymentSeen s && s.ref().txid().equals(txid)
        && s.block().isPresent());
    PaymentSeen seen = context.seenAt(address).stream().filter(s -> s.block().isPresent()).findFirst().orElseThrow();
    assertThat(seen.amount()).isEqualTo(amount);
    assertThat(seen.address()).isEqualTo(address);
    BlockRef block = seen.block().get();
    await("tip at or past the payment's block").atMost(timeout())
        .until(() -> context.lastTip().map(t -> t.height() >= block.height()).orElse(false));
  }

  @Test
  void ignoresAddressesNotWatched() {
    ChainWatcher watcher = newWatcher();
    Asset asset = assetOf(watcher);
    String watched = watchFresh(watcher, asset);
    String notWatched = watcher.deriveAddress(asset, nextIndex++);
    RecordingWatcherContext context = start(watcher);
    driver().pay(notWatched, amount(asset));
    String txid = driver().pay(watched, amount(asset));
    driver().mine(1);
    awaitFact(context, "the watched payment", f -> f instanceof PaymentSeen s && s.ref().txid().equals(txid)
        && s.block().isPresent());
    assertThat(context.seenAt(notWatched)).isEmpty();
  }

  @Test
  void stopsReportingAfterUnwatch() {
    ChainWatcher watcher = newWatcher();
    Asset asset = assetOf(watcher);
    String dropped = watchFresh(watcher, asset);
    String kept = watchFresh(watcher, asset);
    RecordingWatcherContext context = start(watcher);
    watcher.unwatch(dropped);
    driver().pay(dropped, amount(asset));
    String txid = driver().pay(kept, amount(asset));
    driver().mine(1);
    awaitFact(context, "the kept payment", f -> f instanceof PaymentSeen s && s.ref().txid().equals(txid)
        && s.block().isPresent());
    assertThat(context.seenAt(dropped)).isEmpty();
  }

  @Test
  void reportsUnconfirmedPaymentsWhenItHasAMempool() {
    ChainWatcher watcher = newWatcher();
    Assumptions.assumeTrue(watcher.capabilities().contains(WatcherCapability.MEMPOOL), "no MEMPOOL capability");
    Asset asset = assetOf(watcher);
    String address = watchFresh(watcher, asset);
    RecordingWatcherContext context = start(watcher);
    String txid = driver().pay(address, amount(asset));
    awaitFact(context, "unconfirmed payment", f -> f instanceof PaymentSeen s && s.ref().txid().equals(txid)
        && s.block().isEmpty());
    driver().mine(1);
    awaitFact(context, "the same payment in a block", f -> f instanceof PaymentSeen s && s.ref().txid().equals(txid)
        && s.block().isPresent());
  }

  @Test
  void reportsPaymentMovedByAReorganisation() {
    ChainWatcher watcher = newWatcher();
    Assumptions.assumeTrue(watcher.capabilities().contains(WatcherCapability.REORGS), "no REORGS capability");
    Asset asset = assetOf(watcher);
    String address = watchFresh(watcher, asset);
    RecordingWatcherContext context = start(watcher);
    String txid = driver().pay(address, amount(asset));
    driver().mine(1);
    awaitFact(context, "payment in a block", f -> f instanceof PaymentSeen s && s.ref().txid().equals(txid)
        && s.block().isPresent());
    String firstHash = context.seenAt(address).stream().filter(s -> s.block().isPresent()).findFirst()
        .orElseThrow().block().get().hash();
    driver().reorg(1);
    awaitFact(context, "payment moved to another block", f -> f instanceof PaymentSeen s
        && s.ref().txid().equals(txid) && s.block().isPresent() && !s.block().get().hash().equals(firstHash));
    List<ChainFact> about = context.factsAboutTx(txid);
    assertThat(about.get(about.size() - 1)).isInstanceOf(PaymentSeen.class);
  }

  @Test
  void reportsPaymentReversedWhenItLeavesTheChain() {
    ChainWatcher watcher = newWatcher();
    Assumptions.assumeTrue(watcher.capabilities().contains(WatcherCapability.REORGS), "no REORGS capability");
    Asset asset = assetOf(watcher);
    String address = watchFresh(watcher, asset);
    RecordingWatcherContext context = start(watcher);
    String txid = driver().pay(address, amount(asset));
    driver().mine(1);
    awaitFact(context, "payment in a block", f -> f instanceof PaymentSeen s && s.ref().txid().equals(txid)
        && s.block().isPresent());
    driver().reorgDropping(1, txid);
    awaitFact(context, "payment reversed", f -> f instanceof PaymentReversed r && r.ref().txid().equals(txid));
    PaymentReversed reversed = (PaymentReversed) context.factsAboutTx(txid).stream()
        .filter(f -> f instanceof PaymentReversed).findFirst().orElseThrow();
    assertThat(reversed.confirmationsBefore()).as("it had one confirmation").isGreaterThanOrEqualTo(1);
  }

  @Test
  void reportsReplacedUnconfirmedPaymentReversed() {
    ChainWatcher watcher = newWatcher();
    Assumptions.assumeTrue(watcher.capabilities().contains(WatcherCapability.REPLACEMENTS),
        "no REPLACEMENTS capability");
    Asset asset = assetOf(watcher);
    String address = watchFresh(watcher, asset);
    RecordingWatcherContext context = start(watcher);
    String txid = driver().pay(address, amount(asset));
    awaitFact(context, "unconfirmed payment", f -> f instanceof PaymentSeen s && s.ref().txid().equals(txid));
    driver().replace(txid);
    awaitFact(context, "replaced payment reversed", f -> f instanceof PaymentReversed r
        && r.ref().txid().equals(txid));
  }

  @Test
  void reportsTransfersOfAnUnexpectedAsset() {
    ChainWatcher watcher = newWatcher();
    Assumptions.assumeTrue(watcher.capabilities().contains(WatcherCapability.UNEXPECTED_ASSETS),
        "no UNEXPECTED_ASSETS capability");
    Asset asset = assetOf(watcher);
    String address = watchFresh(watcher, asset);
    RecordingWatcherContext context = start(watcher);
    String txid = driver().payUnexpected(address, amount(asset));
    driver().mine(1);
    awaitFact(context, "transfer of another asset", f -> f instanceof PaymentSeen s && s.ref().txid().equals(txid)
        && !s.amount().asset().equals(asset));
  }

  @Test
  void resumesFromItsCursorAfterARestart() {
    ChainWatcher first = newWatcher();
    Assumptions.assumeTrue(first.capabilities().contains(WatcherCapability.RESUME), "no RESUME capability");
    Asset asset = assetOf(first);
    String address = watchFresh(first, asset);
    long index = nextIndex - 1;
    RecordingWatcherContext before = start(first);
    String early = driver().pay(address, amount(asset));
    driver().mine(1);
    awaitFact(before, "payment before the restart", f -> f instanceof PaymentSeen s && s.ref().txid().equals(early)
        && s.block().isPresent());
    first.close();

    String whileDown = driver().pay(address, amount(asset));
    driver().mine(2);

    ChainWatcher second = newWatcher();
    second.watch(new WatchedAddress(address, asset, index));
    RecordingWatcherContext after = start(second);
    awaitFact(after, "payment made while stopped", f -> f instanceof PaymentSeen s && s.ref().txid().equals(whileDown)
        && s.block().isPresent());
  }
}
