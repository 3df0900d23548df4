package io.coinssend.invoice.bitcoin.harness;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;
import org.bitcoinj.base.Address;
import org.bitcoinj.base.AddressParser;
import org.bitcoinj.base.ScriptType;
import org.bitcoinj.core.Block;
import org.bitcoinj.core.Transaction;
import org.bitcoinj.core.TransactionInput;
import org.bitcoinj.core.TransactionOutput;
import org.bitcoinj.script.Script;
import org.bitcoinj.script.ScriptBuilder;

/**
 * Serves a {@link RegtestChain} over the Esplora REST API (Blockstream's esplora, mempool.space's {@code /api}) under
 * {@code /api}: {@code /blocks/tip/height}, {@code /blocks/tip/hash}, {@code /block-height/:h}, {@code /block/:hash},
 * {@code /block/:hash/status}, {@code /block/:hash/raw}, {@code /block/:hash/txids}, {@code /address/:a/txs/mempool},
 * {@code /tx/:txid/status}, {@code /tx/:txid/outspend/:vout}, {@code /tx/:txid/hex} and
 * {@code /mempool/txids}, with Esplora's field names, plain-text
 * answers and 404 bodies.
 */
public final class FakeEsplora extends FakeServer {

  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  public FakeEsplora(RegtestChain chain) {
    super(chain);
  }

  @Override
  public URI uri() {
    return URI.create("http://127.0.0.1:" + port() + "/api/");
  }

  @Override
  protected void handle(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getRawPath();
    if (!"GET".equals(exchange.getRequestMethod()) || !path.startsWith("/api/")) {
      sendText(exchange, 404, "Not Found");
      return;
    }
    String[] parts = Arrays.stream(path.substring("/api/".length()).split("/"))
        .map(p -> URLDecoder.decode(p, StandardCharsets.UTF_8)).toArray(String[]::new);
    boolean blockData = parts.length == 3 && parts[0].equals("block") && parts[2].equals("raw");
    Fault fault = nextFault(blockData);
    if (playGeneric(exchange, fault, "{\"id\": \"0000")) {
      return;
    }
    String route = parts[0] + (parts.length > 2 ? "/:/" + parts[2] : parts.length > 1 ? "/:" : "");
    switch (route) {
      case "blocks/:/height" -> sendText(exchange, 200, Integer.toString(chain.height()));
      case "blocks/:/hash" -> sendText(exchange, 200, chain.tip().getHashAsString());
      case "block-height/:" -> {
        Optional<Block> block = parseLong(parts[1]).flatMap(chain::blockAt);
        if (block.isPresent()) {
          sendText(exchange, 200, block.get().getHashAsString());
        } else {
          sendText(exchange, 404, "Block not found");
        }
      }
      case "block/:" -> withBlock(exchange, parts[1], block -> sendJson(exchange, 200, blockJson(block)));
      case "block/:/status" -> withBlock(exchange, parts[1], block -> sendJson(exchange, 200, status(block)));
      case "block/:/txids" -> withBlock(exchange, parts[1], block -> {
        ArrayNode ids = JSON.arrayNode();
        block.getTransactions().forEach(tx -> ids.add(tx.getTxId().toString()));
        sendJson(exchange, 200, ids);
      });
      case "block/:/raw" -> withBlock(exchange, parts[1], block -> {
        byte[] raw = block.serialize();
        if (fault == Fault.BAD_HEX) {
          raw = Arrays.copyOf(raw, raw.length - 7);
        }
        send(exchange, 200, "application/octet-stream", raw);
      });
      case "mempool/:" -> {
        if (!parts[1].equals("txids")) {
          sendText(exchange, 404, "Not Found");
          return;
        }
        ArrayNode ids = JSON.arrayNode();
        chain.mempool().forEach(tx -> ids.add(tx.getTxId().toString()));
        sendJson(exchange, 200, ids);
      }
      case "tx/:/status" -> {
        String txid = parts[1];
        if (chain.mempoolTx(txid).isPresent()) {
          sendJson(exchange, 200, JSON.objectNode().put("confirmed", false));
        } else {
          Optional<Block> block = chain.blockOf(txid);
          if (block.isEmpty()) {
            sendText(exchange, 404, "Transaction not found");
          } else {
            sendJson(exchange, 200, confirmedStatus(block.get()));
          }
        }
      }
      case "tx/:/hex" -> {
        Optional<Transaction> tx = chain.mempoolTx(parts[1]).or(() -> chain.blockOf(parts[1])
            .flatMap(b -> chain.transaction(parts[1])));
        if (tx.isPresent()) {
          sendText(exchange, 200, HexFormat.of().formatHex(tx.get().serialize()));
        } else {
          sendText(exchange, 404, "Transaction not found");
        }
      }
      default -> {
        if (parts.length == 4 && parts[0].equals("tx") && parts[2].equals("outspend")) {
          outspend(exchange, parts[1], parts[3]);
        } else if (parts.length == 4 && parts[0].equals("address") && parts[2].equals("txs")
            && parts[3].equals("mempool")) {
          addressMempool(exchange, parts[1]);
        } else {
          sendText(exchange, 404, "Not Found");
        }
      }
    }
  }

