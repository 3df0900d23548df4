package io.coinssend.invoice.evm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.coinssend.invoice.Asset;
import io.coinssend.invoice.Money;
import io.coinssend.invoice.PaymentRef;
import io.coinssend.invoice.memory.InMemoryInvoiceStore;
import io.coinssend.invoice.spi.ChainFact;
import io.coinssend.invoice.spi.PaymentReversed;
import io.coinssend.invoice.spi.PaymentSeen;
import io.coinssend.invoice.spi.WatchedAddress;
import io.coinssend.invoice.testkit.RecordingWatcherContext;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Node failures against a scripted JSON-RPC node: errors, HTTP 429 with Retry-After, 5xx, garbage, malformed fields,
 * a lagging head, capped log ranges, logs of another branch, a node of another chain. Each is retried with backoff
 * and logged, and never becomes a wrong fact: the facts reported are exactly the chain's payments, once.
 */
class EvmWatcherResilienceTest {

  private static final EvmAccountKey KEY = EvmAccountKey.parse(EvmAccountKeyTest.ACCOUNT_XPUB);
  private static final Asset ETH = EvmChain.ANVIL.nativeAsset();
  private static final String TOKEN_CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
  private static final Asset TOKEN = EvmChain.ANVIL.token("TTA", TOKEN_CONTRACT, 6);
  private static final String SECRET_PATH = "/v3/secret-key-123";
  private static final String PAYER = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";

  private final List<Duration> waits = Collections.synchronizedList(new ArrayList<>());
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private final String address = KEY.address(0).toString();
  private FakeEvmNode node;
  private EvmWatcher watcher;
  private RecordingWatcherContext context;

  @BeforeEach
  void captureLogs() {
    logs.start();
    ((Logger) LoggerFactory.getLogger("io.coinssend.invoice.evm")).addAppender(logs);
    ((Logger) LoggerFactory.getLogger("io.coinssend.invoice.evm")).setLevel(Level.INFO);
  }

  @AfterEach
  void stop() {
    if (watcher != null) {
      watcher.close();
    }
    if (context != null) {
      context.close();
    }
    if (node != null) {
      node.close();
    }
    ((Logger) LoggerFactory.getLogger("io.coinssend.invoice.evm")).detachAppender(logs);
  }

  private void start(long chainId, EvmWatcher.Builder settings) {
    watcher = settings.build();
    watcher.watch(new WatchedAddress(address, ETH, 0));
    context = new RecordingWatcherContext(watcher.chain(), Clock.systemUTC(), new InMemoryInvoiceStore());
    watcher.start(context);
  }

  private EvmWatcher.Builder settings(FakeEvmNode node) {
    return EvmWatcher.builder(EvmChain.ANVIL, node.endpoint(SECRET_PATH), KEY)
        .assets(ETH, TOKEN)
        .startHeight(0)
        .pollInterval(Duration.ofMillis(20))
        .retries(4, Duration.ofMillis(100), Duration.ofSeconds(5))
        .sleeper(waits::add);
  }

  private FakeEvmNode.Tx ethTo(String to, String wei, boolean success) {
    return new FakeEvmNode.Tx(node.newTxHash(), to, new BigInteger(wei), success);
  }

  private FakeEvmNode.Log tokenTo(String contract, String to, long units, int logIndex, int topics) {
    return new FakeEvmNode.Log(contract, PAYER, to, FakeEvmNode.word(BigInteger.valueOf(units)), node.newTxHash(),
        logIndex, topics);
  }

  private List<PaymentSeen> seen() {
    return context.seenAt(address);
  }

  private void awaitTip(long height) {
    await("tip " + height).atMost(Duration.ofSeconds(20))
        .until(() -> context.lastTip().map(t -> t.height() >= height).orElse(false));
  }

