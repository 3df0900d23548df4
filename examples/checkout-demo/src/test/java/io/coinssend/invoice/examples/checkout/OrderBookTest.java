package io.coinssend.invoice.examples.checkout;

import static org.assertj.core.api.Assertions.assertThat;

import io.coinssend.invoice.Asset;
import io.coinssend.invoice.EventType;
import io.coinssend.invoice.Invoice;
import io.coinssend.invoice.InvoiceEvent;
import io.coinssend.invoice.InvoiceId;
import io.coinssend.invoice.InvoiceStatus;
import io.coinssend.invoice.Money;
import io.coinssend.invoice.PaymentPolicy;
import io.coinssend.invoice.StatusReason;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class OrderBookTest {

  private static final Instant T = Instant.parse("2026-11-24T12:00:00Z");

  private static Invoice invoice(InvoiceStatus status, StatusReason reason, long version) {
    return new Invoice(InvoiceId.of("inv_book"), "order-7", Money.ofUnits(Asset.BTC, 1000), "bc1qbook", 0,
        "bitcoin:bc1qbook", T, T.plusSeconds(900), PaymentPolicy.bitcoinDefaults(), status, reason, List.of(),
        Optional.empty(), Map.of(), List.of(), version);
  }

  @Test
  void ignoresDuplicatesAndStaleVersions() {
    OrderBook book = new OrderBook();
    book.add("order-7", "Tea", invoice(InvoiceStatus.NEW, StatusReason.AWAITING_PAYMENT, 1));
    InvoiceEvent paid = InvoiceEvent.of(EventType.INVOICE_PAID, T.plusSeconds(60),
        invoice(InvoiceStatus.PAID, StatusReason.PAID_IN_FULL, 4), Optional.empty());
    InvoiceEvent pending = InvoiceEvent.of(EventType.INVOICE_PENDING, T.plusSeconds(30),
        invoice(InvoiceStatus.PENDING, StatusReason.AWAITING_CONFIRMATIONS, 2), Optional.empty());

    assertThat(book.onEvent(paid)).isTrue();
    assertThat(book.find("order-7").orElseThrow().state()).isEqualTo("paid");
    assertThat(book.onEvent(paid)).as("a duplicate").isFalse();
    assertThat(book.onEvent(pending)).as("a stale version arriving late").isFalse();
    assertThat(book.find("order-7").orElseThrow().state()).isEqualTo("paid");
    assertThat(book.find("order-7").orElseThrow().invoiceVersion()).isEqualTo(4);
  }
}