  @FunctionalInterface
  private interface BlockAnswer {
    void answer(Block block) throws IOException;
  }

  private void withBlock(HttpExchange exchange, String hash, BlockAnswer answer) throws IOException {
    Optional<Block> block = chain.block(hash);
    if (block.isEmpty()) {
      sendText(exchange, 404, "Block not found");
    } else {
      answer.answer(block.get());
    }
  }

  private ObjectNode blockJson(Block block) {
    ObjectNode json = JSON.objectNode();
    json.put("id", block.getHashAsString());
    json.put("height", chain.heightOf(block));
    json.put("version", block.getVersion());
    json.put("timestamp", block.time().getEpochSecond());
    json.put("tx_count", block.getTransactions().size());
    json.put("size", block.messageSize());
    json.put("weight", block.messageSize() * 4);
    json.put("merkle_root", block.getMerkleRoot().toString());
    if (chain.heightOf(block) > 0) {
      json.put("previousblockhash", block.getPrevBlockHash().toString());
    } else {
      json.putNull("previousblockhash");
    }
    json.put("mediantime", block.time().getEpochSecond());
    json.put("nonce", block.getNonce());
    json.put("bits", block.getDifficultyTarget());
    json.put("difficulty", 0);
    return json;
  }

  private ObjectNode status(Block block) {
    ObjectNode json = JSON.objectNode();
    boolean best = chain.onBestChain(block);
    json.put("in_best_chain", best);
    if (best) {
      json.put("height", chain.heightOf(block));
      Optional<Block> next = chain.blockAt(chain.heightOf(block) + 1L);
      if (next.isPresent()) {
        json.put("next_best", next.get().getHashAsString());
      } else {
        json.putNull("next_best");
      }
    } else {
      json.putNull("next_best");
    }
    return json;
  }

  private ObjectNode confirmedStatus(Block block) {
    ObjectNode json = JSON.objectNode();
    json.put("confirmed", true);
    json.put("block_height", chain.heightOf(block));
    json.put("block_hash", block.getHashAsString());
    json.put("block_time", block.time().getEpochSecond());
    return json;
  }

  private void outspend(HttpExchange exchange, String txid, String vout) throws IOException {
    Optional<Long> index = parseLong(vout);
    if (index.isEmpty() || chain.transaction(txid).isEmpty()) {
      sendText(exchange, 404, "Transaction not found");
      return;
    }
    ObjectNode json = JSON.objectNode();
    Optional<java.util.Map.Entry<Transaction, Optional<Block>>> spender = chain.spenderOf(txid, index.get());
    json.put("spent", spender.isPresent());
    if (spender.isPresent()) {
      Transaction tx = spender.get().getKey();
      json.put("txid", tx.getTxId().toString());
      int vin = 0;
      for (int i = 0; i < tx.getInputs().size(); i++) {
        if (tx.getInput(i).getOutpoint().hash().toString().equals(txid)) {
          vin = i;
        }
      }
      json.put("vin", vin);
      json.set("status", spender.get().getValue().map(this::confirmedStatus)
          .orElseGet(() -> JSON.objectNode().put("confirmed", false)));
    }
    sendJson(exchange, 200, json);
  }

