package io.coinssend.invoice;

import static io.coinssend.invoice.Fixtures.DUE;
import static io.coinssend.invoice.Fixtures.EXPIRES;
import static io.coinssend.invoice.Fixtures.T0;
import static io.coinssend.invoice.Fixtures.foreign;
import static io.coinssend.invoice.Fixtures.held;
import static io.coinssend.invoice.Fixtures.invoice;
import static io.coinssend.invoice.Fixtures.mempool;
import static io.coinssend.invoice.Fixtures.mined;
import static io.coinssend.invoice.Fixtures.resolution;
import static io.coinssend.invoice.Fixtures.reversed;
import static io.coinssend.invoice.Fixtures.tip;
import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The status table of DESIGN.md, row by row, with its edges. */
class StatusRulesTest {

  private static final PaymentPolicy ONE_CONF = PaymentPolicy.bitcoinDefaults();
  private static final Instant BEFORE = T0.plusSeconds(60);
  private static final Instant LATE = EXPIRES.plusSeconds(60);
  private static final Instant DURING = T0.plusSeconds(120);
  private static final Instant AFTER = EXPIRES.plusSeconds(120);

  private static StatusRules.Outcome at(Instant now, Optional<BlockRef> tip, Invoice invoice) {
    return StatusRules.evaluate(invoice, tip, now);
  }

  private static void expect(StatusRules.Outcome outcome, InvoiceStatus status, StatusReason reason) {
    assertThat(outcome.status()).as("status").isEqualTo(status);
    assertThat(outcome.reason()).as("reason").isEqualTo(reason);
  }

  @Nested
  class New {
    @Test
    void nothingReceivedBeforeExpiry() {
      expect(at(DURING, tip(100), invoice(ONE_CONF)), InvoiceStatus.NEW, StatusReason.AWAITING_PAYMENT);
    }

    @Test
    void oneMillisecondBeforeExpiryItIsStillNew() {
      expect(at(EXPIRES.minusMillis(1), tip(100), invoice(ONE_CONF)), InvoiceStatus.NEW,
          StatusReason.AWAITING_PAYMENT);
    }
  }

  @Nested
  class Expired {
    @Test
    void nothingReceivedByExpiry() {
      expect(at(EXPIRES, tip(100), invoice(ONE_CONF)), InvoiceStatus.EXPIRED, StatusReason.NOT_PAID_IN_TIME);
    }

    @Test
    void aPaymentThatLeftTheChainLeavesNothingReceived() {
      Invoice invoice = invoice(ONE_CONF, reversed("tx", DUE, BEFORE, ReversalCause.REPLACED, 0));
      expect(at(AFTER, tip(100), invoice), InvoiceStatus.EXPIRED, StatusReason.NOT_PAID_IN_TIME);
    }
  }

  @Nested
  class PartiallyPaid {
    @Test
    void oneBaseUnitShortBeforeExpiryTheCustomerMayTopUp() {
      Invoice invoice = invoice(ONE_CONF, mined("tx", DUE - 1, BEFORE, 100));
      StatusRules.Outcome outcome = at(DURING, tip(100), invoice);
      expect(outcome, InvoiceStatus.PARTIALLY_PAID, StatusReason.UNDERPAID);
    }

    @Test
    void anUnconfirmedPartialPaymentCountsAsReceived() {
      Invoice invoice = invoice(ONE_CONF, mempool("tx", 40_000, BEFORE));
      expect(at(DURING, tip(100), invoice), InvoiceStatus.PARTIALLY_PAID, StatusReason.UNDERPAID);
    }

    @Test
    void afterExpiryItWaitsForTheMerchant() {
      Invoice invoice = invoice(ONE_CONF, mined("tx", 40_000, BEFORE, 100));
      expect(at(AFTER, tip(100), invoice), InvoiceStatus.PARTIALLY_PAID, StatusReason.UNDERPAID_EXPIRED);
    }

    @Test
    void justBelowTheToleranceBoundaryIsStillPartial() {
      PaymentPolicy onePercent = ONE_CONF.withTolerancePercent(BigDecimal.ONE);
      Invoice invoice = invoice(onePercent, mined("tx", 98_999, BEFORE, 100));
      expect(at(DURING, tip(100), invoice), InvoiceStatus.PARTIALLY_PAID, StatusReason.UNDERPAID);
    }

