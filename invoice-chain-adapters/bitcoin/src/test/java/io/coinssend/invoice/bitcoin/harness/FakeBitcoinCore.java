package io.coinssend.invoice.bitcoin.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import org.bitcoinj.core.Block;
import org.bitcoinj.core.Transaction;

/**
 * Serves a {@link RegtestChain} over Bitcoin Core's JSON-RPC wire format (HTTP POST, basic auth, JSON-RPC 1.0 with
 * errors as HTTP 500 and a JSON error object, batches as arrays): {@code getblockchaininfo}, {@code getbestblockhash},
 * {@code getblockcount}, {@code getblockhash}, {@code getblockheader}, {@code getblock} (verbosity 0 and 1),
 * {@code getrawmempool}, {@code getmempoolentry}, {@code gettxout} and {@code getrawtransaction} (mempool only, as
 * without {@code -txindex}). Field names and error codes are Bitcoin Core's.
 */
public final class FakeBitcoinCore extends FakeServer {

  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  private volatile String authorization;

  /** A server accepting {@code user}:{@code password}. */
  public FakeBitcoinCore(RegtestChain chain, String user, String password) {
    super(chain);
    acceptCredentials(user, password);
  }

  /** Accepts only {@code user}:{@code password} from now on (a restarted node with a new cookie). */
  public void acceptCredentials(String user, String password) {
    authorization = "Basic " + Base64.getEncoder().encodeToString(
        (user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public URI uri() {
    return URI.create("http://127.0.0.1:" + port() + "/");
  }

  @Override
  protected void handle(HttpExchange exchange) throws IOException {
    if (!"POST".equals(exchange.getRequestMethod())) {
      sendText(exchange, 405, "JSONRPC server handles only POST requests");
      return;
    }
    if (!authorization.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
      send(exchange, 401, "text/html", new byte[0]);
      return;
    }
    JsonNode request;
    try {
      request = MAPPER.readTree(body(exchange));
    } catch (IOException e) {
      sendJson(exchange, 500, error(JSON.nullNode(), -32700, "Parse error"));
      return;
    }
    boolean blockData = request.isObject() && "getblock".equals(request.path("method").asText());
    Fault fault = nextFault(blockData);
    if (playGeneric(exchange, fault, "{\"result\": [\"00000000")) {
      return;
    }
    if (request.isArray()) {
      ArrayNode responses = JSON.arrayNode();
      for (JsonNode single : request) {
        responses.add(answer(single, null));
      }
      sendJson(exchange, 200, responses);
      return;
    }
    ObjectNode response = answer(request, fault);
    JsonNode error = response.get("error");
    int status = error.isNull() ? 200 : error.path("code").asInt() == -32601 ? 404 : 500;
    sendJson(exchange, status, response);
  }

  private ObjectNode answer(JsonNode request, Fault fault) {
    JsonNode id = request.path("id");
    String method = request.path("method").asText();
    JsonNode params = request.path("params");
    try {
      JsonNode result = switch (method) {
        case "getblockchaininfo" -> blockchainInfo();
        case "getbestblockhash" -> JSON.textNode(chain.tip().getHashAsString());
        case "getblockcount" -> JSON.numberNode(chain.height());
        case "getblockhash" -> JSON.textNode(chain.blockAt(params.path(0).asLong(-1))
            .orElseThrow(() -> new RpcFailure(-8, "Block height out of range")).getHashAsString());
        case "getblockheader" -> header(block(params.path(0).asText()));
        case "getblock" -> block(block(params.path(0).asText()), params.path(1).asInt(1), fault == Fault.BAD_HEX);
        case "getrawmempool" -> rawMempool();
        case "getmempoolentry" -> mempoolEntry(params.path(0).asText());
        case "gettxout" -> txOut(params.path(0).asText(), params.path(1).asLong(), params.path(2).asBoolean(true));
        case "getrawtransaction" -> JSON.textNode(HexFormat.of().formatHex(chain.mempoolTx(params.path(0).asText())
            .orElseThrow(() -> new RpcFailure(-5, "No such mempool transaction. Use -txindex or provide a block hash"
                + " to enable blockchain transaction queries. Use gettransaction for wallet transactions."))
            .serialize()));
        default -> throw new RpcFailure(-32601, "Method not found");
      };
      ObjectNode response = JSON.objectNode();
      response.set("result", result);
      response.putNull("error");
      response.set("id", id);
      return response;
    } catch (RpcFailure e) {
      return error(id, e.code, e.getMessage());
    }
  }

  private static ObjectNode error(JsonNode id, int code, String message) {
    ObjectNode response = JSON.objectNode();
    response.putNull("result");
    ObjectNode error = response.putObject("error");
    error.put("code", code);
    error.put("message", message);
    response.set("id", id);
    return response;
  }

  private JsonNode blockchainInfo() {
    Block tip = chain.tip();
    ObjectNode info = JSON.objectNode();
    info.put("chain", "regtest");
    info.put("blocks", chain.height());
    info.put("headers", chain.height());
    info.put("bestblockhash", tip.getHashAsString());
    info.put("difficulty", new BigDecimal("4.656542373906925E-10"));
    info.put("time", tip.time().getEpochSecond());
    info.put("mediantime", tip.time().getEpochSecond());
    info.put("verificationprogress", 1);
    info.put("initialblockdownload", false);
    info.put("chainwork", String.format("%064x", chain.height() * 2L + 2));
    info.put("size_on_disk", 1000L * chain.height());
    info.put("pruned", false);
    info.put("warnings", "");
    return info;
  }

  private Block block(String hash) {
    return chain.block(hash).orElseThrow(() -> new RpcFailure(-5, "Block not found"));
  }

  private ObjectNode header(Block block) {
    int height = chain.heightOf(block);
    boolean best = chain.onBestChain(block);
    ObjectNode header = JSON.objectNode();
    header.put("hash", block.getHashAsString());
    header.put("confirmations", best ? chain.height() - height + 1 : -1);
    header.put("height", height);
    header.put("version", block.getVersion());
    header.put("versionHex", String.format("%08x", block.getVersion()));
    header.put("merkleroot", block.getMerkleRoot().toString());
    header.put("time", block.time().getEpochSecond());
    header.put("mediantime", block.time().getEpochSecond());
    header.put("nonce", block.getNonce());
    header.put("bits", Long.toHexString(block.getDifficultyTarget()));
    header.put("difficulty", new BigDecimal("4.656542373906925E-10"));
    header.put("chainwork", String.format("%064x", height * 2L + 2));
    header.put("nTx", block.getTransactions() == null ? 0 : block.getTransactions().size());
    if (height > 0) {
      header.put("previousblockhash", block.getPrevBlockHash().toString());
    }
    if (best && height < chain.height()) {
      header.put("nextblockhash", chain.blockAt(height + 1).orElseThrow().getHashAsString());
    }
    return header;
  }

  private JsonNode block(Block block, int verbosity, boolean corrupt) {
    if (verbosity == 0) {
      String hex = HexFormat.of().formatHex(block.serialize());
      return JSON.textNode(corrupt ? "zz" + hex.substring(2) : hex);
    }
    ObjectNode json = header(block);
    json.put("size", block.messageSize());
    ArrayNode txids = json.putArray("tx");
    block.getTransactions().forEach(tx -> txids.add(tx.getTxId().toString()));
    return json;
  }

  private JsonNode rawMempool() {
    ArrayNode ids = JSON.arrayNode();
    for (Transaction tx : chain.mempool()) {
      ids.add(tx.getTxId().toString());
    }
    return ids;
  }

  private JsonNode mempoolEntry(String txid) {
    Optional<Transaction> tx = chain.mempoolTx(txid);
    if (tx.isEmpty()) {
      throw new RpcFailure(-5, "Transaction not in mempool");
    }
    ObjectNode entry = JSON.objectNode();
    entry.put("vsize", tx.get().getVsize());
    entry.put("weight", tx.get().getWeight());
    entry.put("time", chain.mempoolSince(txid).getEpochSecond());
    entry.put("height", chain.height());
    entry.put("descendantcount", 1);
    entry.put("ancestorcount", 1);
    entry.put("wtxid", tx.get().getWTxId().toString());
    ObjectNode fees = entry.putObject("fees");
    fees.put("base", new BigDecimal("0.00001000"));
    fees.put("modified", new BigDecimal("0.00001000"));
    fees.put("ancestor", new BigDecimal("0.00001000"));
    fees.put("descendant", new BigDecimal("0.00001000"));
    entry.putArray("depends");
    entry.putArray("spentby");
    entry.put("bip125-replaceable", true);
    entry.put("unbroadcast", false);
    return entry;
  }

  /** {@code gettxout}: the unspent output, or null if spent (by a block, or also by the mempool) or unknown. */
  private JsonNode txOut(String txid, long index, boolean includeMempool) {
    Optional<org.bitcoinj.core.TransactionOutput> unspent = chain.unspentInChain(txid, index);
    if (unspent.isEmpty() || includeMempool && chain.spenderOf(txid, index).isPresent()) {
      return JSON.nullNode();
    }
    Block block = chain.blockOf(txid).orElseThrow();
    ObjectNode out = JSON.objectNode();
    out.put("bestblock", chain.tip().getHashAsString());
    out.put("confirmations", chain.height() - chain.heightOf(block) + 1);
    out.put("value", new BigDecimal(unspent.get().getValue().value).movePointLeft(8));
    ObjectNode script = out.putObject("scriptPubKey");
    script.put("hex", HexFormat.of().formatHex(unspent.get().getScriptBytes()));
    out.put("coinbase", false);
    return out;
  }

  /** A JSON-RPC error with Bitcoin Core's code. */
  private static final class RpcFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int code;

    RpcFailure(int code, String message) {
      super(message);
      this.code = code;
    }
  }
}
