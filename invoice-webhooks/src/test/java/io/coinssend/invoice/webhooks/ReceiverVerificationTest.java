package io.coinssend.invoice.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.coinssend.invoice.Asset;
import io.coinssend.invoice.Event;
import io.coinssend.invoice.InvoiceEvent;
import io.coinssend.invoice.InvoiceRequest;
import io.coinssend.invoice.Money;
import io.coinssend.invoice.json.InvoiceJson;
import io.coinssend.invoice.testkit.ManualClock;
import io.coinssend.invoice.webhooks.WebhookVerificationException.Reason;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A receiver verifying real event bodies: the event comes back whole, and the usual ways of damaging the raw body
 * before verifying (re-serialising the JSON, decoding with the wrong charset) are refused.
 */
class ReceiverVerificationTest {

  private final ManualClock clock = ManualClock.startingAt2026();
  private final Shop shop = new Shop(clock);
  private final WebhookSecret secret = WebhookSecret.generate();
  private final WebhookVerifier verifier = WebhookVerifier.builder().secret(secret).clock(clock).build();

  @AfterEach
  void close() {
    shop.close();
  }

  private Event event() {
    shop.engine.createInvoice(InvoiceRequest.of("order-café-1", Money.parse(Asset.BTC_REGTEST, "0.0015"))
        .withMetadata(Map.of("customer", "Zoë Müller", "note", "line one\nline two")));
    return shop.events(0).get(0);
  }

  private Map<String, List<String>> signed(String id, byte[] body) {
    long now = clock.instant().getEpochSecond();
    return Map.of("webhook-id", List.of(id), "webhook-timestamp", List.of(Long.toString(now)),
        "webhook-signature", List.of(WebhookSigner.v1(secret).sign(id, now, body)));
  }

  @Test
  void verifyReturnsTheEventAsStored() {
    Event event = event();
    byte[] body = InvoiceJson.writeBytes(event);

    Event received = verifier.verify(signed(event.id(), body), body);

    assertThat(received.id()).isEqualTo(event.id());
    assertThat(received.sequence()).isEqualTo(event.sequence());
    assertThat(((InvoiceEvent) received).invoice()).isEqualTo(((InvoiceEvent) event).invoice());
    assertThat(((InvoiceEvent) received).invoice().metadata()).containsEntry("customer", "Zoë Müller");
  }

  @Test
  void aWebhookIdThatIsNotTheBodysEventIdIsRefused() {
    Event event = event();
    byte[] body = InvoiceJson.writeBytes(event);
    String otherId = "evt_" + "0".repeat(32);

    WebhookVerificationException e = catchThrowableOfType(WebhookVerificationException.class,
        () -> verifier.verify(signed(otherId, body), body));

    assertThat(e.reason()).isEqualTo(Reason.MALFORMED_PAYLOAD);
    assertThat(e.getMessage()).contains(otherId).contains(event.id());
  }

  @Test
  void aReSerialisedOrReDecodedBodyNoLongerVerifies() throws Exception {
    Event event = event();
    byte[] body = InvoiceJson.writeBytes(event);
    Map<String, List<String>> headers = signed(event.id(), body);
    ObjectMapper mapper = new ObjectMapper();

    byte[] pretty = mapper.writerWithDefaultPrettyPrinter().writeValueAsBytes(mapper.readTree(body));
    byte[] latin1 = new String(body, StandardCharsets.ISO_8859_1).getBytes(StandardCharsets.UTF_8);

    for (byte[] damaged : List.of(pretty, latin1)) {
      WebhookVerificationException e = catchThrowableOfType(WebhookVerificationException.class,
          () -> verifier.verify(headers, damaged));
      assertThat(e.reason()).isEqualTo(Reason.NO_MATCHING_SIGNATURE);
    }
    assertThat(mapper.readTree(pretty)).as("the same JSON, other bytes").isEqualTo(mapper.readTree(body));
  }
}
