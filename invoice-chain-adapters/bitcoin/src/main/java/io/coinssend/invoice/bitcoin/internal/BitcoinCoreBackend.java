package io.coinssend.invoice.bitcoin.internal;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.coinssend.invoice.BlockRef;
import io.coinssend.invoice.ReversalCause;
import io.coinssend.invoice.bitcoin.BitcoinNetwork;
import java.io.IOException;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a Bitcoin Core node over JSON-RPC: {@code getblockchaininfo}, {@code getblockhash}, {@code getblockheader},
 * {@code getblock} at verbosity 0 (raw hex, parsed here), {@code getrawmempool}, {@code getrawtransaction},
 * {@code getmempoolentry} and {@code gettxout} (to tell a double spend from a replacement). Unconfirmed
 * transactions are fetched once each (in batches) and their outputs kept while they stay in the mempool, so an
 * address watched later is matched against them too.
 */
public final class BitcoinCoreBackend implements ChainBackend {

  private static final Logger log = LoggerFactory.getLogger(BitcoinCoreBackend.class);
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final int BATCH = 100;
  /** RPC_INVALID_PARAMETER: for {@code getblockhash}, the height is above the tip. */
  static final int RPC_INVALID_PARAMETER = -8;
  /** RPC_INVALID_ADDRESS_OR_KEY: no such transaction or block. */
  static final int RPC_INVALID_ADDRESS_OR_KEY = -5;

  private final URI url;
  private final BitcoinNetwork network;
  private final HttpTransport http;
  private final Function<Boolean, String> authorization;
  private final Map<String, ScriptIndex.Outputs> mempoolOutputs = new HashMap<>();
  private final SpentInputs spentInputs = new SpentInputs();
  private long nextId;

  /** A JSON-RPC error answered by the node. */
  static final class RpcError extends BackendException {
    private static final long serialVersionUID = 1L;
    final int code;

    RpcError(String method, int code, String message) {
      super("Bitcoin Core " + method + " failed: " + message + " (code " + code + ")");
      this.code = code;
    }
  }

  /**
   * A backend for the node at {@code url}.
   *
   * @param authorization the {@code Authorization} header value; called with {@code true} after the node refused
   *     it, to re-read a cookie file that may have changed when the node restarted
   */
  public BitcoinCoreBackend(
      URI url, BitcoinNetwork network, HttpTransport http, Function<Boolean, String> authorization) {
    this.url = requireNonNull(url, "url");
    this.network = requireNonNull(network, "network");
    this.http = requireNonNull(http, "http");
    this.authorization = requireNonNull(authorization, "authorization");
  }

  @Override
  public String describe() {
    return "Bitcoin Core at " + HttpTransport.where(url);
  }

  @Override
  public BlockRef tip() throws BackendException {
    JsonNode info = call("getblockchaininfo");
    String chain = text(info, "chain", "getblockchaininfo");
    if (!Networks.coreChainMatches(chain, network)) {
      throw new BackendException("Bitcoin Core at " + HttpTransport.where(url) + " serves chain '" + chain
          + "', but the watcher is configured for " + network.id() + "; refusing to read it");
    }
    if (info.path("initialblockdownload").asBoolean(false)) {
      throw new BackendException("Bitcoin Core at " + HttpTransport.where(url)
          + " is still in initial block download; waiting until it has synced");
    }
    String best = hash(info.path("bestblockhash"), "getblockchaininfo.bestblockhash");
    return header(best, Optional.empty());
  }

  @Override
  public Optional<BlockRef> blockAt(long height) throws BackendException {
    JsonNode hash;
    try {
      hash = call("getblockhash", height);
    } catch (RpcError e) {
      if (e.code == RPC_INVALID_PARAMETER) {
        return Optional.empty();
      }
      throw e;
    }
    return Optional.of(header(hash(hash, "getblockhash"), Optional.of(height)));
  }

  private BlockRef header(String hash, Optional<Long> expectedHeight) throws BackendException {
    JsonNode header = call("getblockheader", hash, true);
    String got = hash(header.path("hash"), "getblockheader.hash");
    long height = number(header, "height", "getblockheader");
    long time = number(header, "time", "getblockheader");
    if (!got.equals(hash) || expectedHeight.map(h -> h != height).orElse(false)) {
      throw new BackendException("Bitcoin Core getblockheader answered block " + height + "/" + got + " when asked for "
          + expectedHeight.map(h -> h + "/").orElse("") + hash);
    }
    return new BlockRef(height, hash, Instant.ofEpochSecond(time));
  }

  @Override
  public byte[] rawBlock(String hash) throws BackendException {
    JsonNode hex = call("getblock", hash, 0);
    return hex(hex, "getblock " + hash);
  }

