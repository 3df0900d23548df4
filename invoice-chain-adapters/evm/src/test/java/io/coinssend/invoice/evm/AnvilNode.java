package io.coinssend.invoice.evm;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.coinssend.invoice.testkit.ExternalServices;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.DynamicArray;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Utf8String;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.abi.datatypes.generated.Uint8;

/**
 * A real anvil node for one test class: started on a free port with {@code --no-mining} (transactions wait in its
 * pool until {@link #mine}), chain id 31337, stopped by {@link #close}. Test code only: it signs with anvil's unlocked
 * dev accounts through {@code eth_sendTransaction}; the library never signs.
 */
final class AnvilNode implements AutoCloseable {

  static final String INSTALL_HINT = "anvil is not installed: run .ci/setup/20-anvil.sh (npm package"
      + " @foundry-rs/anvil-linux-amd64 1.7.1 under .tools/anvil), or set ANVIL to its path";
  /** anvil's first dev account, funded with 10000 ETH. */
  static final String PAYER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

  /** anvil's last dev account, used only to make reorganised blocks differ. */
  static final String REORG_MARKER = "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720";

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private final Process process;
  private final URI endpoint;
  private final AtomicLong ids = new AtomicLong();

  private AnvilNode(Process process, URI endpoint) {
    this.process = process;
    this.endpoint = endpoint;
  }

  /**
   * Starts anvil if it is installed; test classes call it in {@code @BeforeAll} and {@link #require} in
   * {@code @BeforeEach}, so every test shows as skipped (or failed under CI=true) with the reason.
   */
  static Optional<AnvilNode> startIfInstalled() {
    return binary().map(AnvilNode::start);
  }

  /** Continues if {@code node} runs; otherwise skips the test, or fails it under CI=true. */
  static void require(AnvilNode node) {
    ExternalServices.require(node != null, INSTALL_HINT);
  }

  private static AnvilNode start(Path binary) {
    int port = freePort();
    try {
      Path logs = Path.of("target", "anvil");
      Files.createDirectories(logs);
      File log = logs.resolve("anvil-" + port + ".log").toFile();
      Process process = new ProcessBuilder(binary.toString(), "--host", "127.0.0.1", "--port",
          Integer.toString(port), "--chain-id", "31337", "--no-mining")
          .redirectErrorStream(true)
          .redirectOutput(log)
          .start();
      AnvilNode node = new AnvilNode(process, URI.create("http://127.0.0.1:" + port));
      await("anvil answering on port " + port).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
          .ignoreExceptions()
          .until(() -> node.call("eth_chainId").asText().equals("0x7a69"));
      return node;
    } catch (IOException e) {
      throw new UncheckedIOException("could not start anvil", e);
    }
  }

  /** The anvil binary: $ANVIL, the project's .tools/anvil install, or anvil on the PATH. */
  static Optional<Path> binary() {
    String env = System.getenv("ANVIL");
    if (env != null && Files.isExecutable(Path.of(env))) {
      return Optional.of(Path.of(env));
    }
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve(".tools/anvil/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(File.pathSeparator)) {
        Path candidate = Path.of(dir, "anvil");
        if (Files.isExecutable(candidate)) {
          return Optional.of(candidate);
        }
      }
    }
    return Optional.empty();
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  URI endpoint() {
    return endpoint;
  }

