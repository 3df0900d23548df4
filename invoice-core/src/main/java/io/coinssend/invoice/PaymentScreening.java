package io.coinssend.invoice;

import java.util.Optional;

/**
 * A hook that may hold a newly seen payment for review (for example after a sanctions or risk check). A held
 * payment makes the invoice BLOCKED with reason {@link StatusReason#SCREENING_HOLD} until the merchant resolves it.
 *
 * <p>Called once per payment, when the engine first sees it, on the thread applying chain facts; keep it fast.
 * If it throws, the payment is held with the reason "screening failed", so a broken hook never lets money
 * through unchecked.
 */
@FunctionalInterface
public interface PaymentScreening {

  /** Lets every payment through. */
  PaymentScreening NONE = (invoice, payment) -> Optional.empty();

  /**
   * Screens a payment.
   *
   * @return a reason to hold the payment for review, or empty to let it through
   */
  Optional<String> screen(Invoice invoice, Payment payment);
}