  private List<String> logLines(Level level) {
    return logs.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(level)).map(ILoggingEvent::getFormattedMessage)
        .toList();
  }

  private void assertNoSecretLogged() {
    assertThat(logs.list).allSatisfy(e -> assertThat(e.getFormattedMessage()).doesNotContain("secret-key-123"));
  }

  // ---------------------------------------------------------------------------------------------------------------

  /**
   * An address watched, paid and mined while a scan waits for the node's latest block: that scan reads the block, so
   * it must read it with the address watched, or the payment is missed for good (the cursor moves past the block).
   */
  @Test
  void aPaymentToAnAddressWatchedWhileAScanAsksForTheLatestBlockIsReported() {
    node = new FakeEvmNode(31_337);
    node.mineEmpty(1);
    start(31_337, settings(node));
    awaitTip(node.height());
    String late = KEY.address(1).toString();
    AtomicReference<FakeEvmNode.Tx> paid = new AtomicReference<>();
    node.beforeNextLatest(() -> {
      watcher.watch(new WatchedAddress(late, ETH, 1));
      paid.set(ethTo(late, "1000000000000000", true));
      node.mine(List.of(paid.get()), List.of());
    });

    await("the payment to the late address").atMost(Duration.ofSeconds(20))
        .until(() -> !context.seenAt(late).isEmpty());
    assertThat(context.seenAt(late)).extracting(PaymentSeen::ref).containsExactly(PaymentRef.of(paid.get().hash(), -1));
  }

  @Test
  void rateLimitsServerErrorsAndGarbageAreRetriedWithBackoffAndEachPaymentIsReportedOnce() {
    node = new FakeEvmNode(31_337);
    FakeEvmNode.Tx eth = ethTo(address, "250000000000000000", true);
    node.mine(List.of(eth), List.of());
    FakeEvmNode.Log log = tokenTo(TOKEN_CONTRACT, address, 7_500_000, 3, 3);
    node.mine(List.of(), List.of(log));
    node.mineEmpty(1);
    node.failNext("eth_getBlockByNumber", FakeEvmNode.Failure.http(429, "1"), FakeEvmNode.Failure.http(503, null),
        FakeEvmNode.Failure.garbage());
    node.failNext("eth_getLogs", FakeEvmNode.Failure.http(429, "2"),
        FakeEvmNode.Failure.rpcError(-32005, "limit exceeded"));
    start(31_337, settings(node));

    awaitTip(3);
    assertThat(seen()).extracting(PaymentSeen::ref, PaymentSeen::amount).containsExactly(
        org.assertj.core.groups.Tuple.tuple(PaymentRef.of(eth.hash(), -1), Money.parse(ETH, "0.25")),
        org.assertj.core.groups.Tuple.tuple(PaymentRef.of(log.txHash(), 3), Money.parse(TOKEN, "7.5")));
    assertThat(context.facts()).noneMatch(f -> f instanceof PaymentReversed);
    // Retry-After is honoured (1 s, 2 s); the other waits back off from 100 ms, doubling, with jitter.
    assertThat(waits).hasSize(5).contains(Duration.ofSeconds(1), Duration.ofSeconds(2));
    assertThat(waits).filteredOn(w -> w.toMillis() < 1000)
        .allSatisfy(w -> assertThat(w.toMillis()).isBetween(50L, 400L));
    assertThat(logLines(Level.INFO)).anyMatch(l -> l.contains("HTTP 429")).anyMatch(l -> l.contains("HTTP 503"))
        .anyMatch(l -> l.contains("not JSON")).anyMatch(l -> l.contains("-32005"));
    assertNoSecretLogged();
  }

  @Test
  void malformedAnswersFailTheScanAndNeverBecomeFacts() {
    node = new FakeEvmNode(31_337);
    node.mine(List.of(ethTo(address, "1000000000000000000", true)), List.of());
    node.mineEmpty(1);
    // The payment's block comes back twice with a value that is no hex quantity, once with a decimal one.
    node.failNext("eth_getBlockByNumber",
        FakeEvmNode.Failure.rewrite("0x1", answer -> corruptValue(answer, "0xZZ")),
        FakeEvmNode.Failure.rewrite("0x1", answer -> corruptValue(answer, "12")),
        FakeEvmNode.Failure.rewrite("0x1", answer -> corruptValue(answer, "0xZZ")));
    start(31_337, settings(node));

    awaitTip(2);
    assertThat(seen()).singleElement().satisfies(s -> assertThat(s.amount()).isEqualTo(Money.parse(ETH, "1")));
    assertThat(logLines(Level.WARN)).filteredOn(l -> l.contains("MALFORMED") && l.contains("nothing reported"))
        .hasSizeGreaterThanOrEqualTo(3);
  }

  private static ObjectNode corruptValue(ObjectNode answer, String value) {
    answer.path("result").path("transactions").forEach(tx -> ((ObjectNode) tx).put("value", value));
    return answer;
  }

  @Test
  void aLaggingNodeNeverMakesAPaymentLookReversed() {
    node = new FakeEvmNode(31_337);
    node.mine(List.of(ethTo(address, "1000000000000000000", true)), List.of());
    node.mineEmpty(3);
    start(31_337, settings(node).retries(4, Duration.ofMillis(100), Duration.ofMillis(200)));
    awaitTip(4);

    // The node (or the backend behind a load balancer) falls 3 blocks behind what was processed.
    node.lag(3);
    int before = node.calls("eth_getBlockByNumber");
    await("scans against the lagging node").atMost(Duration.ofSeconds(20))
        .until(() -> node.calls("eth_getBlockByNumber") >= before + 6);
    assertThat(context.facts()).noneMatch(f -> f instanceof PaymentReversed);
    assertThat(context.lastTip().orElseThrow().height()).isEqualTo(4);
    assertThat(logLines(Level.WARN)).anyMatch(l -> l.contains("lagging"));

    node.lag(0);
    node.mineEmpty(1);
    awaitTip(5);
    assertThat(context.facts()).noneMatch(f -> f instanceof PaymentReversed);
    assertThat(seen()).hasSize(1);
  }

  @Test
  void aLaggingBackendMissingABlockBelowItsHeadIsRetried() {
    node = new FakeEvmNode(31_337);
    node.mine(List.of(ethTo(address, "1000000000000000000", true)), List.of());
    node.mineEmpty(2);
    // Block 1 is briefly unknown although the head is 3 (a load-balanced backend that is behind).
    node.failNext("eth_getBlockByNumber", FakeEvmNode.Failure.rewrite("0x1", answer -> {
      answer.putNull("result");
      return answer;
    }));
    start(31_337, settings(node));
    awaitTip(3);
    assertThat(seen()).singleElement();
    assertThat(logLines(Level.WARN)).anyMatch(l -> l.contains("INCONSISTENT") && l.contains("no block 1"));
  }

  @Test
  void logRangesANodeRefusesAreHalved() {
    node = new FakeEvmNode(31_337);
    node.maxLogRange(4);
    node.mineEmpty(2);
    FakeEvmNode.Log early = tokenTo(TOKEN_CONTRACT, address, 1_000_000, 0, 3);
    node.mine(List.of(), List.of(early));
    node.mineEmpty(13);
    FakeEvmNode.Log late = tokenTo(TOKEN_CONTRACT, address, 2_000_000, 5, 3);
    node.mine(List.of(), List.of(late));
    node.mineEmpty(3);
    start(31_337, settings(node).blockRange(16));

    awaitTip(20);
    assertThat(seen()).extracting(s -> s.ref().txid()).containsExactly(early.txHash(), late.txHash());
    assertThat(node.logRanges()).isNotEmpty().allSatisfy(r -> assertThat(r[1] - r[0] + 1).isLessThanOrEqualTo(4));
  }

  @Test
  void watchedAddressesAreQueriedInBatches() {
    node = new FakeEvmNode(31_337);
    List<String> addresses = new ArrayList<>();
    List<FakeEvmNode.Log> payments = new ArrayList<>();
    for (int index = 0; index < 5; index++) {
      addresses.add(KEY.address(index).toString());
      payments.add(tokenTo(TOKEN_CONTRACT, addresses.get(index), 1_000_000L * (index + 1), index, 3));
    }
    node.mine(List.of(), payments);
    watcher = settings(node).addressBatch(2).build();
    for (int index = 0; index < 5; index++) {
      watcher.watch(new WatchedAddress(addresses.get(index), TOKEN, index));
    }
    context = new RecordingWatcherContext(watcher.chain(), Clock.systemUTC(), new InMemoryInvoiceStore());
    watcher.start(context);

    awaitTip(1);
    for (int index = 0; index < 5; index++) {
      assertThat(context.seenAt(addresses.get(index))).singleElement()
          .satisfies(s -> assertThat(s.amount().units()).isEqualTo(BigInteger.valueOf(1_000_000L * (s.ref().index() + 1))));
    }
    assertThat(node.recipientsPerFilter()).hasSizeGreaterThanOrEqualTo(3).allSatisfy(n -> assertThat(n).isBetween(1, 2));
  }

  @Test
  void logsNamingAnotherBranchAreNotTrusted() {
    node = new FakeEvmNode(31_337);
    FakeEvmNode.Log log = tokenTo(TOKEN_CONTRACT, address, 1_000_000, 0, 3);
    FakeEvmNode.Block block = node.mine(List.of(), List.of(log));
    node.failNext("eth_getLogs", FakeEvmNode.Failure.rewrite(null, answer -> {
      answer.path("result").forEach(l -> ((ObjectNode) l).put("blockHash", FakeEvmNode.hash("another branch")));
      return answer;
    }));
    start(31_337, settings(node));
    awaitTip(1);
    assertThat(seen()).singleElement().satisfies(s -> assertThat(s.block().orElseThrow().hash())
        .isEqualTo(block.hash()));
    assertThat(logLines(Level.WARN)).anyMatch(l -> l.contains("INCONSISTENT"));
  }

  @Test
  void onlyRealErc20PaymentsCount() {
    node = new FakeEvmNode(31_337);
    String unknown = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";
    node.decimals(unknown, FakeEvmNode.word(BigInteger.valueOf(18)));
    FakeEvmNode.Tx reverted = ethTo(address, "1000000000000000000", false);
    FakeEvmNode.Log zero = tokenTo(TOKEN_CONTRACT, address, 0, 0, 3);
    FakeEvmNode.Log nft = tokenTo(TOKEN_CONTRACT, address, 0, 1, 4);
    FakeEvmNode.Log odd = new FakeEvmNode.Log(unknown, PAYER, address,
        FakeEvmNode.word(new BigInteger("2500000000000000000")), node.newTxHash(), 2, 3);
    node.mine(List.of(reverted), List.of(zero, nft, odd));
    start(31_337, settings(node));

    awaitTip(1);
    assertThat(seen()).singleElement().satisfies(s -> {
      assertThat(s.ref()).isEqualTo(PaymentRef.of(odd.txHash(), 2));
      Asset asset = s.amount().asset();
      assertThat(asset.code()).isEqualTo(EvmWatcher.UNKNOWN_TOKEN_CODE);
      assertThat(asset.contract()).contains(unknown);
      assertThat(asset.decimals()).isEqualTo(18);
      assertThat(s.amount().toPlainString()).isEqualTo("2.5");
    });
    assertThat(logLines(Level.INFO)).anyMatch(l -> l.contains(reverted.hash()) && l.contains("reverted"));
  }

  @Test
  void aNodeOfAnotherChainIsNeverRead() {
    node = new FakeEvmNode(1);
    node.mine(List.of(ethTo(address, "1000000000000000000", true)), List.of());
    start(31_337, settings(node).retries(1, Duration.ofMillis(10), Duration.ofMillis(50)));
    await("the chain id refused").atMost(Duration.ofSeconds(20))
        .until(() -> logLines(Level.ERROR).stream().anyMatch(l -> l.contains("chain id 1")));
    assertThat(context.facts()).isEmpty();
    assertThat(node.calls("eth_getLogs")).isZero();
  }

  @Test
  void credentialsInTheEndpointPathNeverReachTheLogs() {
    node = new FakeEvmNode(31_337);
    node.mine(List.of(ethTo(address, "1000000000000000000", true)), List.of());
    node.failNext("eth_chainId", FakeEvmNode.Failure.http(401, null), FakeEvmNode.Failure.http(401, null));
    start(31_337, settings(node));
    awaitTip(1);
    assertThat(seen()).singleElement();
    assertThat(logLines(Level.WARN)).filteredOn(l -> l.contains("HTTP 401")).hasSize(2)
        .allSatisfy(l -> assertThat(l).contains("http://127.0.0.1:"));
    assertNoSecretLogged();
    assertThat(watcher.toString()).doesNotContain("secret-key-123");
  }

  @Test
  void withTheFinalizedTagTheTipReportedIsTheFinalizedBlock() {
    node = new FakeEvmNode(31_337);
    node.mine(List.of(ethTo(address, "1000000000000000000", true)), List.of());
    node.mineEmpty(5);
    node.finalizedAt(2);
    start(31_337, settings(node).confirmationTag(ConfirmationTag.FINALIZED));
    await().atMost(Duration.ofSeconds(20)).until(() -> !seen().isEmpty() && context.lastTip().isPresent());
    assertThat(context.lastTip().orElseThrow().height()).isEqualTo(2);
    Predicate<ChainFact> tipAboveFinalized = f -> f instanceof io.coinssend.invoice.spi.TipChanged t
        && t.tip().height() > 2;
    assertThat(context.facts()).noneMatch(tipAboveFinalized);
    assertThat(watcher.defaultPolicy(ETH).confirmations()).isEqualTo(1);
  }
}
