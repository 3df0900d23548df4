package io.coinssend.invoice.spi;

import static java.util.Objects.requireNonNull;

import io.coinssend.invoice.Money;
import io.coinssend.invoice.PaymentRef;
import io.coinssend.invoice.ReversalCause;
import java.time.Instant;

/**
 * A transfer that was reported seen has left the chain and did not come back: its block was orphaned and the
 * transaction is neither in the new branch nor in the mempool, or it was replaced or double spent.
 *
 * <p>It carries the transfer's amount and first sighting too, so it can be applied even if the engine never saw
 * the transfer (after a crash, for example).
 *
 * @param address the watched address the transfer paid
 * @param ref the transfer's identity
 * @param amount its amount
 * @param seenAt when it was first seen
 * @param cause why it left
 * @param confirmationsBefore its confirmations just before it left (0 if it was unconfirmed)
 */
public record PaymentReversed(
    String address, PaymentRef ref, Money amount, Instant seenAt, ReversalCause cause, long confirmationsBefore)
    implements ChainFact {

  public PaymentReversed {
    requireNonNull(address, "address");
    requireNonNull(ref, "ref");
    requireNonNull(amount, "amount");
    requireNonNull(seenAt, "seenAt");
    requireNonNull(cause, "cause");
    if (!amount.isPositive()) {
      throw new IllegalArgumentException("a payment's amount must be positive, but was " + amount);
    }
    if (confirmationsBefore < 0) {
      throw new IllegalArgumentException(
          "confirmations before a reversal must not be negative, but was " + confirmationsBefore);
    }
  }
}
