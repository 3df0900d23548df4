package io.coinssend.invoice.evm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * A small scripted EVM JSON-RPC node (com.sun.net.httpserver) for unit tests of failure handling: a chain of blocks
 * with native transfers (and their receipt status) and Transfer logs, answering the calls the watcher makes, and
 * failures injected per method: HTTP statuses, rate limits, garbage, rewritten answers, a lagging head, capped log
 * ranges. Thread-safe enough for one watcher thread and the test thread.
 */
final class FakeEvmNode implements AutoCloseable {

  static final String TRANSFER = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef";
  private static final ObjectMapper MAPPER = new ObjectMapper();

  record Tx(String hash, String to, BigInteger value, boolean success) {}

  record Log(String contract, String from, String to, String data, String txHash, int logIndex, int topicCount) {}

  record Block(long number, String hash, String parentHash, long timestamp, List<Tx> txs, List<Log> logs) {}

  /** A scripted answer: an HTTP status with a body, or a rewrite of the normal JSON answer. */
  record Failure(int status, String body, String retryAfter, UnaryOperator<ObjectNode> rewrite, String firstParam) {
    static Failure http(int status, String retryAfter) {
      return new Failure(status, "{}", retryAfter, null, null);
    }

    static Failure garbage() {
      return new Failure(200, "<html>502 Bad Gateway</html>", null, null, null);
    }

    static Failure rpcError(int code, String message) {
      return new Failure(200, null, null, answer -> {
        answer.remove("result");
        answer.putObject("error").put("code", code).put("message", message);
        return answer;
      }, null);
    }

    /** Rewrites the answer to the next call whose first parameter is {@code firstParam} (any call if null). */
    static Failure rewrite(String firstParam, UnaryOperator<ObjectNode> rewrite) {
      return new Failure(200, null, null, rewrite, firstParam);
    }
  }

  private final HttpServer server;
  private final long chainId;
  private final List<Block> blocks = new CopyOnWriteArrayList<>();
  private final Map<String, Deque<Failure>> failures = new ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.AtomicReference<Runnable> beforeLatest =
      new java.util.concurrent.atomic.AtomicReference<>();
  private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
  private final List<long[]> logRanges = new CopyOnWriteArrayList<>();
  private final List<Integer> recipientsPerFilter = new CopyOnWriteArrayList<>();
  private final Map<String, String> decimals = new ConcurrentHashMap<>();
  private volatile int lag;
  private volatile int maxLogRange = Integer.MAX_VALUE;
  private volatile Block finalized;
  private int counter;

  FakeEvmNode(long chainId) {
    this.chainId = chainId;
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext("/", this::handle);
    server.start();
    blocks.add(new Block(0, hash("genesis"), hash("none"), 1_700_000_000L, List.of(), List.of()));
  }

  /** The endpoint, with {@code path} (an API key, say) after the host. */
  URI endpoint(String path) {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
  }

  static String hash(String seed) {
    return "0x" + String.format(Locale.ROOT, "%064x", new BigInteger(1, seed.getBytes(StandardCharsets.UTF_8))
        .mod(BigInteger.ONE.shiftLeft(256)));
  }

  synchronized String newTxHash() {
    return hash("tx-" + (++counter));
  }

  /** Appends a block holding {@code txs} and {@code logs}. */
  synchronized Block mine(List<Tx> txs, List<Log> logs) {
    Block parent = blocks.get(blocks.size() - 1);
    long number = parent.number() + 1;
    Block block = new Block(number, hash("block-" + number + "-" + (++counter)), parent.hash(),
        parent.timestamp() + 12, List.copyOf(txs), List.copyOf(logs));
    blocks.add(block);
    return block;
  }

  void mineEmpty(int count) {
    for (int i = 0; i < count; i++) {
      mine(List.of(), List.of());
    }
  }

  long height() {
    return blocks.get(blocks.size() - 1).number();
  }

  /** Runs {@code action} once, on the node's thread, before it answers the next request for its latest block. */
  void beforeNextLatest(Runnable action) {
    beforeLatest.set(action);
  }

