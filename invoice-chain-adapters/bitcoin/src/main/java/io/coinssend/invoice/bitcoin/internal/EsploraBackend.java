package io.coinssend.invoice.bitcoin.internal;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.coinssend.invoice.BlockRef;
import io.coinssend.invoice.ReversalCause;
import io.coinssend.invoice.bitcoin.BitcoinNetwork;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reads an Esplora REST server (Blockstream's esplora, mempool.space's {@code /api}): {@code /blocks/tip/hash},
 * {@code /block-height/:height}, {@code /block/:hash}, {@code /block/:hash/raw}, {@code /address/:address/txs/mempool},
 * {@code /tx/:txid/status} and {@code /tx/:txid/outspend/:vout} (to tell a double spend from a replacement). Blocks
 * are matched from their raw bytes like with Bitcoin Core. Esplora has no
 * whole-mempool transaction feed, so unconfirmed payments are read per watched address: one request per address per
 * poll.
 */
public final class EsploraBackend implements ChainBackend {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final URI base;
  private final BitcoinNetwork network;
  private final HttpTransport http;
  private volatile boolean networkChecked;
  private final SpentInputs spentInputs = new SpentInputs();

  /** A backend for the Esplora API at {@code base} (for example {@code https://mempool.space/api}). */
  public EsploraBackend(URI base, BitcoinNetwork network, HttpTransport http) {
    requireNonNull(base, "base");
    String text = base.toString();
    this.base = URI.create(text.endsWith("/") ? text : text + "/");
    this.network = requireNonNull(network, "network");
    this.http = requireNonNull(http, "http");
  }

  @Override
  public String describe() {
    return "Esplora at " + HttpTransport.where(base);
  }

  @Override
  public BlockRef tip() throws BackendException {
    if (!networkChecked) {
      checkNetwork();
    }
    String hash = hash(getText("blocks/tip/hash"), "blocks/tip/hash");
    return block(hash, Optional.empty());
  }

  private void checkNetwork() throws BackendException {
    String genesis = hash(getText("block-height/0"), "block-height/0");
    Set<String> expected = network == BitcoinNetwork.TESTNET
        ? Set.of(Networks.genesisHash(network), Networks.TESTNET4_GENESIS)
        : Set.of(Networks.genesisHash(network));
    if (!expected.contains(genesis)) {
      throw new BackendException(describe() + " serves a chain whose genesis block is " + genesis
          + ", not bitcoin " + network.id() + "'s; refusing to read it");
    }
    networkChecked = true;
  }

  @Override
  public Optional<BlockRef> blockAt(long height) throws BackendException {
    HttpTransport.Response response = http.get(base.resolve("block-height/" + height));
    if (response.status() == 404) {
      return Optional.empty();
    }
    String hash = hash(ok(response, "block-height/" + height).text().strip(), "block-height/" + height);
    return Optional.of(block(hash, Optional.of(height)));
  }

  private BlockRef block(String hash, Optional<Long> expectedHeight) throws BackendException {
    JsonNode block = getJson("block/" + hash);
    String id = block.path("id").asText("");
    JsonNode height = block.path("height");
    JsonNode timestamp = block.path("timestamp");
    if (!height.isIntegralNumber() || !timestamp.isIntegralNumber() || height.asLong() < 0) {
      throw new BackendException(describe() + " block/" + hash + " answered no valid height and timestamp");
    }
    if (!id.equals(hash) || expectedHeight.map(h -> h != height.asLong()).orElse(false)) {
      throw new BackendException(describe() + " answered block " + height.asLong() + "/" + id + " when asked for "
          + expectedHeight.map(h -> h + "/").orElse("") + hash);
    }
    return new BlockRef(height.asLong(), hash, Instant.ofEpochSecond(timestamp.asLong()));
  }

  @Override
  public byte[] rawBlock(String hash) throws BackendException {
    return ok(http.get(base.resolve("block/" + hash + "/raw")), "block/" + hash + "/raw").body();
  }

