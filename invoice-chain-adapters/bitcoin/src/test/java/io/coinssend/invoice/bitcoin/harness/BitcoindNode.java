package io.coinssend.invoice.bitcoin.harness;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.coinssend.invoice.Money;
import io.coinssend.invoice.testkit.ChainDriver;
import java.io.File;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Bitcoin Core node on regtest, started from the {@code bitcoind} on the PATH in a temporary data directory,
 * driven through its wallet RPCs: pay ({@code sendtoaddress}, replaceable), mine ({@code generatetoaddress}),
 * reorganise ({@code invalidateblock} then mine a longer branch), double-spend and replace (a conflicting
 * transaction spending the same inputs, signed by the wallet, with a higher fee).
 */
public final class BitcoindNode implements ChainDriver, AutoCloseable {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private final Path dataDir;
  private final int rpcPort;
  private final Process process;
  private final HttpClient http = HttpClient.newHttpClient();
  private String minerAddress;
  private long nextId;
  private volatile boolean walletLoaded;

  /** Whether a {@code bitcoind} executable is on the PATH. */
  public static Optional<Path> findBinary() {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    return Stream.of(path.split(File.pathSeparator))
        .map(dir -> Path.of(dir, "bitcoind"))
        .filter(Files::isExecutable)
        .findFirst();
  }

  /** Starts a node with {@code binary}, creates a wallet and mines 101 blocks so it has coins to spend. */
  public static BitcoindNode start(Path binary) throws IOException {
    return new BitcoindNode(binary);
  }

  private BitcoindNode(Path binary) throws IOException {
    dataDir = Files.createTempDirectory("bitcoind-regtest");
    rpcPort = freePort();
    process = new ProcessBuilder(binary.toString(), "-regtest", "-datadir=" + dataDir, "-rpcport=" + rpcPort,
        "-rpcbind=127.0.0.1", "-rpcallowip=127.0.0.1", "-listen=0", "-server=1", "-fallbackfee=0.0002",
        "-walletrbf=1", "-printtoconsole=0")
        .redirectErrorStream(true)
        .redirectOutput(dataDir.resolve("stdout.log").toFile())
        .start();
    await("bitcoind answers RPC").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
        .ignoreExceptions()
        .until(() -> call("getblockchaininfo").path("chain").asText().equals("regtest"));
    call("createwallet", JSON.textNode("harness"));
    walletLoaded = true;
    minerAddress = call("getnewaddress").asText();
    call("generatetoaddress", JSON.numberNode(101), JSON.textNode(minerAddress));
  }

  /** The RPC endpoint. */
  public URI rpcUri() {
    return URI.create("http://127.0.0.1:" + rpcPort + "/");
  }

  /** The node's cookie file. */
  public Path cookieFile() {
    return dataDir.resolve("regtest").resolve(".cookie");
  }

  @Override
  public String pay(String address, Money amount) {
    return call("sendtoaddress", JSON.textNode(address), JSON.numberNode(amount.toDecimal()), JSON.textNode(""),
        JSON.textNode(""), JSON.booleanNode(false), JSON.booleanNode(true)).asText();
  }

  @Override
  public void mine(int blocks) {
    call("generatetoaddress", JSON.numberNode(blocks), JSON.textNode(minerAddress));
  }

  @Override
  public void reorg(int depth) {
    invalidate(depth);
    mine(depth + 1);
  }

  @Override
  public void reorgDropping(int depth, String txid) {
    invalidate(depth);
    conflict(txid);
    mine(depth + 1);
  }

  @Override
  public String replace(String txid) {
    return conflict(txid);
  }

  @Override
  public String payUnexpected(String address, Money expected) {
    throw new UnsupportedOperationException("bitcoin has one asset");
  }

  private void invalidate(int depth) {
    long height = call("getblockcount").asLong();
    String hash = call("getblockhash", JSON.numberNode(height - depth + 1)).asText();
    call("invalidateblock", JSON.textNode(hash));
  }

  /** Sends a transaction spending {@code txid}'s inputs back to the wallet with a higher fee; returns its id. */
  private String conflict(String txid) {
    JsonNode tx = call("getrawtransaction", JSON.textNode(txid), JSON.booleanNode(true));
    BigDecimal outputs = BigDecimal.ZERO;
    for (JsonNode out : tx.path("vout")) {
      outputs = outputs.add(out.path("value").decimalValue());
    }
    BigDecimal fee = call("getmempoolentry", JSON.textNode(txid)).path("fees").path("base").decimalValue();
    ArrayNode inputs = JSON.arrayNode();
    for (JsonNode in : tx.path("vin")) {
      ObjectNode input = inputs.addObject();
      input.put("txid", in.path("txid").asText());
      input.put("vout", in.path("vout").asInt());
      input.put("sequence", 0xfffffffdL);
    }
    ObjectNode output = JSON.objectNode();
    output.put(call("getnewaddress").asText(), outputs.add(fee).subtract(fee.multiply(BigDecimal.valueOf(3)))
        .subtract(new BigDecimal("0.0001")));
    ArrayNode outs = JSON.arrayNode().add(output);
    String raw = call("createrawtransaction", inputs, outs).asText();
    String signed = call("signrawtransactionwithwallet", JSON.textNode(raw)).path("hex").asText();
    return call("sendrawtransaction", JSON.textNode(signed)).asText();
  }

  private JsonNode call(String method, JsonNode... params) {
    try {
      ObjectNode request = JSON.objectNode();
      request.put("jsonrpc", "1.0");
      request.put("id", ++nextId);
      request.put("method", method);
      request.set("params", JSON.arrayNode().addAll(List.of(params)));
      String auth = Files.readString(cookieFile(), StandardCharsets.UTF_8).strip();
      // Node RPCs answer on the wallet endpoint too; before the wallet exists only the root answers.
      String wallet = walletLoaded ? "wallet/harness" : "";
      HttpRequest http = HttpRequest.newBuilder(rpcUri().resolve(wallet))
          .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(auth.getBytes(StandardCharsets.UTF_8)))
          .POST(HttpRequest.BodyPublishers.ofByteArray(MAPPER.writeValueAsBytes(request)))
          .timeout(Duration.ofSeconds(60))
          .build();
      HttpResponse<byte[]> response = this.http.send(http, HttpResponse.BodyHandlers.ofByteArray());
      JsonNode json = MAPPER.readTree(response.body());
      if (!json.path("error").isNull() && !json.path("error").isMissingNode()) {
        throw new IllegalStateException("bitcoind " + method + " failed: " + json.path("error"));
      }
      return json.path("result");
    } catch (IOException e) {
      throw new IllegalStateException("bitcoind " + method + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  @Override
  public void close() {
    try {
      call("stop");
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (RuntimeException e) {
      process.destroyForcibly();
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    try (Stream<Path> files = Files.walk(dataDir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temporary directory left behind is harmless
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
