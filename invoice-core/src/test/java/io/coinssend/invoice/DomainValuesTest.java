package io.coinssend.invoice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DomainValuesTest {

  @Test
  void assetsNameTheirChainAndCheckTheirParts() {
    assertThat(Asset.BTC.key()).isEqualTo("BTC@bitcoin:mainnet");
    assertThat(Asset.BTC_REGTEST.chainKey()).isEqualTo("bitcoin:regtest");
    Asset usdt = Asset.token("USDT", "ethereum", "mainnet", 6, "0xdAC17F958D2ee523a2206206994597C13D831ec7");
    assertThat(usdt.isToken()).isTrue();
    assertThatThrownBy(() -> Asset.nativeCoin("BTC", "Bitcoin", "mainnet", 8))
        .hasMessageContaining("chain must be 1-64 lower-case");
    assertThatThrownBy(() -> Asset.nativeCoin("", "bitcoin", "mainnet", 8)).hasMessageContaining("asset code");
    assertThatThrownBy(() -> Asset.nativeCoin("BTC", "bitcoin", "mainnet", 37))
        .hasMessage("decimals must be between 0 and 36, but was 37");
    assertThatThrownBy(() -> Asset.token("X", "ethereum", "mainnet", 6, "bad contract"))
        .hasMessageContaining("token contract");
  }

  @Test
  void policyDefaultsAreThoseOfTheDesign() {
    PaymentPolicy bitcoin = PaymentPolicy.bitcoinDefaults();
    assertThat(bitcoin.confirmations()).isEqualTo(1);
    assertThat(bitcoin.tolerancePercent()).isEqualByComparingTo("0");
    assertThat(bitcoin.expiry()).isEqualTo(Duration.ofMinutes(15));
    assertThat(bitcoin.monitoringWindow()).isEqualTo(Duration.ofHours(24));
    assertThat(PaymentPolicy.evmDefaults().confirmations()).isEqualTo(12);
    assertThat(PaymentPolicy.ofConfirmations(0).confirmations()).isZero();
  }

  @Test
  void policyRejectsNonsense() {
    PaymentPolicy base = PaymentPolicy.bitcoinDefaults();
    assertThatThrownBy(() -> base.withConfirmations(-1)).hasMessageContaining("confirmations must be between");
    assertThatThrownBy(() -> base.withTolerancePercent(new BigDecimal("100")))
        .hasMessageContaining("less than 100 %");
    assertThatThrownBy(() -> base.withTolerancePercent(new BigDecimal("-0.1"))).hasMessageContaining("at least 0");
    assertThatThrownBy(() -> base.withExpiry(Duration.ofSeconds(5))).hasMessageContaining("expiry must be between");
    assertThatThrownBy(() -> base.withMonitoringWindow(Duration.ofSeconds(-1)))
        .hasMessageContaining("monitoring window");
  }

  @Test
  void thresholdRoundsUpSoTheToleranceNeverAcceptsLess() {
    Money due = Money.ofUnits(Asset.BTC, 100_000);
    assertThat(PaymentPolicy.bitcoinDefaults().threshold(due)).isEqualTo(due);
    PaymentPolicy onePercent = PaymentPolicy.bitcoinDefaults().withTolerancePercent(BigDecimal.ONE);
    assertThat(onePercent.threshold(due).units().longValue()).isEqualTo(99_000);
    // 101 × 0.99 = 99.99: rounding down would accept 99, which is more than 1 % short.
    assertThat(onePercent.threshold(Money.ofUnits(Asset.BTC, 101)).units().longValue()).isEqualTo(100);
  }

  @Test
  void generatedInvoiceIdsAreUniqueAndSortByTime() {
    Set<InvoiceId> ids = new HashSet<>();
    Instant t = Instant.parse("2026-01-01T00:00:00Z");
    InvoiceId previous = null;
    for (int i = 0; i < 1000; i++) {
      InvoiceId id = InvoiceId.generate(t.plusMillis(i));
      assertThat(id.value()).matches("inv_[0-9a-hjkmnp-tv-z]{26}");
      if (previous != null) {
        assertThat(id).isGreaterThan(previous);
      }
      previous = id;
      ids.add(id);
    }
    assertThat(ids).hasSize(1000);
    assertThatThrownBy(() -> InvoiceId.of("has space")).hasMessageContaining("invoice id must be");
  }

  @Test
  void invoiceRequestsRejectBadInput() {
    Money amount = Money.ofUnits(Asset.BTC, 1000);
    assertThatThrownBy(() -> InvoiceRequest.of(null, amount)).isInstanceOf(NullPointerException.class)
        .hasMessage("orderId");
    assertThatThrownBy(() -> InvoiceRequest.of("  ", amount)).hasMessage("order id must not be blank");
    assertThatThrownBy(() -> InvoiceRequest.of("x".repeat(201), amount))
        .hasMessageContaining("at most 200 characters");
    assertThatThrownBy(() -> InvoiceRequest.of("a\nb", amount)).hasMessageContaining("control characters");
    assertThatThrownBy(() -> InvoiceRequest.of("o1", Money.zero(Asset.BTC))).hasMessageContaining("positive");
    assertThatThrownBy(() -> InvoiceRequest.of("o1", amount).withExpiresIn(Duration.ofSeconds(-5)))
        .hasMessageContaining("expiry must be between");
    assertThatThrownBy(() -> InvoiceRequest.of("o1", amount).withMetadata(Map.of("", "v")))
        .hasMessageContaining("metadata keys");
  }

  @Test
  void merchantActionsHaveTheirLegalStartsInOnePlace() {
    assertThat(MerchantAction.MARK_PAID.legalFrom())
        .containsExactlyInAnyOrder(InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.BLOCKED);
    assertThat(MerchantAction.CLOSE.legalFrom())
        .containsExactlyInAnyOrder(InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.BLOCKED);
    assertThat(MerchantAction.CANCEL.legalFrom()).containsExactly(InvoiceStatus.NEW);
    assertThat(MerchantAction.EXTEND_EXPIRY.legalFrom())
        .containsExactlyInAnyOrder(InvoiceStatus.NEW, InvoiceStatus.PARTIALLY_PAID);
    assertThat(MerchantAction.MARK_PAID.targetFrom(InvoiceStatus.BLOCKED)).isEqualTo(InvoiceStatus.PAID);
    assertThat(MerchantAction.EXTEND_EXPIRY.targetFrom(InvoiceStatus.PARTIALLY_PAID))
        .isEqualTo(InvoiceStatus.PARTIALLY_PAID);
    IllegalTransitionException e =
        new IllegalTransitionException(InvoiceId.of("inv_x"), MerchantAction.MARK_PAID, InvoiceStatus.NEW);
    assertThat(e.from()).isEqualTo(InvoiceStatus.NEW);
    assertThat(e.to()).isEqualTo(InvoiceStatus.PAID);
    assertThat(e.getMessage()).contains("NEW").contains("PAID").contains("MARK_PAID");
  }

  @Test
  void everyReasonBelongsToOneStatusAndEveryStatusHasAReason() {
    Set<InvoiceStatus> explained = new HashSet<>();
    for (StatusReason reason : StatusReason.values()) {
      explained.add(reason.status());
    }
    assertThat(explained).containsExactlyInAnyOrder(InvoiceStatus.values());
    assertThat(InvoiceStatus.values()).hasSize(7);
  }
}