  @Override
  public List<ScriptIndex.Match> mempool(ScriptIndex index) throws BackendException {
    JsonNode ids = call("getrawmempool");
    if (!ids.isArray()) {
      throw new BackendException("Bitcoin Core getrawmempool answered " + ids.getNodeType() + ", not a list of txids");
    }
    Set<String> current = new LinkedHashSet<>();
    for (JsonNode id : ids) {
      current.add(hash(id, "getrawmempool"));
    }
    mempoolOutputs.keySet().retainAll(current);
    List<String> missing = new ArrayList<>();
    for (String txid : current) {
      if (!mempoolOutputs.containsKey(txid)) {
        missing.add(txid);
      }
    }
    for (int from = 0; from < missing.size(); from += BATCH) {
      List<String> chunk = missing.subList(from, Math.min(missing.size(), from + BATCH));
      List<JsonNode> results = batch("getrawtransaction", chunk);
      for (int i = 0; i < chunk.size(); i++) {
        JsonNode result = results.get(i);
        if (result == null) {
          continue; // left the mempool since getrawmempool
        }
        byte[] raw = hex(result, "getrawtransaction " + chunk.get(i));
        try {
          mempoolOutputs.put(chunk.get(i), ScriptIndex.outputsOf(raw));
        } catch (IllegalArgumentException e) {
          throw new BackendException("Bitcoin Core getrawtransaction " + chunk.get(i) + " answered a malformed"
              + " transaction: " + e.getMessage(), e);
        }
      }
    }
    if (!missing.isEmpty()) {
      log.debug("Read {} new unconfirmed transaction(s); {} in the mempool", missing.size(), current.size());
    }
    List<ScriptIndex.Match> matches = new ArrayList<>();
    for (String txid : current) {
      ScriptIndex.Outputs outputs = mempoolOutputs.get(txid);
      if (outputs != null) {
        List<ScriptIndex.Match> paying = index.match(txid, outputs);
        if (!paying.isEmpty() && !spentInputs.knows(txid)) {
          rememberInputs(txid);
        }
        matches.addAll(paying);
      }
    }
    return matches;
  }

  /** Reads again a transaction that pays a watched script, to remember what it spends. */
  private void rememberInputs(String txid) throws BackendException {
    JsonNode hex;
    try {
      hex = call("getrawtransaction", txid, false);
    } catch (RpcError e) {
      if (e.code == RPC_INVALID_ADDRESS_OR_KEY) {
        return; // gone already; its cause will read as a replacement
      }
      throw e;
    }
    try {
      spentInputs.put(txid, ScriptIndex.inputsOf(hex(hex, "getrawtransaction " + txid)));
    } catch (IllegalArgumentException e) {
      throw new BackendException("Bitcoin Core getrawtransaction " + txid + " answered a malformed transaction: "
          + e.getMessage(), e);
    }
  }

  @Override
  public ReversalCause vanishedCause(String txid) throws BackendException {
    for (String outpoint : spentInputs.of(txid).orElse(List.of())) {
      int colon = outpoint.indexOf(':');
      // Without the mempool: null when the output is spent by a block (or never existed on the best chain).
      JsonNode unspent = call("gettxout", outpoint.substring(0, colon), Long.parseLong(outpoint.substring(colon + 1)),
          false);
      if (unspent.isNull()) {
        return ReversalCause.DOUBLE_SPENT;
      }
    }
    return ReversalCause.REPLACED;
  }