    @Test
    void aSettledPartialPaymentReversedFallsBackToNew() {
      Invoice invoice = invoice(ONE_CONF, reversed("tx", 40_000, BEFORE, ReversalCause.REORG, 3));
      expect(at(DURING, tip(100), invoice), InvoiceStatus.NEW, StatusReason.AWAITING_PAYMENT);
    }
  }

  @Nested
  class Pending {
    @Test
    void theExactAmountUnconfirmed() {
      Invoice invoice = invoice(ONE_CONF, mempool("tx", DUE, BEFORE));
      StatusRules.Outcome outcome = at(DURING, tip(100), invoice);
      expect(outcome, InvoiceStatus.PENDING, StatusReason.AWAITING_CONFIRMATIONS);
      assertThat(outcome.payments()).singleElement().satisfies(p -> {
        assertThat(p.onTime()).isTrue();
        assertThat(p.settled()).isFalse();
      });
    }

    @Test
    void stillPendingWhenTheExpiryPassesBeforeTheConfirmation() {
      Invoice invoice = invoice(ONE_CONF, mempool("tx", DUE, BEFORE));
      expect(at(AFTER, tip(100), invoice), InvoiceStatus.PENDING, StatusReason.AWAITING_CONFIRMATIONS);
    }

    @Test
    void aPaymentMovedByAReorgAboveTheTipIsNotConfirmed() {
      Invoice invoice = invoice(ONE_CONF, mined("tx", DUE, BEFORE, 101));
      expect(at(DURING, tip(100), invoice), InvoiceStatus.PENDING, StatusReason.AWAITING_CONFIRMATIONS);
    }

    @Test
    void moreConfirmationsThanTheTipGivesIsPending() {
      PaymentPolicy six = ONE_CONF.withConfirmations(6);
      Invoice invoice = invoice(six, mined("tx", DUE, BEFORE, 100));
      expect(at(DURING, tip(104), invoice), InvoiceStatus.PENDING, StatusReason.AWAITING_CONFIRMATIONS);
      expect(at(DURING, tip(105), invoice), InvoiceStatus.PAID, StatusReason.PAID_IN_FULL);
    }

    @Test
    void overpaidButUnconfirmedIsPending() {
      Invoice invoice = invoice(ONE_CONF, mempool("tx", DUE + 1, BEFORE));
      expect(at(DURING, tip(100), invoice), InvoiceStatus.PENDING, StatusReason.AWAITING_CONFIRMATIONS);
    }

    @Test
    void anRbfReplacementPayingTheSameAmountKeepsItPending() {
      Invoice invoice = invoice(ONE_CONF, reversed("original", DUE, BEFORE, ReversalCause.REPLACED, 0),
          mempool("replacement", DUE, BEFORE.plusSeconds(5)));
      expect(at(DURING, tip(100), invoice), InvoiceStatus.PENDING, StatusReason.AWAITING_CONFIRMATIONS);
    }
  }

  @Nested
  class Paid {
    @Test
    void exactlyTheAmountDueSettled() {
      Invoice invoice = invoice(ONE_CONF, mined("tx", DUE, BEFORE, 100));
      StatusRules.Outcome outcome = at(DURING, tip(100), invoice);
      expect(outcome, InvoiceStatus.PAID, StatusReason.PAID_IN_FULL);
      assertThat(outcome.payments().get(0).settled()).isTrue();
    }

    @Test
    void atTheToleranceBoundary() {
      PaymentPolicy onePercent = ONE_CONF.withTolerancePercent(BigDecimal.ONE);
      Invoice invoice = invoice(onePercent, mined("tx", 99_000, BEFORE, 100));
      expect(at(DURING, tip(100), invoice), InvoiceStatus.PAID, StatusReason.PAID_WITHIN_TOLERANCE);
    }

    @Test
    void aTopUpCompletesAPartialPayment() {
      Invoice invoice = invoice(ONE_CONF, mined("first", 60_000, BEFORE, 100),
          mined("topup", 40_000, BEFORE.plusSeconds(100), 101));
      expect(at(DURING, tip(101), invoice), InvoiceStatus.PAID, StatusReason.PAID_IN_FULL);
    }

    @Test
    void aLatePaymentOnAPaidInvoiceChangesNothing() {
      Invoice invoice = invoice(ONE_CONF, mined("tx", DUE, BEFORE, 100), mined("late", 5_000, LATE, 110));
      StatusRules.Outcome outcome = at(AFTER, tip(110), invoice);
      expect(outcome, InvoiceStatus.PAID, StatusReason.PAID_IN_FULL);
      assertThat(outcome.payments()).filteredOn(p -> !p.onTime()).hasSize(1);
    }

