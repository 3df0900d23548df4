package io.coinssend.invoice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.coinssend.invoice.json.InvoiceJson;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class InvoiceJsonTest {

  private static Invoice sample() {
    Payment paid = Fixtures.mined("tx-a", 60_000, Fixtures.T0.plusSeconds(5), 100);
    Payment late = Fixtures.reversed("tx-b", 70_000, Fixtures.EXPIRES.plusSeconds(1), ReversalCause.REPLACED, 0);
    Invoice base = Fixtures.invoice(PaymentPolicy.bitcoinDefaults(),
        Fixtures.resolution(MerchantAction.MARK_PAID, paid), paid, late, Fixtures.foreign("tx-c", Fixtures.T0));
    return new Invoice(base.id(), base.orderId(), base.amountDue(), base.address(), base.derivationIndex(),
        base.paymentUri(), base.createdAt(), base.expiresAt(), base.policy(), InvoiceStatus.PAID,
        StatusReason.MARKED_PAID,
        StatusRules.evaluate(base, Fixtures.tip(100), Fixtures.T0.plusSeconds(60)).payments(), base.resolution(),
        Map.of("customer", "Zoë \"Z\" O'Hara", "note", "line1\nline2"),
        java.util.List.of(new StatusChange(InvoiceStatus.NEW, StatusReason.AWAITING_PAYMENT, base.createdAt(), "")),
        3);
  }

  @Test
  void anInvoiceSurvivesTheRoundTripExactly() {
    Invoice invoice = sample();
    assertThat(InvoiceJson.readInvoice(InvoiceJson.write(invoice))).isEqualTo(invoice);
  }

  @Test
  void anEventSurvivesTheRoundTripWithItsEnvelope() throws Exception {
    Invoice invoice = sample();
    InvoiceEvent event = InvoiceEvent.of(EventType.INVOICE_PAYMENT_CONFIRMED, Fixtures.T0.plusSeconds(9), invoice,
        Optional.of(new PaymentRef("tx-a", 0))).withSequence(17);
    String json = InvoiceJson.write(event);
    assertThat(InvoiceJson.readEvent(json)).isEqualTo(event);
    JsonNode node = new ObjectMapper().readTree(json);
    assertThat(node.get("id").asText()).isEqualTo(event.id());
    assertThat(node.get("type").asText()).isEqualTo("invoice.payment_confirmed");
    assertThat(node.get("invoiceVersion").asLong()).isEqualTo(3);
    assertThat(node.get("sequence").asLong()).isEqualTo(17);
    assertThat(node.at("/data/amountDue").asText()).isEqualTo("0.001");
    assertThat(node.at("/data/amountDueUnits").asText()).isEqualTo("100000");
    assertThat(node.at("/data/received").asText()).isEqualTo("0.0006");
  }

  @Test
  void theBytesAWebhookSendsAreTheTextTheStoreKeepsAndTheTreeIsTheSameJson() throws Exception {
    Invoice invoice = sample();
    for (Optional<PaymentRef> payment : java.util.List.of(Optional.<PaymentRef>empty(),
        Optional.of(new PaymentRef("tx-a", 0)))) {
      InvoiceEvent event = InvoiceEvent.of(EventType.INVOICE_PAID, Fixtures.T0, invoice, payment).withSequence(8);
      String text = InvoiceJson.write(event);

      assertThat(InvoiceJson.writeBytes(event)).isEqualTo(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      assertThat(new ObjectMapper().writeValueAsString(InvoiceJson.toNode(event))).isEqualTo(text);
      assertThat(new ObjectMapper().readTree(text).get("payment").isNull()).isEqualTo(payment.isEmpty());
    }
    assertThat(new ObjectMapper().writeValueAsString(InvoiceJson.toNode(invoice)))
        .isEqualTo(InvoiceJson.write(invoice));
    // The metadata's quotes, control characters and non-ASCII letters are escaped or encoded, not lost.
    assertThat(InvoiceJson.readInvoice(InvoiceJson.write(invoice)).metadata())
        .containsEntry("customer", "Zo\u00eb \"Z\" O'Hara").containsEntry("note", "line1\nline2");
  }

  @Test
  void eventIdsAreStableForTheSameChange() {
    Invoice invoice = sample();
    InvoiceEvent a = InvoiceEvent.of(EventType.INVOICE_PAID, Fixtures.T0, invoice, Optional.empty());
    InvoiceEvent b = InvoiceEvent.of(EventType.INVOICE_PAID, Fixtures.T0.plusSeconds(60), invoice, Optional.empty());
    InvoiceEvent c = InvoiceEvent.of(EventType.INVOICE_PENDING, Fixtures.T0, invoice, Optional.empty());
    assertThat(a.id()).isEqualTo(b.id()).isNotEqualTo(c.id()).matches("evt_[0-9a-f]{32}");
  }

  @Test
  void aDepositEventSurvivesTheRoundTrip() throws Exception {
    PaymentRef ref = new PaymentRef("tx-dep", 2);
    Deposit deposit = new Deposit(DepositId.of("bc1qdep", ref), "customer \"7\"", Asset.BTC, "bc1qdep", ref,
        Money.ofUnits(Asset.BTC, 546), Fixtures.T0, Optional.of(Fixtures.block(101)), Optional.empty(), 1, true,
        DepositStatus.CONFIRMED, 4, 2);
    DepositEvent event = DepositEvent.of(EventType.DEPOSIT_CONFIRMED, Fixtures.T0, deposit).withSequence(5);
    String json = InvoiceJson.write(event);
    assertThat(InvoiceJson.readEvent(json)).isEqualTo(event);
    assertThat(InvoiceJson.readDeposit(InvoiceJson.write(deposit))).isEqualTo(deposit);
    JsonNode node = new ObjectMapper().readTree(json);
    assertThat(node.get("type").asText()).isEqualTo("deposit.confirmed");
    assertThat(node.get("depositId").asText()).isEqualTo(deposit.id().value());
    assertThat(node.get("depositVersion").asLong()).isEqualTo(2);
    assertThat(node.at("/data/amount").asText()).isEqualTo("0.00000546");
    assertThat(node.at("/data/dust").asBoolean()).isTrue();
  }

  @Test
  void malformedJsonIsAClearError() {
    assertThatThrownBy(() -> InvoiceJson.readInvoice("{\"id\":\"inv_1\"}"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("missing field");
    assertThatThrownBy(() -> InvoiceJson.readEvent("not json"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not valid JSON");
    String tampered = InvoiceJson.write(sample()).replace("\"amountDueUnits\":\"100000\"",
        "\"amountDueUnits\":\"-5\"");
    assertThatThrownBy(() -> InvoiceJson.readInvoice(tampered)).hasMessageContaining("must not be negative");
  }
}
