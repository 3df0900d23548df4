package io.coinssend.invoice.json;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
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
  private static final JsonFactory FACTORY = MAPPER.getFactory();

  private InvoiceJson() {}

  // ---------------------------------------------------------------------------------------------------------------
  // Writing

  /** The invoice as compact JSON text. */
  public static String write(Invoice invoice) {
    requireNonNull(invoice, "invoice");
    return text(generator -> invoice(generator, invoice));
  }

  /** The deposit address as compact JSON text. */
  public static String write(DepositAddress address) {
    requireNonNull(address, "address");
    return text(generator -> {
      generator.writeStartObject();
      generator.writeStringField("customerId", address.customerId());
      generator.writeFieldName("asset");
      asset(generator, address.asset());
      generator.writeStringField("address", address.address());
      generator.writeNumberField("derivationIndex", address.derivationIndex());
      generator.writeStringField("paymentUri", address.paymentUri());
      generator.writeStringField("network", address.network());
      generator.writeStringField("createdAt", address.createdAt().toString());
      generator.writeEndObject();
    });
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
    requireNonNull(deposit, "deposit");
    return text(generator -> deposit(generator, deposit));
  }

  /** The event (envelope and invoice snapshot) as compact JSON text. */
  public static String write(Event event) {
    requireNonNull(event, "event");
    return text(generator -> event(generator, event));
  }

  /** Compact UTF-8 JSON bytes of the event, as a webhook sends them. */
  public static byte[] writeBytes(Event event) {
    requireNonNull(event, "event");
    ByteArrayOutputStream out = new ByteArrayOutputStream(2048);
    try (JsonGenerator generator = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
      event(generator, event);
    } catch (IOException e) {
      throw new IllegalStateException("could not write JSON", e);
    }
    return out.toByteArray();
  }

  /** The event envelope with the invoice snapshot under {@code data}, as a JSON tree. */
  public static ObjectNode toNode(Event event) {
    return tree(write(event));
  }

  /** The deposit as a JSON tree. */
  public static ObjectNode toNode(Deposit deposit) {
    return tree(write(deposit));
  }

  /** The invoice as a JSON tree. */
  public static ObjectNode toNode(Invoice invoice) {
    return tree(write(invoice));
  }

  // Written field by field with a streaming generator, not through a tree: every event a webhook sends and every
  // document the JDBC store keeps passes through here, and building a tree of nodes first cost about as much again.

  /** Writes one JSON value with {@code body}. */
  private interface Body {
    void write(JsonGenerator generator) throws IOException;
  }

  private static String text(Body body) {
    StringWriter out = new StringWriter(2048);
    try (JsonGenerator generator = FACTORY.createGenerator(out)) {
      body.write(generator);
    } catch (IOException e) {
      throw new IllegalStateException("could not write JSON", e);
    }
    return out.toString();
  }

  private static ObjectNode tree(String json) {
    try {
      return (ObjectNode) MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("could not read back JSON just written", e);
    }
  }

  private static void event(JsonGenerator generator, Event event) throws IOException {
    generator.writeStartObject();
    generator.writeStringField("id", event.id());
    generator.writeStringField("type", event.type().code());
    generator.writeStringField("created", event.createdAt().toString());
    generator.writeNumberField("sequence", event.sequence());
    if (event instanceof InvoiceEvent invoiceEvent) {
      generator.writeStringField("invoiceId", invoiceEvent.invoice().id().value());
      generator.writeNumberField("invoiceVersion", invoiceEvent.invoice().version());
      generator.writeFieldName("payment");
      if (invoiceEvent.payment().isPresent()) {
        ref(generator, invoiceEvent.payment().get());
      } else {
        generator.writeNull();
      }
      generator.writeFieldName("data");
      invoice(generator, invoiceEvent.invoice());
    } else if (event instanceof DepositEvent depositEvent) {
      generator.writeStringField("depositId", depositEvent.deposit().id().value());
      generator.writeNumberField("depositVersion", depositEvent.deposit().version());
      generator.writeFieldName("data");
      deposit(generator, depositEvent.deposit());
    }
    generator.writeEndObject();
  }

  private static void deposit(JsonGenerator generator, Deposit deposit) throws IOException {
    generator.writeStartObject();
    generator.writeStringField("id", deposit.id().value());
    generator.writeStringField("customerId", deposit.customerId());
    generator.writeFieldName("addressAsset");
    asset(generator, deposit.addressAsset());
    generator.writeStringField("address", deposit.address());
    generator.writeStringField("txid", deposit.ref().txid());
    generator.writeNumberField("index", deposit.ref().index());
    generator.writeFieldName("asset");
    asset(generator, deposit.amount().asset());
    money(generator, "amount", deposit.amount());
    generator.writeStringField("firstSeenAt", deposit.firstSeenAt().toString());
    block(generator, deposit.block());
    reversal(generator, deposit.reversal());
    generator.writeNumberField("confirmationsRequired", deposit.confirmationsRequired());
    generator.writeBooleanField("dust", deposit.dust());
    generator.writeStringField("status", deposit.status().name());
    generator.writeNumberField("sequence", deposit.sequence());
    generator.writeNumberField("version", deposit.version());
    generator.writeEndObject();
  }

  private static void block(JsonGenerator generator, Optional<BlockRef> block) throws IOException {
    if (block.isPresent()) {
      generator.writeObjectFieldStart("block");
      generator.writeNumberField("height", block.get().height());
      generator.writeStringField("hash", block.get().hash());
      generator.writeStringField("time", block.get().time().toString());
      generator.writeEndObject();
    } else {
      generator.writeNullField("block");
    }
  }

  private static void reversal(JsonGenerator generator, Optional<Reversal> reversal) throws IOException {
    if (reversal.isPresent()) {
      generator.writeObjectFieldStart("reversal");
      generator.writeStringField("cause", reversal.get().cause().name());
      generator.writeNumberField("confirmationsBefore", reversal.get().confirmationsBefore());
      generator.writeEndObject();
    } else {
      generator.writeNullField("reversal");
    }
  }

  private static void invoice(JsonGenerator generator, Invoice invoice) throws IOException {
    generator.writeStartObject();
    generator.writeStringField("id", invoice.id().value());
    generator.writeStringField("orderId", invoice.orderId());
    generator.writeFieldName("asset");
    asset(generator, invoice.asset());
    money(generator, "amountDue", invoice.amountDue());
    generator.writeStringField("address", invoice.address());
    generator.writeNumberField("derivationIndex", invoice.derivationIndex());
    generator.writeStringField("paymentUri", invoice.paymentUri());
    generator.writeStringField("network", invoice.asset().displayNetwork());
    generator.writeStringField("createdAt", invoice.createdAt().toString());
    generator.writeStringField("expiresAt", invoice.expiresAt().toString());
    generator.writeFieldName("policy");
    policy(generator, invoice.policy());
    generator.writeStringField("status", invoice.status().name());
    generator.writeStringField("reason", invoice.reason().name());
    money(generator, "received", invoice.received());
    money(generator, "settled", invoice.settledAmount());
    money(generator, "remaining", invoice.remaining());
    money(generator, "surplus", invoice.surplus());
    money(generator, "late", invoice.lateAmount());
    generator.writeArrayFieldStart("payments");
    for (Payment payment : invoice.payments()) {
      payment(generator, payment, invoice.asset());
    }
    generator.writeEndArray();
    generator.writeFieldName("resolution");
    if (invoice.resolution().isPresent()) {
      resolution(generator, invoice.resolution().get());
    } else {
      generator.writeNull();
    }
    generator.writeObjectFieldStart("metadata");
    for (Map.Entry<String, String> entry : invoice.metadata().entrySet()) {
      generator.writeStringField(entry.getKey(), entry.getValue());
    }
    generator.writeEndObject();
    generator.writeArrayFieldStart("timeline");
    for (StatusChange change : invoice.timeline()) {
      generator.writeStartObject();
      generator.writeStringField("status", change.status().name());
      generator.writeStringField("reason", change.reason().name());
      generator.writeStringField("at", change.at().toString());
      generator.writeStringField("note", change.note());
      generator.writeEndObject();
    }
    generator.writeEndArray();
    generator.writeNumberField("version", invoice.version());
    generator.writeEndObject();
  }

  private static void asset(JsonGenerator generator, Asset asset) throws IOException {
    generator.writeStartObject();
    generator.writeStringField("code", asset.code());
    generator.writeStringField("chain", asset.chain());
    generator.writeStringField("network", asset.network());
    generator.writeNumberField("decimals", asset.decimals());
    if (asset.contract().isPresent()) {
      generator.writeStringField("contract", asset.contract().get());
    } else {
      generator.writeNullField("contract");
    }
    generator.writeEndObject();
  }

  private static void money(JsonGenerator generator, String field, Money money) throws IOException {
    generator.writeStringField(field, money.toPlainString());
    generator.writeStringField(field + "Units", money.units().toString());
  }

  private static void policy(JsonGenerator generator, PaymentPolicy policy) throws IOException {
    generator.writeStartObject();
    generator.writeNumberField("confirmations", policy.confirmations());
    generator.writeStringField("tolerancePercent", policy.tolerancePercent().toPlainString());
    generator.writeStringField("expiry", policy.expiry().toString());
    generator.writeStringField("monitoringWindow", policy.monitoringWindow().toString());
    generator.writeEndObject();
  }

  private static void ref(JsonGenerator generator, PaymentRef ref) throws IOException {
    generator.writeStartObject();
    generator.writeStringField("txid", ref.txid());
    generator.writeNumberField("index", ref.index());
    generator.writeEndObject();
  }

  private static void payment(JsonGenerator generator, Payment payment, Asset invoiceAsset) throws IOException {
    generator.writeStartObject();
    generator.writeStringField("txid", payment.ref().txid());
    generator.writeNumberField("index", payment.ref().index());
    if (!payment.isOf(invoiceAsset)) {
      generator.writeFieldName("asset");
      asset(generator, payment.amount().asset());
    }
    money(generator, "amount", payment.amount());
    generator.writeStringField("firstSeenAt", payment.firstSeenAt().toString());
    block(generator, payment.block());
    reversal(generator, payment.reversal());
    generator.writeBooleanField("onTime", payment.onTime());
    generator.writeBooleanField("settled", payment.settled());
    if (payment.screeningHold().isPresent()) {
      generator.writeStringField("screeningHold", payment.screeningHold().get());
    } else {
      generator.writeNullField("screeningHold");
    }
    generator.writeNumberField("sequence", payment.sequence());
    generator.writeEndObject();
  }

  private static void resolution(JsonGenerator generator, Resolution resolution) throws IOException {
    generator.writeStartObject();
    generator.writeStringField("action", resolution.action().name());
    generator.writeStringField("actor", resolution.actor());
    generator.writeStringField("note", resolution.note());
    generator.writeStringField("at", resolution.at().toString());
    generator.writeArrayFieldStart("acknowledged");
    for (PaymentRef ref : resolution.acknowledged()) {
      ref(generator, ref);
    }
    generator.writeEndArray();
    generator.writeEndObject();
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
