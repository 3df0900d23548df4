package io.coinssend.invoice.evm.internal;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import io.coinssend.invoice.BlockRef;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The node calls the EVM adapter makes, with their answers read strictly: a field of the wrong form makes the call
 * fail as {@link RpcException.Kind#MALFORMED} rather than be guessed at. Hashes and addresses come back in lower
 * case. Thread-safe.
 */
public final class EvmRpc {

  private static final Pattern QUANTITY = Pattern.compile("0x[0-9a-fA-F]{1,64}");
  private static final Pattern HASH = Pattern.compile("0x[0-9a-fA-F]{64}");
  private static final Pattern ADDRESS = Pattern.compile("0x[0-9a-fA-F]{40}");
  private static final Pattern DATA = Pattern.compile("0x(?:[0-9a-fA-F]{2})*");

  private final JsonRpcClient client;

  public EvmRpc(JsonRpcClient client) {
    this.client = requireNonNull(client, "client");
  }

  /** The client's endpoint as logged. */
  public String endpoint() {
    return client.endpoint();
  }

  /** A block header and, when asked for, its transactions. */
  public record Block(long number, String hash, String parentHash, Instant time, List<Tx> transactions) {
    public Block {
      transactions = List.copyOf(transactions);
    }

    public BlockRef ref() {
      return new BlockRef(number, hash, time);
    }
  }

  /** The fields of a transaction the adapter reads. */
  public record Tx(String hash, Optional<String> to, BigInteger value) {}

  /** An event log. */
  public record Log(String contract, List<String> topics, String data, long blockNumber, String blockHash,
      String transactionHash, int logIndex, boolean removed) {
    public Log {
      topics = List.copyOf(topics);
    }
  }

  /** The fields of a receipt the adapter reads. */
  public record Receipt(String transactionHash, String blockHash, boolean success) {}

  /** {@code eth_chainId}. */
  public long chainId() throws RpcException, InterruptedException {
    return longQuantity(client.call("eth_chainId"), "eth_chainId");
  }

  /**
   * {@code eth_getBlockByNumber}.
   *
   * @param block a height, or a tag such as {@code latest} or {@code finalized}
   * @param full whether to read the transactions too
   * @return empty if the node has no such block
   */
  public Optional<Block> blockByNumber(Object block, boolean full) throws RpcException, InterruptedException {
    Object param = block instanceof Long height ? quantity(height) : block;
    return block(client.call("eth_getBlockByNumber", param, full), full, "eth_getBlockByNumber(" + block + ")");
  }

  /** {@code eth_getBlockByHash}; empty if the node does not know the block. */
  public Optional<Block> blockByHash(String hash, boolean full) throws RpcException, InterruptedException {
    return block(client.call("eth_getBlockByHash", hash, full), full, "eth_getBlockByHash");
  }

  /** {@code eth_getTransactionReceipt}; empty if the node has none (yet). */
  public Optional<Receipt> receipt(String txHash) throws RpcException, InterruptedException {
    String what = "eth_getTransactionReceipt(" + txHash + ")";
    JsonNode node = client.call("eth_getTransactionReceipt", txHash);
    if (node == null || node.isNull()) {
      return Optional.empty();
    }
    requireObject(node, what);
    BigInteger status = quantity(node.get("status"), what + ".status");
    if (status.compareTo(BigInteger.ONE) > 0) {
      throw malformed(what + ".status must be 0x0 or 0x1, but was " + node.get("status"));
    }
    return Optional.of(new Receipt(hash(node.get("transactionHash"), what + ".transactionHash"),
        hash(node.get("blockHash"), what + ".blockHash"), status.signum() == 1));
  }

  /**
   * {@code eth_getLogs} with a filter object: {@code fromBlock}/{@code toBlock} or {@code blockHash}, optional
   * {@code address}, and {@code topics}.
   */
  public List<Log> logs(Map<String, Object> filter) throws RpcException, InterruptedException {
    JsonNode node = client.call("eth_getLogs", filter);
    if (node == null || !node.isArray()) {
      throw malformed("eth_getLogs answered " + (node == null ? "nothing" : node.getNodeType()) + ", not an array");
    }
    List<Log> logs = new ArrayList<>(node.size());
    for (JsonNode entry : node) {
      String what = "eth_getLogs entry";
      requireObject(entry, what);
      JsonNode topicsNode = entry.get("topics");
      if (topicsNode == null || !topicsNode.isArray()) {
        throw malformed(what + ".topics must be an array");
      }
      List<String> topics = new ArrayList<>();
      for (JsonNode topic : topicsNode) {
        topics.add(hash(topic, what + ".topics[]"));
      }
      long logIndex = longQuantity(entry.get("logIndex"), what + ".logIndex");
      if (logIndex > Integer.MAX_VALUE) {
        throw malformed(what + ".logIndex " + logIndex + " is out of range");
      }
      JsonNode removed = entry.get("removed");
      logs.add(new Log(address(entry.get("address"), what + ".address"), topics, data(entry.get("data"), what + ".data"),
          longQuantity(entry.get("blockNumber"), what + ".blockNumber"), hash(entry.get("blockHash"), what + ".blockHash"),
          hash(entry.get("transactionHash"), what + ".transactionHash"), (int) logIndex,
          removed != null && removed.asBoolean(false)));
    }
    return logs;
  }

  /** {@code eth_call} of {@code data} on {@code to} at the latest block; the returned bytes as hex. */
  public String call(String to, String data) throws RpcException, InterruptedException {
    Map<String, Object> tx = new LinkedHashMap<>();
    tx.put("to", to);
    tx.put("data", data);
    return data(client.call("eth_call", tx, "latest"), "eth_call result");
  }

  /** A height as a JSON-RPC quantity. */
  public static String quantity(long value) {
    if (value < 0) {
      throw new IllegalArgumentException("a quantity must not be negative, but was " + value);
    }
    return "0x" + Long.toHexString(value);
  }

  private static Optional<Block> block(JsonNode node, boolean full, String what) throws RpcException {
    if (node == null || node.isNull()) {
      return Optional.empty();
    }
    requireObject(node, what);
    long number = longQuantity(node.get("number"), what + ".number");
    String hash = hash(node.get("hash"), what + ".hash");
    String parentHash = hash(node.get("parentHash"), what + ".parentHash");
    long timestamp = longQuantity(node.get("timestamp"), what + ".timestamp");
    if (timestamp > Instant.MAX.getEpochSecond()) {
      throw malformed(what + ".timestamp is out of range");
    }
    List<Tx> transactions = new ArrayList<>();
    if (full) {
      JsonNode txs = node.get("transactions");
      if (txs == null || !txs.isArray()) {
        throw malformed(what + ".transactions must be an array");
      }
      for (JsonNode tx : txs) {
        requireObject(tx, what + ".transactions[]");
        JsonNode to = tx.get("to");
        Optional<String> recipient = to == null || to.isNull()
            ? Optional.empty()
            : Optional.of(address(to, what + ".transactions[].to"));
        transactions.add(new Tx(hash(tx.get("hash"), what + ".transactions[].hash"), recipient,
            quantity(tx.get("value"), what + ".transactions[].value")));
      }
    }
    return Optional.of(new Block(number, hash, parentHash, Instant.ofEpochSecond(timestamp), transactions));
  }

  private static void requireObject(JsonNode node, String what) throws RpcException {
    if (node == null || !node.isObject()) {
      throw malformed(what + " must be a JSON object, but was " + (node == null ? "missing" : node.getNodeType()));
    }
  }

  static BigInteger quantity(JsonNode node, String what) throws RpcException {
    String text = text(node, what);
    if (!QUANTITY.matcher(text).matches()) {
      throw malformed(what + " must be a hex quantity, but was '" + abbreviate(text) + "'");
    }
    return new BigInteger(text.substring(2), 16);
  }

  static long longQuantity(JsonNode node, String what) throws RpcException {
    BigInteger value = quantity(node, what);
    if (value.bitLength() > 63) {
      throw malformed(what + " is out of range: " + value);
    }
    return value.longValue();
  }

  static String hash(JsonNode node, String what) throws RpcException {
    String text = text(node, what);
    if (!HASH.matcher(text).matches()) {
      throw malformed(what + " must be a 32-byte hex hash, but was '" + abbreviate(text) + "'");
    }
    return text.toLowerCase(Locale.ROOT);
  }

  static String address(JsonNode node, String what) throws RpcException {
    String text = text(node, what);
    if (!ADDRESS.matcher(text).matches()) {
      throw malformed(what + " must be a 20-byte hex address, but was '" + abbreviate(text) + "'");
    }
    return text.toLowerCase(Locale.ROOT);
  }

  static String data(JsonNode node, String what) throws RpcException {
    String text = text(node, what);
    if (!DATA.matcher(text).matches()) {
      throw malformed(what + " must be hex bytes, but was '" + abbreviate(text) + "'");
    }
    return text.toLowerCase(Locale.ROOT);
  }

  private static String text(JsonNode node, String what) throws RpcException {
    if (node == null || !node.isTextual()) {
      throw malformed(what + " must be a string, but was " + (node == null ? "missing" : node.getNodeType()));
    }
    return node.asText();
  }

  private static RpcException malformed(String message) {
    return new RpcException(RpcException.Kind.MALFORMED, message);
  }

  private static String abbreviate(String text) {
    String shown = text.length() <= 80 ? text : text.substring(0, 77) + "...";
    return shown.replaceAll("\\p{Cntrl}", "?");
  }
}
