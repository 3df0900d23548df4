package io.coinssend.invoice.examples.checkout;

import static org.assertj.core.api.Assertions.assertThat;

import io.coinssend.invoice.Asset;
import io.coinssend.invoice.Invoice;
import io.coinssend.invoice.InvoiceId;
import io.coinssend.invoice.InvoiceStatus;
import io.coinssend.invoice.Money;
import io.coinssend.invoice.PaymentPolicy;
import io.coinssend.invoice.StatusReason;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class InvoiceViewsTest {

  private static Invoice in(StatusReason reason) {
    Instant t = Instant.parse("2026-11-24T12:00:00Z");
    return new Invoice(InvoiceId.of("inv_view"), "order-1", Money.ofUnits(Asset.BTC, 150_000), "bc1qview", 0,
        "bitcoin:bc1qview?amount=0.0015", t, t.plusSeconds(900), PaymentPolicy.bitcoinDefaults(), reason.status(),
        reason, List.of(), Optional.empty(), Map.of(), List.of(), 1);
  }

  @Test
  void everyStatusAndReasonHasItsOwnMessageForTheCustomer() {
    Set<String> messages = new HashSet<>();
    Set<InvoiceStatus> covered = new HashSet<>();
    for (StatusReason reason : StatusReason.values()) {
      String message = InvoiceViews.message(in(reason));
      assertThat(message).as(reason.name()).isNotBlank();
      messages.add(message);
      covered.add(reason.status());
    }
    assertThat(messages).as("no two reasons share a message").hasSize(StatusReason.values().length);
    assertThat(covered).containsExactlyInAnyOrder(InvoiceStatus.values());
    assertThat(InvoiceViews.message(in(StatusReason.AWAITING_PAYMENT))).contains("Send exactly 0.0015 BTC");
    assertThat(InvoiceViews.message(in(StatusReason.AWAITING_CONFIRMATIONS))).contains("Payment detected");
    assertThat(InvoiceViews.message(in(StatusReason.UNDERPAID))).contains("top up the remaining 0.0015 BTC");
    assertThat(InvoiceViews.message(in(StatusReason.LATE_PAYMENT))).contains("under review");
  }
}