  /** A JSON-RPC call; a JSON-RPC error fails the test. */
  JsonNode call(String method, Object... params) {
    ObjectNode request = MAPPER.createObjectNode();
    request.put("jsonrpc", "2.0");
    request.put("id", ids.incrementAndGet());
    request.put("method", method);
    ArrayNode array = request.putArray("params");
    for (Object param : params) {
      array.add(MAPPER.valueToTree(param));
    }
    try {
      HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(endpoint)
          .header("Content-Type", "application/json")
          .timeout(Duration.ofSeconds(30))
          .POST(HttpRequest.BodyPublishers.ofString(MAPPER.writeValueAsString(request), StandardCharsets.UTF_8))
          .build(), HttpResponse.BodyHandlers.ofString());
      JsonNode root = MAPPER.readTree(response.body());
      if (root.hasNonNull("error")) {
        throw new IllegalStateException(method + " failed: " + root.get("error"));
      }
      return root.get("result");
    } catch (IOException e) {
      throw new UncheckedIOException(method + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Sends a transaction from a dev account into anvil's pool; returns its hash. */
  String send(String from, String to, BigInteger value, String data, Optional<Long> gas) {
    Map<String, Object> tx = new LinkedHashMap<>();
    tx.put("from", from);
    if (to != null) {
      tx.put("to", to);
    }
    tx.put("value", "0x" + value.toString(16));
    if (data != null) {
      tx.put("data", data);
    }
    gas.ifPresent(g -> tx.put("gas", "0x" + Long.toHexString(g)));
    return call("eth_sendTransaction", tx).asText();
  }

  String sendEth(String to, BigInteger wei) {
    return send(PAYER, to, wei, null, Optional.empty());
  }

  String sendToken(String token, String to, BigInteger units) {
    String data = FunctionEncoder.encode(new Function("transfer", List.of(new Address(to), new Uint256(units)),
        List.of()));
    return send(PAYER, token, BigInteger.ZERO, data, Optional.empty());
  }

  /** One transaction with a Transfer log per recipient (TestToken.transferMany). */
  String sendTokenMany(String token, List<String> to, List<BigInteger> units) {
    String data = FunctionEncoder.encode(new Function("transferMany", List.of(
        new DynamicArray<>(Address.class, to.stream().map(Address::new).toList()),
        new DynamicArray<>(Uint256.class, units.stream().map(Uint256::new).toList())), List.of()));
    return send(PAYER, token, BigInteger.ZERO, data, Optional.empty());
  }

  /** Mines {@code blocks} blocks; the first takes every pooled transaction. */
  void mine(int blocks) {
    call("anvil_mine", "0x" + Integer.toHexString(blocks));
  }

  long blockNumber() {
    return new BigInteger(call("eth_blockNumber").asText().substring(2), 16).longValueExact();
  }

  JsonNode block(long number) {
    return call("eth_getBlockByNumber", "0x" + Long.toHexString(number), false);
  }

  Instant latestBlockTime() {
    JsonNode block = call("eth_getBlockByNumber", "latest", false);
    return Instant.ofEpochSecond(new BigInteger(block.get("timestamp").asText().substring(2), 16).longValueExact());
  }

  /** The next mined block gets {@code time} as its timestamp (later blocks follow it). */
  void setNextBlockTime(Instant time) {
    call("evm_setNextBlockTimestamp", "0x" + Long.toHexString(time.getEpochSecond()));
  }

  /** The receipt of {@code txHash}, null if none. */
  JsonNode receipt(String txHash) {
    return call("eth_getTransactionReceipt", txHash);
  }

  /**
   * Replaces the last {@code depth} blocks by {@code depth} new ones holding the same transactions (except
   * {@code dropped}) and a marker transaction, then mines one more: the chain grows by one and every kept
   * transaction moves to a new block.
   */
  void reorg(int depth, Optional<String> dropped) {
    long tip = blockNumber();
    List<Object> pairs = new ArrayList<>();
    for (long height = tip - depth + 1; height <= tip; height++) {
      for (JsonNode hash : block(height).get("transactions")) {
        if (dropped.isPresent() && dropped.get().equalsIgnoreCase(hash.asText())) {
          continue;
        }
        String raw = call("eth_getRawTransactionByHash", hash.asText()).asText();
        pairs.add(List.of(raw, height - (tip - depth + 1)));
      }
    }
    // anvil may rebuild a block identical to the one it replaces (same parent, transactions and timestamp): an
    // extra empty transfer from an otherwise unused dev account makes the new branch differ from the first block on.
    pairs.add(List.of(Map.of("from", REORG_MARKER, "to", REORG_MARKER, "value", "0x0"), 0));
    call("anvil_reorg", depth, pairs);
    mine(1);
  }

  /** Deploys the checked-in TestToken (src/test/resources/contracts) and returns its address. */
  String deployToken(String name, String symbol, int decimals, BigInteger supply) {
    String bytecode;
    try (var in = AnvilNode.class.getResourceAsStream("/contracts/TestToken.bin")) {
      bytecode = new String(in.readAllBytes(), StandardCharsets.US_ASCII).strip();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String args = FunctionEncoder.encodeConstructor(List.of(new Utf8String(name), new Utf8String(symbol),
        new Uint8(decimals), new Uint256(supply)));
    String tx = send(PAYER, null, BigInteger.ZERO, "0x" + bytecode + args, Optional.of(3_000_000L));
    mine(1);
    JsonNode receipt = receipt(tx);
    if (!"0x1".equals(receipt.get("status").asText())) {
      throw new IllegalStateException("deploying " + symbol + " failed: " + receipt);
    }
    return EvmAddress.parse(receipt.get("contractAddress").asText()).toString();
  }

  /** {@code balanceOf(holder)} of a TestToken. */
  BigInteger tokenBalance(String token, String holder) {
    String data = FunctionEncoder.encode(new Function("balanceOf", List.of(new Address(holder)), List.of()));
    Map<String, Object> tx = Map.of("to", token, "data", data);
    return new BigInteger(call("eth_call", tx, "latest").asText().substring(2), 16);
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