  private void addressMempool(HttpExchange exchange, String address) throws IOException {
    Address parsed;
    try {
      parsed = AddressParser.getDefault(RegtestChain.NETWORK).parseAddress(address);
    } catch (RuntimeException e) {
      sendText(exchange, 400, "Invalid Bitcoin address");
      return;
    }
    byte[] script = ScriptBuilder.createOutputScript(parsed).program();
    ArrayNode txs = JSON.arrayNode();
    for (Transaction tx : chain.mempool()) {
      boolean pays = tx.getOutputs().stream().anyMatch(o -> Arrays.equals(o.getScriptBytes(), script));
      if (pays) {
        txs.add(txJson(tx));
      }
    }
    sendJson(exchange, 200, txs);
  }

  private ObjectNode txJson(Transaction tx) {
    ObjectNode json = JSON.objectNode();
    json.put("txid", tx.getTxId().toString());
    json.put("version", tx.getVersion());
    json.put("locktime", tx.lockTime().rawValue());
    ArrayNode vin = json.putArray("vin");
    long in = 0;
    for (TransactionInput input : tx.getInputs()) {
      ObjectNode i = vin.addObject();
      String prevTxid = input.getOutpoint().hash().toString();
      i.put("txid", prevTxid);
      i.put("vout", input.getOutpoint().index());
      Optional<TransactionOutput> prevout = chain.transaction(prevTxid)
          .map(p -> p.getOutput(input.getOutpoint().index()));
      if (prevout.isPresent()) {
        output(i.putObject("prevout"), prevout.get());
        in += prevout.get().getValue().value;
      } else {
        i.putNull("prevout");
      }
      i.put("scriptsig", HexFormat.of().formatHex(input.getScriptBytes()));
      i.put("scriptsig_asm", "");
      ArrayNode witness = i.putArray("witness");
      for (int w = 0; w < input.getWitness().getPushCount(); w++) {
        witness.add(HexFormat.of().formatHex(input.getWitness().getPush(w)));
      }
      i.put("is_coinbase", false);
      i.put("sequence", input.getSequenceNumber());
    }
    ArrayNode vout = json.putArray("vout");
    long out = 0;
    for (TransactionOutput output : tx.getOutputs()) {
      output(vout.addObject(), output);
      out += output.getValue().value;
    }
    json.put("size", tx.messageSize());
    json.put("weight", tx.getWeight());
    json.put("fee", in - out);
    json.putObject("status").put("confirmed", false);
    return json;
  }

  private static void output(ObjectNode json, TransactionOutput output) {
    Script script = output.getScriptPubKey();
    json.put("scriptpubkey", HexFormat.of().formatHex(output.getScriptBytes()));
    json.put("scriptpubkey_asm", script.toString());
    ScriptType type = script.getScriptType();
    json.put("scriptpubkey_type", type == null ? "unknown" : switch (type) {
      case P2PKH -> "p2pkh";
      case P2SH -> "p2sh";
      case P2WPKH -> "v0_p2wpkh";
      case P2WSH -> "v0_p2wsh";
      case P2TR -> "v1_p2tr";
      default -> "unknown";
    });
    if (type != null && type != ScriptType.P2PK) {
      json.put("scriptpubkey_address", script.getToAddress(RegtestChain.NETWORK).toString());
    }
    json.put("value", output.getValue().value);
  }

  private static Optional<Long> parseLong(String text) {
    try {
      return Optional.of(Long.parseLong(text));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }
}