    @Test
    void zeroConfirmationsSettlesOnSight() {
      Invoice invoice = invoice(PaymentPolicy.ofConfirmations(0), mempool("tx", DUE, BEFORE));
      expect(at(DURING, Optional.empty(), invoice), InvoiceStatus.PAID, StatusReason.PAID_IN_FULL);
    }

    @Test
    void aPaymentSeenOneMillisecondBeforeExpiryIsOnTime() {
      Invoice invoice = invoice(ONE_CONF, mined("tx", DUE, EXPIRES.minusMillis(1), 100));
      expect(at(AFTER, tip(100), invoice), InvoiceStatus.PAID, StatusReason.PAID_IN_FULL);
    }
  }

  @Nested
  class Overpaid {
    @Test
    void oneBaseUnitOverSettled() {
      Invoice invoice = invoice(ONE_CONF, mined("tx", DUE + 1, BEFORE, 100));
      expect(at(DURING, tip(100), invoice), InvoiceStatus.OVERPAID, StatusReason.PAID_OVER);
    }

    @Test
    void twoPaymentsAddingUpToMore() {
      Invoice invoice = invoice(ONE_CONF, mined("a", 70_000, BEFORE, 100), mined("b", 70_000, BEFORE, 100));
      expect(at(DURING, tip(100), invoice), InvoiceStatus.OVERPAID, StatusReason.PAID_OVER);
    }
  }

  @Nested
  class Blocked {
    @Test
    void aPaymentFirstSeenExactlyAtExpiryIsLate() {
      Invoice invoice = invoice(ONE_CONF, mined("tx", DUE, EXPIRES, 100));
      expect(at(AFTER, tip(100), invoice), InvoiceStatus.BLOCKED, StatusReason.LATE_PAYMENT);
    }

    @Test
    void aLatePaymentOnAnExpiredInvoice() {
      Invoice invoice = invoice(ONE_CONF, mempool("late", DUE, LATE));
      expect(at(AFTER, tip(100), invoice), InvoiceStatus.BLOCKED, StatusReason.LATE_PAYMENT);
    }

    @Test
    void aLateTopUpOnAPartiallyPaidInvoice() {
      Invoice invoice = invoice(ONE_CONF, mined("first", 60_000, BEFORE, 100), mined("late", 40_000, LATE, 105));
      expect(at(AFTER, tip(105), invoice), InvoiceStatus.BLOCKED, StatusReason.LATE_PAYMENT);
    }

    @Test
    void aSettledPaymentReversedAfterThePaidStatus() {
      Invoice invoice = invoice(ONE_CONF, reversed("tx", DUE, BEFORE, ReversalCause.REORG, 1));
      expect(at(DURING, tip(101), invoice), InvoiceStatus.BLOCKED, StatusReason.PAYMENT_REVERSED);
    }

    @Test
    void aZeroConfirmationPaymentDoubleSpentAfterPaid() {
      Invoice invoice = invoice(PaymentPolicy.ofConfirmations(0),
          reversed("tx", DUE, BEFORE, ReversalCause.DOUBLE_SPENT, 0));
      expect(at(DURING, Optional.empty(), invoice), InvoiceStatus.BLOCKED, StatusReason.PAYMENT_REVERSED);
    }

    @Test
    void aTransferOfAnotherAsset() {
      Invoice invoice = invoice(ONE_CONF, foreign("token", BEFORE));
      expect(at(DURING, tip(100), invoice), InvoiceStatus.BLOCKED, StatusReason.UNEXPECTED_ASSET);
    }

    @Test
    void aPaymentHeldByScreening() {
      Invoice invoice = invoice(ONE_CONF, held(mined("tx", DUE, BEFORE, 100), "sanctions list"));
      expect(at(DURING, tip(100), invoice), InvoiceStatus.BLOCKED, StatusReason.SCREENING_HOLD);
    }
  }

  @Nested
  class Reversals {
    @Test
    void beforeSettlementThePaidInvoiceFallsBackToNew() {
      Invoice invoice = invoice(ONE_CONF, reversed("tx", DUE, BEFORE, ReversalCause.REPLACED, 0));
      expect(at(DURING, tip(100), invoice), InvoiceStatus.NEW, StatusReason.AWAITING_PAYMENT);
    }