  @Override
  public List<ScriptIndex.Match> mempool(ScriptIndex index) throws BackendException {
    List<ScriptIndex.Match> matches = new ArrayList<>();
    for (String address : index.addresses()) {
      String path = "address/" + URLEncoder.encode(address, StandardCharsets.UTF_8) + "/txs/mempool";
      JsonNode txs = getJson(path);
      if (!txs.isArray()) {
        throw new BackendException(describe() + " " + path + " answered " + txs.getNodeType() + ", not a list");
      }
      for (JsonNode tx : txs) {
        if (tx.path("status").path("confirmed").asBoolean(false)) {
          continue;
        }
        String txid = hash(tx.path("txid").asText(""), path + " txid");
        if (!spentInputs.knows(txid)) {
          List<String> spent = new ArrayList<>();
          for (JsonNode input : tx.path("vin")) {
            spent.add(hash(input.path("txid").asText(""), path + " vin txid") + ":" + input.path("vout").asLong());
          }
          spentInputs.put(txid, spent);
        }
        JsonNode outputs = tx.path("vout");
        for (int i = 0; i < outputs.size(); i++) {
          JsonNode output = outputs.get(i);
          JsonNode value = output.path("value");
          if (!value.isIntegralNumber() || value.asLong() < 0) {
            throw new BackendException(describe() + " " + path + " answered an output without a valid value");
          }
          byte[] script;
          try {
            script = HexFormat.of().parseHex(output.path("scriptpubkey").asText(""));
          } catch (IllegalArgumentException e) {
            throw new BackendException(describe() + " " + path + " answered a malformed scriptpubkey", e);
          }
          int n = i;
          index.find(script).ifPresent(a -> matches.add(new ScriptIndex.Match(txid, n, a, value.asLong())));
        }
      }
    }
    return dedupe(matches);
  }

  /** A transaction paying two watched addresses is listed under both. */
  private static List<ScriptIndex.Match> dedupe(List<ScriptIndex.Match> matches) {
    return new ArrayList<>(new java.util.LinkedHashSet<>(matches));
  }

  @Override
  public boolean inMempool(String txid) throws BackendException {
    HttpTransport.Response response = http.get(base.resolve("tx/" + txid + "/status"));
    if (response.status() == 404) {
      return false;
    }
    JsonNode status = parse(ok(response, "tx/" + txid + "/status"), "tx/" + txid + "/status");
    JsonNode confirmed = status.path("confirmed");
    if (!confirmed.isBoolean()) {
      throw new BackendException(describe() + " tx/" + txid + "/status answered no 'confirmed' flag");
    }
    return !confirmed.asBoolean();
  }

  @Override
  public ReversalCause vanishedCause(String txid) throws BackendException {
    for (String outpoint : spentInputs.of(txid).orElse(List.of())) {
      int colon = outpoint.indexOf(':');
      String path = "tx/" + outpoint.substring(0, colon) + "/outspend/" + outpoint.substring(colon + 1);
      JsonNode outspend = getJson(path);
      if (outspend.path("spent").asBoolean(false) && outspend.path("status").path("confirmed").asBoolean(false)) {
        return ReversalCause.DOUBLE_SPENT;
      }
    }
    return ReversalCause.REPLACED;
  }

  // ---------------------------------------------------------------------------------------------------------------

  private String getText(String path) throws BackendException {
    return ok(http.get(base.resolve(path)), path).text().strip();
  }

  private JsonNode getJson(String path) throws BackendException {
    return parse(ok(http.get(base.resolve(path)), path), path);
  }

  private JsonNode parse(HttpTransport.Response response, String path) throws BackendException {
    try {
      JsonNode json = MAPPER.readTree(response.body());
      if (json == null || json.isMissingNode()) {
        throw new BackendException(describe() + " " + path + " answered an empty body");
      }
      return json;
    } catch (IOException e) {
      throw new BackendException(describe() + " " + path + " answered a body that is not JSON: "
          + BitcoinCoreBackend.abbreviate(response.text()), e);
    }
  }

  private HttpTransport.Response ok(HttpTransport.Response response, String path) throws BackendException {
    if (response.status() != 200) {
      throw new BackendException(describe() + " " + path + " answered HTTP " + response.status() + ": "
          + BitcoinCoreBackend.abbreviate(response.text()));
    }
    return response;
  }

  private String hash(String text, String what) throws BackendException {
    if (!text.matches("[0-9a-f]{64}")) {
      throw new BackendException(describe() + " " + what + " answered '" + BitcoinCoreBackend.abbreviate(text)
          + "', not a 64-digit hex hash");
    }
    return text;
  }
}
