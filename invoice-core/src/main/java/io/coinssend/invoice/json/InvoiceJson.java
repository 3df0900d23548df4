package io.coinssend.invoice.json;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.coinssend.invoice.Asset;
import io.coinssend.invoice.BlockRef;
import io.coinssend.invoice.Deposit;
import io.coinssend.invoice.DepositAddress;
import io.coinssend.invoice.DepositEvent;
import io.coinssend.invoice.DepositId;
import io.coinssend.invoice.DepositStatus;
import io.coinssend.invoice.Event;
import io.coinssend.invoice.EventType;
import io.coinssend.invoice.Invoice;
import io.coinssend.invoice.InvoiceEvent;
import io.coinssend.invoice.InvoiceId;
import io.coinssend.invoice.InvoiceStatus;
import io.coinssend.invoice.MerchantAction;
import io.coinssend.invoice.Money;
import io.coinssend.invoice.Payment;
import io.coinssend.invoice.PaymentPolicy;
import io.coinssend.invoice.PaymentRef;
import io.coinssend.invoice.Resolution;
import io.coinssend.invoice.Reversal;
import io.coinssend.invoice.ReversalCause;
import io.coinssend.invoice.StatusChange;
import io.coinssend.invoice.StatusReason;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The JSON form of invoices and events: what the JDBC store keeps, what webhooks send and what receivers parse.
 *
 * <p>Amounts appear twice: as exact decimal text in whole units ({@code "amountDue": "0.0015"}) for people, and as
 * base units in a string ({@code "amountDueUnits": "150000"}) for programs; reading uses the base units. Times are
 * ISO-8601 UTC strings. Reading checks every invariant of the records and throws {@link IllegalArgumentException}
 * naming the field on malformed input. Thread-safe.
 *
 * <pre>{@code
 * {"id": "evt_…", "type": "invoice.paid", "created": "2026-11-24T19:00:00.123Z", "sequence": 42,
 *  "invoiceId": "inv_…", "invoiceVersion": 4, "payment": null, "data": { …the invoice… }}
 * {"id": "evt_…", "type": "deposit.confirmed", "created": "…", "sequence": 43,
 *  "depositId": "dep_…", "depositVersion": 2, "data": { …the deposit… }}
 * }</pre>
 */
public final class InvoiceJson {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private InvoiceJson() {}

  // ---------------------------------------------------------------------------------------------------------------
  // Writing

  /** The invoice as compact JSON text. */
  public static String write(Invoice invoice) {
    return text(toNode(invoice));
  }

  /** The deposit address as compact JSON text. */
  public static String write(DepositAddress address) {
    requireNonNull(address, "address");
    ObjectNode node = NODES.objectNode();
    node.put("customerId", address.customerId());
    node.set("asset", asset(address.asset()));
    node.put("address", address.address());
    node.put("derivationIndex", address.derivationIndex());
    node.put("paymentUri", address.paymentUri());
    node.put("network", address.network());
    node.put("createdAt", address.createdAt().toString());
    return text(node);
  }

  /**
   * Reads a deposit address written by {@link #write(DepositAddress)}.
   *
   * @throws IllegalArgumentException if the text is not such an address
   */
  public static DepositAddress readDepositAddress(String json) {
    JsonNode node = parse(json);
    try {
      return new DepositAddress(string(node, "customerId"), asset(field(node, "asset")), string(node, "address"),
          field(node, "derivationIndex").asLong(), string(node, "paymentUri"), instant(node, "createdAt"));
    } catch (RuntimeException e) {
      if (e instanceof IllegalArgumentException) {
        throw e;
      }
      throw new IllegalArgumentException("malformed deposit address JSON: " + e.getMessage(), e);
    }
  }

  /** The deposit as compact JSON text. */
  public static String write(Deposit deposit) {
    return text(toNode(deposit));
  }

  /** The event (envelope and invoice snapshot) as compact JSON text. */
  public static String write(Event event) {
    return text(toNode(event));
  }