  void failNext(String method, Failure... scripted) {
    failures.computeIfAbsent(method, m -> new ArrayDeque<>());
    synchronized (failures.get(method)) {
      for (Failure f : scripted) {
        failures.get(method).addLast(f);
      }
    }
  }

  /** The node answers as if its head were {@code blocks} behind (a lagging backend). */
  void lag(int blocks) {
    this.lag = blocks;
  }

  void maxLogRange(int blocks) {
    this.maxLogRange = blocks;
  }

  void finalizedAt(long height) {
    this.finalized = blocks.get((int) height);
  }

  void decimals(String contract, String answer) {
    decimals.put(contract.toLowerCase(Locale.ROOT), answer);
  }

  int calls(String method) {
    return calls.getOrDefault(method, new AtomicInteger()).get();
  }

  List<long[]> logRanges() {
    return List.copyOf(logRanges);
  }

  /** How many recipient topics each eth_getLogs filter named. */
  List<Integer> recipientsPerFilter() {
    return List.copyOf(recipientsPerFilter);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      JsonNode request = MAPPER.readTree(exchange.getRequestBody());
      String method = request.path("method").asText();
      calls.computeIfAbsent(method, m -> new AtomicInteger()).incrementAndGet();
      if (method.equals("eth_getBlockByNumber") && request.path("params").path(0).asText().equals("latest")) {
        Runnable action = beforeLatest.getAndSet(null);
        if (action != null) {
          action.run();
        }
      }
      Failure failure = null;
      Deque<Failure> queue = failures.get(method);
      if (queue != null) {
        synchronized (queue) {
          Failure head = queue.peekFirst();
          JsonNode first = request.path("params").path(0);
          if (head != null && (head.firstParam() == null || first.isTextual() && first.asText().equals(head.firstParam()))) {
            failure = queue.pollFirst();
          }
        }
      }
      ObjectNode answer = MAPPER.createObjectNode();
      answer.put("jsonrpc", "2.0");
      answer.set("id", request.get("id"));
      if (failure != null && failure.body() != null) {
        if (failure.retryAfter() != null) {
          exchange.getResponseHeaders().add("Retry-After", failure.retryAfter());
        }
        send(exchange, failure.status(), failure.body());
        return;
      }
      try {
        answer.set("result", answer(method, request.path("params")));
      } catch (IllegalArgumentException e) {
        answer.putObject("error").put("code", -32602).put("message", e.getMessage());
      }
      if (failure != null) {
        answer = failure.rewrite().apply(answer);
      }
      send(exchange, 200, MAPPER.writeValueAsString(answer));
    }
  }

  private static void send(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  private long head() {
    return height() - lag;
  }

  private JsonNode answer(String method, JsonNode params) {
    switch (method) {
      case "eth_chainId":
        return MAPPER.valueToTree("0x" + Long.toHexString(chainId));
      case "eth_getBlockByNumber": {
        String tag = params.get(0).asText();
        boolean full = params.get(1).asBoolean();
        long number;
        if (tag.equals("latest")) {
          number = head();
        } else if (tag.equals("finalized")) {
          return finalized == null ? MAPPER.nullNode() : block(finalized, full);
        } else {
          number = Long.parseLong(tag.substring(2), 16);
        }
        return number > head() ? MAPPER.nullNode() : block(blocks.get((int) number), full);
      }
      case "eth_getBlockByHash": {
        String hash = params.get(0).asText();
        return blocks.stream().filter(b -> b.hash().equals(hash) && b.number() <= head()).findFirst()
            .map(b -> block(b, params.get(1).asBoolean())).orElse(MAPPER.nullNode());
      }
      case "eth_getTransactionReceipt": {
        String hash = params.get(0).asText();
        for (Block b : blocks) {
          for (Tx tx : b.txs()) {
            if (tx.hash().equals(hash) && b.number() <= head()) {
              ObjectNode receipt = MAPPER.createObjectNode();
              receipt.put("transactionHash", tx.hash());
              receipt.put("blockHash", b.hash());
              receipt.put("blockNumber", "0x" + Long.toHexString(b.number()));
              receipt.put("status", tx.success() ? "0x1" : "0x0");
              return receipt;
            }
          }
        }
        return MAPPER.nullNode();
      }
      case "eth_getLogs":
        return logs(params.get(0));
      case "eth_call": {
        String to = params.get(0).path("to").asText().toLowerCase(Locale.ROOT);
        String answer = decimals.get(to);
        if (answer == null) {
          throw new IllegalArgumentException("execution reverted");
        }
        return MAPPER.valueToTree(answer);
      }
      default:
        throw new IllegalArgumentException("method not found: " + method);
    }
  }

  private JsonNode block(Block b, boolean full) {
    ObjectNode node = MAPPER.createObjectNode();
    node.put("number", "0x" + Long.toHexString(b.number()));
    node.put("hash", b.hash());
    node.put("parentHash", b.parentHash());
    node.put("timestamp", "0x" + Long.toHexString(b.timestamp()));
    ArrayNode txs = node.putArray("transactions");
    for (Tx tx : b.txs()) {
      if (full) {
        ObjectNode t = txs.addObject();
        t.put("hash", tx.hash());
        if (tx.to() == null) {
          t.putNull("to");
        } else {
          t.put("to", tx.to().toLowerCase(Locale.ROOT));
        }
        t.put("value", "0x" + tx.value().toString(16));
      } else {
        txs.add(tx.hash());
      }
    }
    return node;
  }

  private JsonNode logs(JsonNode filter) {
    List<Block> range = new ArrayList<>();
    if (filter.has("blockHash")) {
      blocks.stream().filter(b -> b.hash().equals(filter.get("blockHash").asText()) && b.number() <= head())
          .forEach(range::add);
    } else {
      long from = Long.parseLong(filter.get("fromBlock").asText().substring(2), 16);
      long to = Long.parseLong(filter.get("toBlock").asText().substring(2), 16);
      if (to - from + 1 > maxLogRange) {
        throw new IllegalArgumentException("block range too large, at most " + maxLogRange);
      }
      logRanges.add(new long[] {from, to});
      for (long n = from; n <= Math.min(to, head()); n++) {
        range.add(blocks.get((int) n));
      }
    }
    Map<String, Boolean> recipients = new HashMap<>();
    JsonNode topics = filter.path("topics");
    for (JsonNode t : topics.path(2)) {
      recipients.put(t.asText(), true);
    }
    recipientsPerFilter.add(recipients.size());
    List<String> contracts = new ArrayList<>();
    filter.path("address").forEach(a -> contracts.add(a.asText().toLowerCase(Locale.ROOT)));
    ArrayNode result = MAPPER.createArrayNode();
    for (Block b : range) {
      for (Log l : b.logs()) {
        String toTopic = "0x" + "0".repeat(24) + l.to().substring(2).toLowerCase(Locale.ROOT);
        if (!recipients.containsKey(toTopic)
            || !contracts.isEmpty() && !contracts.contains(l.contract().toLowerCase(Locale.ROOT))) {
          continue;
        }
        ObjectNode node = result.addObject();
        node.put("address", l.contract().toLowerCase(Locale.ROOT));
        ArrayNode t = node.putArray("topics");
        t.add(TRANSFER);
        t.add("0x" + "0".repeat(24) + l.from().substring(2).toLowerCase(Locale.ROOT));
        t.add(toTopic);
        if (l.topicCount() == 4) {
          t.add("0x" + "0".repeat(63) + "1");
        }
        node.put("data", l.data());
        node.put("blockNumber", "0x" + Long.toHexString(b.number()));
        node.put("blockHash", b.hash());
        node.put("transactionHash", l.txHash());
        node.put("logIndex", "0x" + Integer.toHexString(l.logIndex()));
        node.put("removed", false);
      }
    }
    return result;
  }

  /** A 32-byte data word holding {@code value}. */
  static String word(BigInteger value) {
    return "0x" + String.format(Locale.ROOT, "%64s", value.toString(16)).replace(' ', '0');
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