  @Override
  public boolean inMempool(String txid) throws BackendException {
    try {
      call("getmempoolentry", txid);
      return true;
    } catch (RpcError e) {
      if (e.code == RPC_INVALID_ADDRESS_OR_KEY) {
        return false;
      }
      throw e;
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // JSON-RPC

  private JsonNode call(String method, Object... params) throws BackendException {
    ObjectNode request = request(method, List.of(params));
    JsonNode response = post(request, method);
    if (!response.isObject()) {
      throw new BackendException("Bitcoin Core " + method + " answered " + response.getNodeType() + ", not an object");
    }
    return result(response, method);
  }

  /** Calls {@code method} once per argument in one HTTP request; a null result where the node answered error -5. */
  private List<JsonNode> batch(String method, List<String> arguments) throws BackendException {
    ArrayNode requests = MAPPER.createArrayNode();
    Map<Long, Integer> positionById = new HashMap<>();
    for (int i = 0; i < arguments.size(); i++) {
      ObjectNode request = request(method, List.of(arguments.get(i), false));
      positionById.put(request.get("id").asLong(), i);
      requests.add(request);
    }
    JsonNode responses = post(requests, method);
    if (!responses.isArray() || responses.size() != arguments.size()) {
      throw new BackendException("Bitcoin Core answered a batch of " + arguments.size() + " " + method
          + " calls with " + (responses.isArray() ? responses.size() + " answers" : responses.getNodeType()));
    }
    List<JsonNode> results = new ArrayList<>(java.util.Collections.nCopies(arguments.size(), (JsonNode) null));
    for (JsonNode response : responses) {
      Integer position = positionById.get(response.path("id").asLong(-1));
      if (position == null) {
        throw new BackendException("Bitcoin Core answered a batch with an unknown id " + response.path("id"));
      }
      try {
        results.set(position, result(response, method));
      } catch (RpcError e) {
        if (e.code != RPC_INVALID_ADDRESS_OR_KEY) {
          throw e;
        }
      }
    }
    return results;
  }

  private ObjectNode request(String method, List<Object> params) {
    ObjectNode request = MAPPER.createObjectNode();
    request.put("jsonrpc", "1.0");
    request.put("id", ++nextId);
    request.put("method", method);
    request.set("params", MAPPER.valueToTree(params));
    return request;
  }

  private JsonNode post(JsonNode body, String method) throws BackendException {
    byte[] bytes;
    try {
      bytes = MAPPER.writeValueAsBytes(body);
    } catch (IOException e) {
      throw new IllegalStateException("could not write a JSON-RPC request", e);
    }
    HttpTransport.Response response = http.postJson(url, bytes, Map.of("Authorization", authorization.apply(false)));
    if (response.status() == 401 || response.status() == 403) {
      // The cookie changes when the node restarts: read it again once.
      response = http.postJson(url, bytes, Map.of("Authorization", authorization.apply(true)));
      if (response.status() == 401 || response.status() == 403) {
        throw new BackendException("Bitcoin Core at " + HttpTransport.where(url) + " refused the credentials (HTTP "
            + response.status() + "); check rpcuser/rpcpassword or the cookie file");
      }
    }
    JsonNode json;
    try {
      json = MAPPER.readTree(response.body());
    } catch (IOException e) {
      json = null;
    }
    if (json == null || json.isMissingNode()) {
      throw new BackendException("Bitcoin Core " + method + " answered HTTP " + response.status()
          + " with a body that is not JSON: " + abbreviate(response.text()));
    }
    // JSON-RPC 1.0 errors come with HTTP 500 (or 404 for an unknown method) and a JSON body read by result().
    if (response.status() != 200 && !(json.isObject() && json.hasNonNull("error"))) {
      throw new BackendException("Bitcoin Core " + method + " answered HTTP " + response.status() + ": "
          + abbreviate(response.text()));
    }
    return json;
  }

  private static JsonNode result(JsonNode response, String method) throws BackendException {
    JsonNode error = response.path("error");
    if (!error.isMissingNode() && !error.isNull()) {
      throw new RpcError(method, error.path("code").asInt(0), error.path("message").asText("no message"));
    }
    if (!response.has("result")) {
      throw new BackendException("Bitcoin Core " + method + " answered without a result");
    }
    return response.get("result");
  }

  private static String text(JsonNode node, String field, String what) throws BackendException {
    JsonNode value = node.path(field);
    if (!value.isTextual()) {
      throw new BackendException("Bitcoin Core " + what + " answered no '" + field + "' text");
    }
    return value.asText();
  }

  private static long number(JsonNode node, String field, String what) throws BackendException {
    JsonNode value = node.path(field);
    if (!value.isIntegralNumber() || value.asLong() < 0) {
      throw new BackendException("Bitcoin Core " + what + " answered no valid '" + field + "'");
    }
    return value.asLong();
  }

  static String hash(JsonNode node, String what) throws BackendException {
    if (node == null || !node.isTextual() || !node.asText().matches("[0-9a-f]{64}")) {
      throw new BackendException("Bitcoin Core " + what + " answered " + abbreviate(String.valueOf(node))
          + ", not a 64-digit hex hash");
    }
    return node.asText();
  }

  private static byte[] hex(JsonNode node, String what) throws BackendException {
    if (node == null || !node.isTextual()) {
      throw new BackendException("Bitcoin Core " + what + " answered no hex text");
    }
    try {
      return HexFormat.of().parseHex(node.asText());
    } catch (IllegalArgumentException e) {
      throw new BackendException("Bitcoin Core " + what + " answered malformed hex: " + e.getMessage(), e);
    }
  }

  static String abbreviate(String text) {
    String oneLine = text.replaceAll("\\s+", " ").strip();
    return oneLine.length() <= 200 ? oneLine : oneLine.substring(0, 197) + "...";
  }
}
