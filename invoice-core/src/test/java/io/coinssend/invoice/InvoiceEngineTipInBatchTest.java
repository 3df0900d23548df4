package io.coinssend.invoice;

import static org.assertj.core.api.Assertions.assertThat;

import io.coinssend.invoice.spi.ChainWatcher;
import io.coinssend.invoice.spi.PaymentSeen;
import io.coinssend.invoice.spi.TipChanged;
import io.coinssend.invoice.spi.WatchedAddress;
import io.coinssend.invoice.spi.WatcherCapability;
import io.coinssend.invoice.spi.WatcherContext;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A watcher that catches up several blocks at once reports a payment and a tip far above it in one batch; the
 * payment must be judged against that tip (regression: it was judged against the previous tip and, being touched by
 * the batch, skipped when awaiting invoices were recomputed, so it stayed PENDING until the next tip).
 */
class InvoiceEngineTipInBatchTest {

  private static final Asset COIN = Asset.nativeCoin("TST", "test", "net", 8);
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void aPaymentReportedWithATipTwelveBlocksAboveItIsSettled() {
    StubWatcher watcher = new StubWatcher();
    try (InvoiceEngine engine = InvoiceEngine.builder().watcher(watcher).clock(Clock.fixed(NOW, ZoneOffset.UTC))
        .tickInterval(java.time.Duration.ZERO).build().start()) {
      Invoice invoice = engine.createInvoice(InvoiceRequest.of("order-1", Money.ofUnits(COIN, 1000)));
      BlockRef paymentBlock = new BlockRef(100, "b100", NOW);
      BlockRef tip = new BlockRef(111, "b111", NOW);
      watcher.context.report(List.of(
          PaymentSeen.inBlock(invoice.address(), PaymentRef.of("tx1", 0), Money.ofUnits(COIN, 1000), paymentBlock),
          new TipChanged(tip)));
      // 12 confirmations (blocks 100..111) meet the policy of 12 given below.
      Invoice after = engine.getInvoice(invoice.id());
      assertThat(after.status()).isEqualTo(InvoiceStatus.PAID);
      assertThat(after.reason()).isEqualTo(StatusReason.PAID_IN_FULL);
    }
  }

  private static final class StubWatcher implements ChainWatcher {
    WatcherContext context;

    @Override
    public String chain() {
      return COIN.chainKey();
    }

    @Override
    public Set<Asset> assets() {
      return Set.of(COIN);
    }

    @Override
    public Set<WatcherCapability> capabilities() {
      return Set.of();
    }

    @Override
    public PaymentPolicy defaultPolicy(Asset asset) {
      return PaymentPolicy.ofConfirmations(12);
    }

    @Override
    public String derivationKey() {
      return "stub";
    }

    @Override
    public String deriveAddress(Asset asset, long index) {
      return "addr-" + index;
    }

    @Override
    public String paymentUri(Asset asset, String address, Money amount, Optional<String> label,
        Optional<String> message) {
      return "test:" + address;
    }

    @Override
    public void watch(WatchedAddress address) {}

    @Override
    public void unwatch(String address) {}

    @Override
    public void start(WatcherContext context) {
      this.context = context;
    }

    @Override
    public void close() {}
  }
}
