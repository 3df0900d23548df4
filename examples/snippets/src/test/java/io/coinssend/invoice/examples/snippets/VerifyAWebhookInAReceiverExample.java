package io.coinssend.invoice.examples.snippets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.coinssend.invoice.Asset;
import io.coinssend.invoice.Event;
import io.coinssend.invoice.Invoice;
import io.coinssend.invoice.InvoiceEngine;
import io.coinssend.invoice.InvoiceEvent;
import io.coinssend.invoice.InvoiceRequest;
import io.coinssend.invoice.Money;
import io.coinssend.invoice.memory.InMemoryInvoiceStore;
import io.coinssend.invoice.testkit.SimulatedChain;
import io.coinssend.invoice.webhooks.WebhookDispatcher;
import io.coinssend.invoice.webhooks.WebhookEndpoint;
import io.coinssend.invoice.webhooks.WebhookSecret;
import io.coinssend.invoice.webhooks.WebhookSigner;
import io.coinssend.invoice.webhooks.WebhookVerificationException;
import io.coinssend.invoice.webhooks.WebhookVerifier;
import io.coinssend.invoice.webhooks.memory.InMemoryDeliveryStore;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A receiver verifying the engine's webhooks: read the raw body bytes as they arrived (never a re-serialised or
 * line-by-line re-read body), verify them with {@link WebhookVerifier}, then act on the event, idempotently by its
 * id and invoice version.
 */
class VerifyAWebhookInAReceiverExample {

  @Test
  void aReceiverVerifiesEachWebhookBeforeActingOnIt() throws Exception {
    WebhookSecret secret = WebhookSecret.generate();          // shared once with the receiver: secret.reveal()
    List<String> paidOrders = new CopyOnWriteArrayList<>();

    // --- The receiver (any JVM; needs only invoice-webhooks and invoice-core) ---
    WebhookVerifier verifier = WebhookVerifier.forSecret(secret.reveal());
    HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/hooks", exchange -> {
      byte[] rawBody = exchange.getRequestBody().readAllBytes();
      try {
        Event event = verifier.verify(exchange.getRequestHeaders(), rawBody);
        if (event instanceof InvoiceEvent invoiceEvent && event.type().code().equals("invoice.paid")) {
          paidOrders.add(invoiceEvent.invoice().orderId());
        }
        exchange.sendResponseHeaders(204, -1);
      } catch (WebhookVerificationException e) {
        exchange.sendResponseHeaders(400, -1);               // forged, replayed or damaged: refuse it
      }
      exchange.close();
    });
    receiver.start();

    // --- The merchant's backend: engine and dispatcher on one store ---
    SimulatedChain chain = SimulatedChain.create(Clock.systemUTC(), Asset.BTC_REGTEST);
    InMemoryInvoiceStore store = new InMemoryInvoiceStore();
    String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hooks";
    try (WebhookDispatcher webhooks = WebhookDispatcher.builder()
            .invoiceStore(store)
            .deliveryStore(new InMemoryDeliveryStore())
            .endpoint(WebhookEndpoint.of("orders", url, WebhookSigner.v1(secret)))
            .pollInterval(Duration.ofMillis(100))
            .build()
            .start();
        InvoiceEngine engine = InvoiceEngine.builder().store(store).watcher(chain.newWatcher()).build().start()) {
      Invoice invoice = engine.createInvoice(InvoiceRequest.of("order-7", Money.parse(Asset.BTC_REGTEST, "0.01")));
      chain.payAndMine(invoice.address(), invoice.amountDue());
      webhooks.signal();                      // optional: send now rather than at the next poll

      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(paidOrders).containsExactly("order-7"));
    } finally {
      receiver.stop(0);
    }
  }
}