    @Test
    void beforeSettlementAPartOfItFallsBackToPartiallyPaid() {
      Invoice invoice = invoice(ONE_CONF, mined("kept", 30_000, BEFORE, 100),
          reversed("gone", 70_000, BEFORE, ReversalCause.REPLACED, 0));
      expect(at(DURING, tip(100), invoice), InvoiceStatus.PARTIALLY_PAID, StatusReason.UNDERPAID);
    }

    @Test
    void afterSettlementButStillPaidInFullByOtherPaymentsItStaysPaid() {
      Invoice invoice = invoice(PaymentPolicy.ofConfirmations(0),
          reversed("original", DUE, BEFORE, ReversalCause.REPLACED, 0), mempool("replacement", DUE, BEFORE));
      expect(at(DURING, Optional.empty(), invoice), InvoiceStatus.PAID, StatusReason.PAID_IN_FULL);
    }
  }

  @Nested
  class MerchantResolutions {
    @Test
    void markPaidAcceptsAPartialPayment() {
      Payment partial = mined("tx", 40_000, BEFORE, 100);
      Invoice invoice = invoice(ONE_CONF, resolution(MerchantAction.MARK_PAID, partial), partial);
      expect(at(AFTER, tip(100), invoice), InvoiceStatus.PAID, StatusReason.MARKED_PAID);
    }

    @Test
    void aLatePaymentAfterMarkPaidChangesNothing() {
      Payment partial = mined("tx", 40_000, BEFORE, 100);
      Invoice invoice = invoice(ONE_CONF, resolution(MerchantAction.MARK_PAID, partial), partial,
          mined("later", 10_000, LATE, 105));
      expect(at(AFTER, tip(105), invoice), InvoiceStatus.PAID, StatusReason.MARKED_PAID);
    }

    @Test
    void aReversalOfAnAcceptedPaymentBlocksAgain() {
      Payment partial = mined("tx", 40_000, BEFORE, 100);
      Invoice invoice = invoice(ONE_CONF, resolution(MerchantAction.MARK_PAID, partial),
          reversed("tx", 40_000, BEFORE, ReversalCause.REORG, 1));
      expect(at(AFTER, tip(101), invoice), InvoiceStatus.BLOCKED, StatusReason.PAYMENT_REVERSED);
    }

    @Test
    void anUnexpectedAssetAfterMarkPaidBlocksAgain() {
      Payment partial = mined("tx", 40_000, BEFORE, 100);
      Invoice invoice = invoice(ONE_CONF, resolution(MerchantAction.MARK_PAID, partial), partial,
          foreign("token", LATE));
      expect(at(AFTER, tip(100), invoice), InvoiceStatus.BLOCKED, StatusReason.UNEXPECTED_ASSET);
    }

    @Test
    void markPaidCoversTheUnexpectedAssetItSaw() {
      Payment token = foreign("token", BEFORE);
      Invoice invoice = invoice(ONE_CONF, resolution(MerchantAction.MARK_PAID, token), token);
      expect(at(AFTER, tip(100), invoice), InvoiceStatus.PAID, StatusReason.MARKED_PAID);
    }

    @Test
    void closeEndsIt() {
      Payment partial = mined("tx", 40_000, BEFORE, 100);
      Invoice invoice = invoice(ONE_CONF, resolution(MerchantAction.CLOSE, partial), partial);
      expect(at(AFTER, tip(100), invoice), InvoiceStatus.EXPIRED, StatusReason.CLOSED);
    }

    @Test
    void aPaymentAfterCloseBlocks() {
      Payment partial = mined("tx", 40_000, BEFORE, 100);
      Invoice invoice = invoice(ONE_CONF, resolution(MerchantAction.CLOSE, partial), partial,
          mempool("after", 60_000, LATE));
      expect(at(AFTER, tip(100), invoice), InvoiceStatus.BLOCKED, StatusReason.LATE_PAYMENT);
    }

    @Test
    void cancelEndsANewInvoiceAndAPaymentAfterwardsBlocks() {
      Invoice cancelled = invoice(ONE_CONF, resolution(MerchantAction.CANCEL));
      expect(at(DURING, tip(100), cancelled), InvoiceStatus.EXPIRED, StatusReason.CANCELLED);
      Invoice paidAnyway = invoice(ONE_CONF, resolution(MerchantAction.CANCEL), mempool("tx", DUE, DURING));
      expect(at(DURING, tip(100), paidAnyway), InvoiceStatus.BLOCKED, StatusReason.LATE_PAYMENT);
    }
  }
}
