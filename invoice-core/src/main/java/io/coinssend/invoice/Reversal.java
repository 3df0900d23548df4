package io.coinssend.invoice;

import static java.util.Objects.requireNonNull;

/**
 * How a payment left the chain.
 *
 * @param cause why it left
 * @param confirmationsBefore how many confirmations it had just before it left (0 when it was unconfirmed); the
 *     status rules compare this with the policy to tell a reversal after settlement from one before
 */
public record Reversal(ReversalCause cause, long confirmationsBefore) {

  public Reversal {
    requireNonNull(cause, "cause");
    if (confirmationsBefore < 0) {
      throw new IllegalArgumentException(
          "confirmations before a reversal must not be negative, but was " + confirmationsBefore);
    }
  }
}