  /** Compact UTF-8 JSON bytes of the event, as a webhook sends them. */
  public static byte[] writeBytes(Event event) {
    try {
      return MAPPER.writeValueAsBytes(toNode(event));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("could not write JSON", e);
    }
  }

  private static String text(JsonNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("could not write JSON", e);
    }
  }

  /** The event envelope with the invoice snapshot under {@code data}. */
  public static ObjectNode toNode(Event event) {
    requireNonNull(event, "event");
    ObjectNode node = NODES.objectNode();
    node.put("id", event.id());
    node.put("type", event.type().code());
    node.put("created", event.createdAt().toString());
    node.put("sequence", event.sequence());
    if (event instanceof InvoiceEvent invoiceEvent) {
      node.put("invoiceId", invoiceEvent.invoice().id().value());
      node.put("invoiceVersion", invoiceEvent.invoice().version());
      node.set("payment", invoiceEvent.payment().<JsonNode>map(InvoiceJson::ref).orElse(NODES.nullNode()));
      node.set("data", toNode(invoiceEvent.invoice()));
    } else if (event instanceof DepositEvent depositEvent) {
      node.put("depositId", depositEvent.deposit().id().value());
      node.put("depositVersion", depositEvent.deposit().version());
      node.set("data", toNode(depositEvent.deposit()));
    }
    return node;
  }

  /** The deposit as a JSON tree. */
  public static ObjectNode toNode(Deposit deposit) {
    requireNonNull(deposit, "deposit");
    ObjectNode node = NODES.objectNode();
    node.put("id", deposit.id().value());
    node.put("customerId", deposit.customerId());
    node.set("addressAsset", asset(deposit.addressAsset()));
    node.put("address", deposit.address());
    node.put("txid", deposit.ref().txid());
    node.put("index", deposit.ref().index());
    node.set("asset", asset(deposit.amount().asset()));
    money(node, "amount", deposit.amount());
    node.put("firstSeenAt", deposit.firstSeenAt().toString());
    block(node, deposit.block());
    reversal(node, deposit.reversal());
    node.put("confirmationsRequired", deposit.confirmationsRequired());
    node.put("dust", deposit.dust());
    node.put("status", deposit.status().name());
    node.put("sequence", deposit.sequence());
    node.put("version", deposit.version());
    return node;
  }

  private static void block(ObjectNode node, Optional<BlockRef> block) {
    if (block.isPresent()) {
      ObjectNode blockNode = node.putObject("block");
      blockNode.put("height", block.get().height());
      blockNode.put("hash", block.get().hash());
      blockNode.put("time", block.get().time().toString());
    } else {
      node.putNull("block");
    }
  }

  private static void reversal(ObjectNode node, Optional<Reversal> reversal) {
    if (reversal.isPresent()) {
      ObjectNode reversalNode = node.putObject("reversal");
      reversalNode.put("cause", reversal.get().cause().name());
      reversalNode.put("confirmationsBefore", reversal.get().confirmationsBefore());
    } else {
      node.putNull("reversal");
    }
  }

  /** The invoice as a JSON tree. */
  public static ObjectNode toNode(Invoice invoice) {
    requireNonNull(invoice, "invoice");
    ObjectNode node = NODES.objectNode();
    node.put("id", invoice.id().value());
    node.put("orderId", invoice.orderId());
    node.set("asset", asset(invoice.asset()));
    money(node, "amountDue", invoice.amountDue());
    node.put("address", invoice.address());
    node.put("derivationIndex", invoice.derivationIndex());
    node.put("paymentUri", invoice.paymentUri());
    node.put("network", invoice.asset().displayNetwork());
    node.put("createdAt", invoice.createdAt().toString());
    node.put("expiresAt", invoice.expiresAt().toString());
    node.set("policy", policy(invoice.policy()));
    node.put("status", invoice.status().name());
    node.put("reason", invoice.reason().name());
    money(node, "received", invoice.received());
    money(node, "settled", invoice.settledAmount());
    money(node, "remaining", invoice.remaining());
    money(node, "surplus", invoice.surplus());
    money(node, "late", invoice.lateAmount());
    ArrayNode payments = node.putArray("payments");
    for (Payment payment : invoice.payments()) {
      payments.add(payment(payment, invoice.asset()));
    }
    node.set("resolution", invoice.resolution().<JsonNode>map(InvoiceJson::resolution).orElse(NODES.nullNode()));
    ObjectNode metadata = node.putObject("metadata");
    invoice.metadata().forEach(metadata::put);
    ArrayNode timeline = node.putArray("timeline");
    for (StatusChange change : invoice.timeline()) {
      ObjectNode entry = timeline.addObject();
      entry.put("status", change.status().name());
      entry.put("reason", change.reason().name());
      entry.put("at", change.at().toString());
      entry.put("note", change.note());
    }
    node.put("version", invoice.version());
    return node;
  }

  private static ObjectNode asset(Asset asset) {
    ObjectNode node = NODES.objectNode();
    node.put("code", asset.code());
    node.put("chain", asset.chain());
    node.put("network", asset.network());
    node.put("decimals", asset.decimals());
    if (asset.contract().isPresent()) {
      node.put("contract", asset.contract().get());
    } else {
      node.putNull("contract");
    }
    return node;
  }

  private static void money(ObjectNode node, String field, Money money) {
    node.put(field, money.toPlainString());
    node.put(field + "Units", money.units().toString());
  }

  private static ObjectNode policy(PaymentPolicy policy) {
    ObjectNode node = NODES.objectNode();
    node.put("confirmations", policy.confirmations());
    node.put("tolerancePercent", policy.tolerancePercent().toPlainString());
    node.put("expiry", policy.expiry().toString());
    node.put("monitoringWindow", policy.monitoringWindow().toString());
    return node;
  }

  private static ObjectNode ref(PaymentRef ref) {
    ObjectNode node = NODES.objectNode();
    node.put("txid", ref.txid());
    node.put("index", ref.index());
    return node;
  }

  private static ObjectNode payment(Payment payment, Asset invoiceAsset) {
    ObjectNode node = NODES.objectNode();
    node.put("txid", payment.ref().txid());
    node.put("index", payment.ref().index());
    if (!payment.isOf(invoiceAsset)) {
      node.set("asset", asset(payment.amount().asset()));
    }
    money(node, "amount", payment.amount());
    node.put("firstSeenAt", payment.firstSeenAt().toString());
    block(node, payment.block());
    reversal(node, payment.reversal());
    node.put("onTime", payment.onTime());
    node.put("settled", payment.settled());
    if (payment.screeningHold().isPresent()) {
      node.put("screeningHold", payment.screeningHold().get());
    } else {
      node.putNull("screeningHold");
    }
    node.put("sequence", payment.sequence());
    return node;
  }

  private static ObjectNode resolution(Resolution resolution) {
    ObjectNode node = NODES.objectNode();
    node.put("action", resolution.action().name());
    node.put("actor", resolution.actor());
    node.put("note", resolution.note());
    node.put("at", resolution.at().toString());
    ArrayNode acknowledged = node.putArray("acknowledged");
    resolution.acknowledged().forEach(ref -> acknowledged.add(ref(ref)));
    return node;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Reading

  /**
   * Reads an invoice written by {@link #write(Invoice)}.
   *
   * @throws IllegalArgumentException if the text is not such an invoice
   */
  public static Invoice readInvoice(String json) {
    return invoice(parse(json));
  }

  /**
   * Reads an event written by {@link #write(Event)}.
   *
   * @throws IllegalArgumentException if the text is not such an event
   */
  public static Event readEvent(String json) {
    return event(parse(json));
  }

  /**
   * Reads an event from raw JSON bytes (UTF-8).
   *
   * @throws IllegalArgumentException if the bytes are not such an event
   */
  public static Event readEvent(byte[] json) {
    requireNonNull(json, "json");
    try {
      return event(MAPPER.readTree(json));
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("not valid JSON: " + e.getMessage(), e);
    }
  }

  private static JsonNode parse(String json) {
    requireNonNull(json, "json");
    try {
      return MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not valid JSON: " + e.getOriginalMessage(), e);
    }
  }

  /**
   * Reads a deposit written by {@link #write(Deposit)}.
   *
   * @throws IllegalArgumentException if the text is not such a deposit
   */
  public static Deposit readDeposit(String json) {
    return deposit(parse(json));
  }

  /** Reads a deposit from a JSON tree. */
  public static Deposit deposit(JsonNode node) {
    try {
      Asset asset = asset(field(node, "asset"));
      return new Deposit(DepositId.of(string(node, "id")), string(node, "customerId"),
          asset(field(node, "addressAsset")), string(node, "address"), ref(node), money(node, "amount", asset),
          instant(node, "firstSeenAt"), readBlock(node.get("block")), readReversal(node.get("reversal")),
          field(node, "confirmationsRequired").asInt(), field(node, "dust").asBoolean(),
          DepositStatus.valueOf(string(node, "status")), field(node, "sequence").asLong(),
          field(node, "version").asLong());
    } catch (RuntimeException e) {
      if (e instanceof IllegalArgumentException) {
        throw e;
      }
      throw new IllegalArgumentException("malformed deposit JSON: " + e.getMessage(), e);
    }
  }

  /** Reads an event from a JSON tree. */
  public static Event event(JsonNode node) {
    String type = string(node, "type");
    EventType eventType =
        EventType.fromCode(type).orElseThrow(() -> new IllegalArgumentException("unknown event type '" + type + "'"));
    if (eventType.isDeposit()) {
      return new DepositEvent(string(node, "id"), eventType, instant(node, "created"), deposit(field(node, "data")),
          node.path("sequence").asLong(0));
    }
    Invoice invoice = invoice(field(node, "data"));
    JsonNode payment = node.get("payment");
    Optional<PaymentRef> ref = payment == null || payment.isNull() ? Optional.empty() : Optional.of(ref(payment));
    return new InvoiceEvent(string(node, "id"), eventType, instant(node, "created"), invoice, ref,
        node.path("sequence").asLong(0));
  }

  /** Reads an invoice from a JSON tree. */
  public static Invoice invoice(JsonNode node) {
    try {
      Asset asset = asset(field(node, "asset"));
      List<Payment> payments = new ArrayList<>();
      for (JsonNode payment : array(node, "payments")) {
        payments.add(payment(payment, asset));
      }
      JsonNode resolution = node.get("resolution");
      Map<String, String> metadata = new LinkedHashMap<>();
      field(node, "metadata").properties().forEach(e -> metadata.put(e.getKey(), e.getValue().asText()));
      List<StatusChange> timeline = new ArrayList<>();
      for (JsonNode entry : array(node, "timeline")) {
        timeline.add(new StatusChange(InvoiceStatus.valueOf(string(entry, "status")),
            StatusReason.valueOf(string(entry, "reason")), instant(entry, "at"), string(entry, "note")));
      }
      return new Invoice(
          InvoiceId.of(string(node, "id")),
          string(node, "orderId"),
          money(node, "amountDue", asset),
          string(node, "address"),
          field(node, "derivationIndex").asLong(),
          string(node, "paymentUri"),
          instant(node, "createdAt"),
          instant(node, "expiresAt"),
          policy(field(node, "policy")),
          InvoiceStatus.valueOf(string(node, "status")),
          StatusReason.valueOf(string(node, "reason")),
          payments,
          resolution == null || resolution.isNull() ? Optional.empty() : Optional.of(resolution(resolution)),
          metadata,
          timeline,
          field(node, "version").asLong());
    } catch (RuntimeException e) {
      if (e instanceof IllegalArgumentException) {
        throw e;
      }
      throw new IllegalArgumentException("malformed invoice JSON: " + e.getMessage(), e);
    }
  }

  private static Asset asset(JsonNode node) {
    JsonNode contract = node.get("contract");
    return new Asset(string(node, "code"), string(node, "chain"), string(node, "network"),
        field(node, "decimals").asInt(),
        contract == null || contract.isNull() ? Optional.empty() : Optional.of(contract.asText()));
  }

  private static Money money(JsonNode node, String field, Asset asset) {
    String units = string(node, field + "Units");
    try {
      return Money.ofUnits(asset, new BigInteger(units));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(field + "Units is not an integer: '" + units + "'", e);
    }
  }

  private static PaymentPolicy policy(JsonNode node) {
    return new PaymentPolicy(field(node, "confirmations").asInt(), new BigDecimal(string(node, "tolerancePercent")),
        Duration.parse(string(node, "expiry")), Duration.parse(string(node, "monitoringWindow")));
  }

  private static PaymentRef ref(JsonNode node) {
    return new PaymentRef(string(node, "txid"), field(node, "index").asInt());
  }

  private static Payment payment(JsonNode node, Asset invoiceAsset) {
    JsonNode assetNode = node.get("asset");
    Asset asset = assetNode == null || assetNode.isNull() ? invoiceAsset : asset(assetNode);
    Optional<BlockRef> block = readBlock(node.get("block"));
    Optional<Reversal> reversal = readReversal(node.get("reversal"));
    JsonNode hold = node.get("screeningHold");
    return new Payment(ref(node), money(node, "amount", asset), instant(node, "firstSeenAt"), block, reversal,
        field(node, "onTime").asBoolean(), field(node, "settled").asBoolean(),
        hold == null || hold.isNull() ? Optional.empty() : Optional.of(hold.asText()),
        field(node, "sequence").asLong());
  }

  private static Optional<BlockRef> readBlock(JsonNode blockNode) {
    return blockNode == null || blockNode.isNull()
        ? Optional.empty()
        : Optional.of(new BlockRef(field(blockNode, "height").asLong(), string(blockNode, "hash"),
            instant(blockNode, "time")));
  }

  private static Optional<Reversal> readReversal(JsonNode reversalNode) {
    return reversalNode == null || reversalNode.isNull()
        ? Optional.empty()
        : Optional.of(new Reversal(ReversalCause.valueOf(string(reversalNode, "cause")),
            field(reversalNode, "confirmationsBefore").asLong()));
  }

  private static Resolution resolution(JsonNode node) {
    Set<PaymentRef> acknowledged = new LinkedHashSet<>();
    for (JsonNode ref : array(node, "acknowledged")) {
      acknowledged.add(ref(ref));
    }
    return new Resolution(MerchantAction.valueOf(string(node, "action")), string(node, "actor"),
        string(node, "note"), instant(node, "at"), acknowledged);
  }

  private static JsonNode field(JsonNode node, String name) {
    JsonNode value = node == null ? null : node.get(name);
    if (value == null || value.isNull()) {
      throw new IllegalArgumentException("missing field '" + name + "'");
    }
    return value;
  }

  private static Iterable<JsonNode> array(JsonNode node, String name) {
    JsonNode value = field(node, name);
    if (!value.isArray()) {
      throw new IllegalArgumentException("field '" + name + "' must be an array");
    }
    return value;
  }

  private static String string(JsonNode node, String name) {
    JsonNode value = field(node, name);
    if (!value.isTextual()) {
      throw new IllegalArgumentException("field '" + name + "' must be a string");
    }
    return value.asText();
  }

  private static Instant instant(JsonNode node, String name) {
    String text = string(node, name);
    try {
      return Instant.parse(text);
    } catch (java.time.format.DateTimeParseException e) {
      throw new IllegalArgumentException("field '" + name + "' is not an ISO-8601 instant: '" + text + "'", e);
    }
  }
}
