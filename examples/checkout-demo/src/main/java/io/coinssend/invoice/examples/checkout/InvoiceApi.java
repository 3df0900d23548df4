package io.coinssend.invoice.examples.checkout;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.coinssend.invoice.Asset;
import io.coinssend.invoice.Invoice;
import io.coinssend.invoice.InvoiceEngine;
import io.coinssend.invoice.InvoiceId;
import io.coinssend.invoice.InvoiceRequest;
import io.coinssend.invoice.Money;
import io.coinssend.invoice.spi.InvoiceQuery;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/** The REST API a shop would write around the engine: orders with their invoices, and the merchant actions. */
@RestController
@RequestMapping("/api")
public class InvoiceApi {

  /** A new order: what it is, the asset (BTC, ETH, USDT) and the amount as a decimal string. */
  public record CreateOrder(String orderId, String description, String asset, String amount) {}

  /** A merchant action's record: who, and why. */
  public record Decision(String actor, String note) {}

  private final InvoiceEngine engine;
  private final OrderBook orders;
  private final InvoiceViews views;
  private final CheckoutUpdates updates;

  public InvoiceApi(InvoiceEngine engine, OrderBook orders, InvoiceViews views, CheckoutUpdates updates) {
    this.engine = engine;
    this.orders = orders;
    this.views = views;
    this.updates = updates;
  }

  @PostMapping("/orders")
  public ResponseEntity<Map<String, Object>> createOrder(@RequestBody CreateOrder body) {
    if (body == null) {
      throw new ApiException(HttpStatus.BAD_REQUEST, "body", "a JSON object with asset and amount is required");
    }
    if (body.asset() == null || body.asset().isBlank()) {
      throw new ApiException(HttpStatus.BAD_REQUEST, "asset", "asset is required (one of " + DemoAssets.all().keySet()
          + ")");
    }
    Asset asset = DemoAssets.byCode(body.asset()).orElseThrow(() -> new ApiException(HttpStatus.BAD_REQUEST, "asset",
        "unknown asset '" + body.asset() + "'; use one of " + DemoAssets.all().keySet()));
    if (body.amount() == null || body.amount().isBlank()) {
      throw new ApiException(HttpStatus.BAD_REQUEST, "amount", "amount is required, for example \"0.0015\"");
    }
    Money amount;
    try {
      amount = Money.parse(asset, body.amount().trim());
    } catch (IllegalArgumentException e) {
      throw new ApiException(HttpStatus.BAD_REQUEST, "amount", e.getMessage());
    }
    String description = body.description() == null || body.description().isBlank() ? "Demo order"
        : body.description().trim();
    if (description.length() > 120) {
      throw new ApiException(HttpStatus.BAD_REQUEST, "description", "description must be at most 120 characters");
    }
    String orderId = body.orderId() == null || body.orderId().isBlank() ? orders.nextOrderId() : body.orderId().trim();
    InvoiceRequest request;
    try {
      request = InvoiceRequest.of(orderId, amount).withLabel("CoinsSend demo shop").withMessage(description)
          .withMetadata(Map.of("description", description));
    } catch (IllegalArgumentException e) {
      throw new ApiException(HttpStatus.BAD_REQUEST, "orderId", e.getMessage());
    }
    Invoice invoice = engine.createInvoice(request);
    OrderBook.Order order = orders.add(orderId, description, invoice);
    Map<String, Object> created = new LinkedHashMap<>();
    created.put("order", order);
    created.put("invoice", views.view(invoice));
    created.put("checkoutUrl", "/checkout.html?invoice=" + invoice.id());
    return ResponseEntity.status(HttpStatus.CREATED).body(created);
  }

  @GetMapping("/orders")
  public List<OrderBook.Order> listOrders() {
    return orders.list();
  }

  @GetMapping("/invoices")
  public List<ObjectNode> listInvoices() {
    List<ObjectNode> list = new ArrayList<>();
    for (Invoice invoice : engine.list(InvoiceQuery.all().withLimit(500))) {
      list.add(0, views.view(invoice));
    }
    return list;
  }

  @GetMapping("/invoices/{id}")
  public ObjectNode invoice(@PathVariable("id") String id) {
    return views.view(engine.getInvoice(invoiceId(id)));
  }

  @GetMapping(value = "/invoices/{id}/qr.svg", produces = "image/svg+xml")
  public String qr(@PathVariable("id") String id) {
    return QrCodes.svg(engine.getInvoice(invoiceId(id)).paymentUri());
  }

  @GetMapping(value = "/invoices/{id}/stream", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
  public SseEmitter stream(@PathVariable("id") String id) {
    engine.getInvoice(invoiceId(id));
    return updates.subscribe(id);
  }

  @PostMapping("/invoices/{id}/mark-paid")
  public ObjectNode markPaid(@PathVariable("id") String id, @RequestBody(required = false) Decision decision) {
    return views.view(engine.markPaid(invoiceId(id), actor(decision), note(decision)));
  }

  @PostMapping("/invoices/{id}/close")
  public ObjectNode close(@PathVariable("id") String id, @RequestBody(required = false) Decision decision) {
    return views.view(engine.close(invoiceId(id), actor(decision), note(decision)));
  }

  @PostMapping("/invoices/{id}/cancel")
  public ObjectNode cancel(@PathVariable("id") String id, @RequestBody(required = false) Decision decision) {
    return views.view(engine.cancel(invoiceId(id), actor(decision), note(decision)));
  }

  static InvoiceId invoiceId(String id) {
    try {
      return InvoiceId.of(id);
    } catch (IllegalArgumentException e) {
      throw new ApiException(HttpStatus.BAD_REQUEST, "id", e.getMessage());
    }
  }

  private static String actor(Decision decision) {
    return decision == null || decision.actor() == null || decision.actor().isBlank() ? "merchant" : decision.actor();
  }

  private static String note(Decision decision) {
    return decision == null || decision.note() == null ? "" : decision.note();
  }
}
