package io.coinssend.invoice.examples.checkout;

import io.coinssend.invoice.Event;
import io.coinssend.invoice.webhooks.WebhookDispatcher;
import io.coinssend.invoice.webhooks.WebhookEndpoint;
import io.coinssend.invoice.webhooks.WebhookSecret;
import io.coinssend.invoice.webhooks.WebhookSigner;
import io.coinssend.invoice.webhooks.WebhookVerificationException;
import io.coinssend.invoice.webhooks.WebhookVerifier;
import io.coinssend.invoice.webhooks.memory.InMemoryDeliveryStore;
import io.coinssend.invoice.spi.InvoiceStore;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.web.context.WebServerInitializedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * Both ends of the webhooks, in one demo: the engine's {@link WebhookDispatcher} posts every event, signed
 * (Standard Webhooks v1), to the shop's own endpoint {@code /shop/webhooks}, where the order system verifies the raw
 * body with {@link WebhookVerifier} and updates the orders table. In a real shop the two would be different services
 * sharing the secret.
 */
@RestController
public class ShopWebhooks implements DisposableBean {

  private static final Logger log = LoggerFactory.getLogger(ShopWebhooks.class);

  private final InvoiceStore store;
  private final OrderBook orders;
  private final WebhookWakeUp wakeUp;
  private final WebhookSecret secret = WebhookSecret.generate();
  private final WebhookVerifier verifier;
  private volatile WebhookDispatcher dispatcher;

  public ShopWebhooks(InvoiceStore store, OrderBook orders, WebhookWakeUp wakeUp) {
    this.store = store;
    this.orders = orders;
    this.wakeUp = wakeUp;
    this.verifier = WebhookVerifier.builder().secret(secret).build();
  }

  /** Starts sending once the server knows its port. */
  @EventListener
  public void serverStarted(WebServerInitializedEvent event) {
    String url = "http://localhost:" + event.getWebServer().getPort() + "/shop/webhooks";
    dispatcher = WebhookDispatcher.builder()
        .invoiceStore(store)
        .deliveryStore(new InMemoryDeliveryStore())
        .endpoint(WebhookEndpoint.of("order-system", url, WebhookSigner.v1(secret)))
        .build()
        .start();
    wakeUp.set(dispatcher);
    log.info("Webhooks go to {} (signing key {})", url, secret.fingerprint());
  }

  /**
   * The order system's webhook endpoint. It verifies the signature over the raw bytes as received (never a
   * re-serialised body), then applies the event, ignoring duplicates and stale versions.
   */
  @PostMapping("/shop/webhooks")
  public ResponseEntity<Void> receive(@RequestHeader HttpHeaders headers, @RequestBody byte[] body) {
    Map<String, List<String>> received = new LinkedHashMap<>();
    headers.forEach(received::put);
    Event event;
    try {
      event = verifier.verify(received, body);
    } catch (WebhookVerificationException e) {
      log.warn("Refused a webhook: {}", e.getMessage());
      return ResponseEntity.status(HttpStatus.BAD_REQUEST).build();
    }
    orders.onEvent(event);
    return ResponseEntity.noContent().build();
  }

  @Override
  public void destroy() {
    WebhookDispatcher current = dispatcher;
    if (current != null) {
      current.close();
    }
  }
}
