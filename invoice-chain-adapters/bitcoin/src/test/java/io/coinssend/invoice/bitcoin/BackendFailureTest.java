package io.coinssend.invoice.bitcoin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import io.coinssend.invoice.Asset;
import io.coinssend.invoice.Money;
import io.coinssend.invoice.bitcoin.harness.Fault;
import io.coinssend.invoice.bitcoin.harness.FakeBitcoinCore;
import io.coinssend.invoice.bitcoin.harness.FakeServer;
import io.coinssend.invoice.bitcoin.harness.RegtestChain;
import io.coinssend.invoice.memory.InMemoryInvoiceStore;
import io.coinssend.invoice.spi.ChainFact;
import io.coinssend.invoice.spi.PaymentReversed;
import io.coinssend.invoice.spi.PaymentSeen;
import io.coinssend.invoice.spi.WatchedAddress;
import io.coinssend.invoice.testkit.RecordingWatcherContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Backend failures (connection refused, HTTP errors, time-outs, malformed JSON or hex, refused credentials, a node of
 * another network) are logged and retried with backoff, never become a fact, and the payment is found once the
 * backend answers again.
 */
class BackendFailureTest {

  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final Asset BTC = Asset.BTC_REGTEST;

  private final RegtestChain chain = new RegtestChain(Clock.systemUTC());
  private final AccountKey key = AccountKey.parse(TestKeys.BIP84_VPUB, BitcoinNetwork.REGTEST);
  private final LogCapture logs = new LogCapture(BitcoinWatcher.class);
  private FakeServer server;
  private BitcoinWatcher watcher;
  private RecordingWatcherContext context;

  @AfterEach
  void tearDown() {
    if (watcher != null) {
      watcher.close();
    }
    if (context != null) {
      context.close();
    }
    if (server != null) {
      server.close();
    }
    logs.close();
  }

