package io.coinssend.invoice.examples.checkout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.coinssend.invoice.InvoiceEngine;
import io.coinssend.invoice.spi.InvoiceQuery;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.test.annotation.DirtiesContext;

/** The demo's REST API over HTTP: bad requests name their field and create nothing; the flow reaches PAID. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_EACH_TEST_METHOD)
class CheckoutApiTest {

  private static final ParameterizedTypeReference<Map<String, Object>> MAP = new ParameterizedTypeReference<>() {};

  @Autowired
  private TestRestTemplate http;

  @Autowired
  private InvoiceEngine engine;

  @Autowired
  private OrderBook orders;

  private ResponseEntity<Map<String, Object>> post(String path, String json) {
    HttpHeaders headers = new HttpHeaders();
    headers.setContentType(MediaType.APPLICATION_JSON);
    return http.exchange(path, HttpMethod.POST, new HttpEntity<>(json, headers), MAP);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> invoiceOf(ResponseEntity<Map<String, Object>> created) {
    return (Map<String, Object>) created.getBody().get("invoice");
  }

  @Test
  void badRequestsNameTheFieldAndCreateNothing() {
    Map<String, String> cases = Map.of(
        "{\"amount\":\"1\"}", "asset",
        "{\"asset\":\"DOGE\",\"amount\":\"1\"}", "asset",
        "{\"asset\":\"BTC\"}", "amount",
        "{\"asset\":\"BTC\",\"amount\":\"-1\"}", "amount",
        "{\"asset\":\"BTC\",\"amount\":\"0\"}", "amount",
        "{\"asset\":\"BTC\",\"amount\":\"0.000000001\"}", "amount",
        "{\"asset\":\"USDT\",\"amount\":\"1e3\"}", "amount",
        "{\"asset\":\"BTC\",\"amount\":\"1\",\"orderId\":\"" + "x".repeat(300) + "\"}", "orderId",
        "not json", "body");
    cases.forEach((body, field) -> {
      ResponseEntity<Map<String, Object>> response = post("/api/orders", body);
      assertThat(response.getStatusCode()).as(body).isEqualTo(HttpStatus.BAD_REQUEST);
      assertThat(response.getBody()).as(body).containsEntry("field", field).containsKey("error");
    });
    assertThat(engine.list(InvoiceQuery.all())).isEmpty();
    assertThat(orders.list()).isEmpty();
  }

  @Test
  void anOrderIsPaidInTwoPartsAndTheOrderSystemFollows() {
    ResponseEntity<Map<String, Object>> created = post("/api/orders",
        "{\"asset\":\"BTC\",\"amount\":\"0.002\",\"description\":\"Tea\"}");
    assertThat(created.getStatusCode()).isEqualTo(HttpStatus.CREATED);
    String id = (String) invoiceOf(created).get("id");
    assertThat(invoiceOf(created)).containsEntry("status", "NEW").containsEntry("amountDue", "0.002");
    assertThat((String) invoiceOf(created).get("paymentUri")).startsWith("bitcoin:").contains("amount=0.002");

    post("/api/dev/invoices/" + id + "/pay", "{\"kind\":\"less\"}");
    post("/api/dev/mine", "{\"asset\":\"BTC\"}");
    Map<String, Object> partial = http.exchange("/api/invoices/" + id, HttpMethod.GET, null, MAP).getBody();
    assertThat(partial).containsEntry("status", "PARTIALLY_PAID").containsEntry("remaining", "0.001");
    assertThat((String) partial.get("customerMessage")).contains("top up the remaining 0.001 BTC");

    post("/api/dev/invoices/" + id + "/pay", "{\"kind\":\"remaining\"}");
    assertThat(http.exchange("/api/invoices/" + id, HttpMethod.GET, null, MAP).getBody())
        .containsEntry("status", "PENDING");
    post("/api/dev/mine", "{\"asset\":\"BTC\"}");
    assertThat(http.exchange("/api/invoices/" + id, HttpMethod.GET, null, MAP).getBody())
        .containsEntry("status", "PAID");
    // The order system learns it through a signed webhook, asynchronously.
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
        assertThat(orders.list()).singleElement().satisfies(o -> assertThat(o.state()).isEqualTo("paid")));

    ResponseEntity<Map<String, Object>> illegal = post("/api/invoices/" + id + "/cancel", "{}");
    assertThat(illegal.getStatusCode()).isEqualTo(HttpStatus.CONFLICT);
    assertThat(illegal.getBody()).containsEntry("field", "status");
  }

  @Test
  void theShopsWebhookEndpointRefusesAForgedEvent() {
    String id = (String) invoiceOf(post("/api/orders", "{\"asset\":\"BTC\",\"amount\":\"0.001\"}")).get("id");
    String orderId = engine.getInvoice(io.coinssend.invoice.InvoiceId.of(id)).orderId();
    HttpHeaders headers = new HttpHeaders();
    headers.setContentType(MediaType.APPLICATION_JSON);
    headers.add("webhook-id", "evt_00000000000000000000000000000000");
    headers.add("webhook-timestamp", String.valueOf(System.currentTimeMillis() / 1000));
    headers.add("webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    String forged = "{\"type\":\"invoice.paid\",\"data\":{\"orderId\":\"" + orderId + "\"}}";
    ResponseEntity<String> response = http.exchange("/shop/webhooks", HttpMethod.POST,
        new HttpEntity<>(forged, headers), String.class);
    assertThat(response.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
    assertThat(orders.find(orderId).orElseThrow().state()).isEqualTo("awaiting payment");
  }

  @Test
  void theMerchantResolvesALatePayment() {
    String id = (String) invoiceOf(post("/api/orders", "{\"asset\":\"USDT\",\"amount\":\"25\"}")).get("id");
    post("/api/dev/invoices/" + id + "/pay-late", "{}");
    Map<String, Object> blocked = http.exchange("/api/invoices/" + id, HttpMethod.GET, null, MAP).getBody();
    assertThat(blocked).containsEntry("status", "BLOCKED").containsEntry("reason", "LATE_PAYMENT");
    ResponseEntity<Map<String, Object>> resolved = post("/api/invoices/" + id + "/mark-paid",
        "{\"actor\":\"alice\",\"note\":\"accepted\"}");
    assertThat(resolved.getBody()).containsEntry("status", "PAID").containsEntry("reason", "MARKED_PAID");
  }

  @Test
  void unknownInvoicesAre404AndTheQrCodeIsAnSvg() {
    ResponseEntity<Map<String, Object>> missing =
        http.exchange("/api/invoices/inv_missing", HttpMethod.GET, null, MAP);
    assertThat(missing.getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
    assertThat(missing.getBody()).containsEntry("field", "id");
    String id = (String) invoiceOf(post("/api/orders", "{\"asset\":\"ETH\",\"amount\":\"0.05\"}")).get("id");
    ResponseEntity<String> qr = http.getForEntity("/api/invoices/" + id + "/qr.svg", String.class);
    assertThat(qr.getHeaders().getContentType().toString()).startsWith("image/svg+xml");
    assertThat(qr.getBody()).startsWith("<svg").contains("<path d=\"M");
  }

  @Test
  void aCustomerWalletKeepsItsAddressAndCountsDeposits() {
    Map<String, Object> wallet = http.exchange("/api/customers/alice/wallet?asset=BTC", HttpMethod.GET, null, MAP)
        .getBody();
    String address = (String) wallet.get("address");
    post("/api/dev/deposits", "{\"customer\":\"alice\",\"asset\":\"BTC\",\"amount\":\"0.01\"}");
    post("/api/dev/mine", "{\"asset\":\"BTC\"}");
    Map<String, Object> after = http.exchange("/api/customers/alice/wallet?asset=BTC", HttpMethod.GET, null, MAP)
        .getBody();
    assertThat(after).containsEntry("address", address);
    assertThat(after.get("totals").toString()).contains("confirmed=0.01");
    assertThat(after.get("deposits").toString()).contains("CONFIRMED");
  }
}