  static List<Object[]> faults() {
    List<Object[]> cases = new java.util.ArrayList<>();
    for (Backend backend : Backend.values()) {
      for (Fault fault : Fault.values()) {
        cases.add(new Object[] {backend, fault});
      }
    }
    return cases;
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("faults")
  void aFailingBackendIsRetriedAndNeverProducesAFact(Backend backend, Fault fault) {
    String address = startWatching(backend, backend.serve(chain));
    long failuresBefore = watcher.health().consecutiveFailures();
    server.inject(fault, 3);
    String txid = chain.pay(address, Money.ofUnits(BTC, 70_000));
    chain.mine(1);

    await("the faults were played").atMost(WAIT).until(() -> server.faultsPlayed() == 3);
    await("the payment found once the backend answers").atMost(WAIT)
        .until(() -> minedSighting(txid));
    assertThat(failuresBefore).isZero();
    assertThat(watcher.health().lastFailure()).as("the failure was recorded").isPresent();
    assertThat(logs.messages(Level.WARN)).anyMatch(m -> m.contains("backend failed"));
    assertOnlyTheTruthWasReported(txid, 70_000);
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aBackendThatRefusesConnectionsIsRetriedUntilItIsBack(Backend backend) {
    String address = startWatching(backend, backend.serve(chain));
    server.stop();
    String txid = chain.pay(address, Money.ofUnits(BTC, 80_000));
    chain.mine(2);
    await("failures while the backend is down").atMost(WAIT)
        .until(() -> watcher.health().consecutiveFailures() >= 3);
    assertThat(watcher.health().lastFailure()).get().asString().contains("ConnectException");
    assertThat(context.factsAboutTx(txid)).isEmpty();

    server.restart();
    await("the payment made while the backend was down").atMost(WAIT).until(() -> minedSighting(txid));
    await().atMost(WAIT).until(() -> watcher.health().consecutiveFailures() == 0);
    assertOnlyTheTruthWasReported(txid, 80_000);
  }

  @Test
  void wrongCredentialsAreLoggedWithoutThePassword() {
    server = Backend.BITCOIN_CORE.serve(chain);
    watcher = BitcoinWatcher.builder(key)
        .bitcoinCore(server.uri(), RpcCredentials.userPassword("alice", "wrong-password-123"))
        .pollInterval(Duration.ofMillis(30)).maxBackoff(Duration.ofMillis(100)).build();
    context = new RecordingWatcherContext(watcher.chain(), Clock.systemUTC(), new InMemoryInvoiceStore());
    watcher.start(context);
    await().atMost(WAIT).until(() -> watcher.health().consecutiveFailures() >= 2);
    assertThat(watcher.health().lastFailure()).get().asString().contains("refused the credentials");
    assertThat(logs.messages(Level.DEBUG)).isNotEmpty().noneMatch(m -> m.contains("wrong-password-123"));
    assertThat(watcher.toString()).doesNotContain("wrong-password-123");
    assertThat(context.facts()).isEmpty();
  }

  @Test
  void aCookieFileIsReadAgainWhenTheNodeRestartsWithANewCookie(@TempDir Path dir) throws IOException {
    Path cookie = dir.resolve(".cookie");
    Files.writeString(cookie, "__cookie__:first", StandardCharsets.UTF_8);
    FakeBitcoinCore node = new FakeBitcoinCore(chain, "__cookie__", "first");
    server = node;
    watcher = BitcoinWatcher.builder(key).bitcoinCore(node.uri(), RpcCredentials.cookieFile(cookie))
        .pollInterval(Duration.ofMillis(30)).build();
    context = new RecordingWatcherContext(watcher.chain(), Clock.systemUTC(), new InMemoryInvoiceStore());
    String address = watchFresh(0);
    watcher.start(context);
    String first = chain.pay(address, Money.ofUnits(BTC, 10_000));
    chain.mine(1);
    await().atMost(WAIT).until(() -> minedSighting(first));

    Files.writeString(cookie, "__cookie__:second", StandardCharsets.UTF_8);
    node.acceptCredentials("__cookie__", "second");
    String second = chain.pay(address, Money.ofUnits(BTC, 20_000));
    chain.mine(1);
    await("a payment after the cookie changed").atMost(WAIT).until(() -> minedSighting(second));
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aBackendOfAnotherNetworkIsRefused(Backend backend) {
    server = backend.serve(chain);
    AccountKey testnetKey = AccountKey.parse(TestKeys.BIP84_VPUB, BitcoinNetwork.TESTNET);
    watcher = backend.connect(BitcoinWatcher.builder(testnetKey), server)
        .pollInterval(Duration.ofMillis(30)).maxBackoff(Duration.ofMillis(100)).build();
    context = new RecordingWatcherContext(watcher.chain(), Clock.systemUTC(), new InMemoryInvoiceStore());
    String address = watcher.deriveAddress(Asset.BTC_TESTNET, 0);
    watcher.watch(new WatchedAddress(address, Asset.BTC_TESTNET, 0));
    watcher.start(context);
    await().atMost(WAIT).until(() -> watcher.health().consecutiveFailures() >= 2);
    assertThat(watcher.health().lastFailure()).get().asString()
        .containsAnyOf("serves chain 'regtest'", "genesis block");
    assertThat(context.facts()).isEmpty();
  }

  // ---------------------------------------------------------------------------------------------------------------

  private String startWatching(Backend backend, FakeServer fakeServer) {
    server = fakeServer;
    watcher = backend.connect(BitcoinWatcher.builder(key), server)
        .pollInterval(Duration.ofMillis(30))
        .maxBackoff(Duration.ofMillis(150))
        .requestTimeout(Duration.ofMillis(400))
        .connectTimeout(Duration.ofMillis(400))
        .build();
    context = new RecordingWatcherContext(watcher.chain(), Clock.systemUTC(), new InMemoryInvoiceStore());
    String address = watchFresh(3);
    watcher.start(context);
    await("the first scan").atMost(WAIT).until(() -> watcher.health().lastSuccess().isPresent());
    return address;
  }

  private String watchFresh(long index) {
    String address = watcher.deriveAddress(BTC, index);
    watcher.watch(new WatchedAddress(address, BTC, index));
    return address;
  }

  private boolean minedSighting(String txid) {
    return context.factsAboutTx(txid).stream()
        .anyMatch(f -> f instanceof PaymentSeen s && s.block().isPresent());
  }

  /** Every fact about the transaction is a sighting of the right amount; nothing was reversed. */
  private void assertOnlyTheTruthWasReported(String txid, long sats) {
    List<ChainFact> about = context.factsAboutTx(txid);
    assertThat(about).isNotEmpty().allSatisfy(f -> {
      assertThat(f).isInstanceOf(PaymentSeen.class);
      assertThat(((PaymentSeen) f).amount()).isEqualTo(Money.ofUnits(BTC, sats));
      assertThat(((PaymentSeen) f).ref().index()).isZero();
    });
    assertThat(context.facts()).noneMatch(f -> f instanceof PaymentReversed);
  }
}
