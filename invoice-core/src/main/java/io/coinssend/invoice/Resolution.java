package io.coinssend.invoice;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;

/**
 * A merchant's decision on an invoice: who took which action, why and when, and which payments it covered.
 *
 * <p>A later payment, reversal or unexpected asset that the resolution did not cover can block the invoice again:
 * a resolution settles what the merchant saw, not what arrives afterwards.
 *
 * @param action {@link MerchantAction#MARK_PAID}, {@link MerchantAction#CLOSE} or {@link MerchantAction#CANCEL}
 * @param actor who decided (a user name, a system name)
 * @param note why, free text, may be empty
 * @param at when
 * @param acknowledged the payments known when the decision was taken
 */
public record Resolution(MerchantAction action, String actor, String note, Instant at, Set<PaymentRef> acknowledged) {

  public Resolution {
    requireNonNull(action, "action");
    requireNonNull(actor, "actor");
    requireNonNull(note, "note");
    requireNonNull(at, "at");
    requireNonNull(acknowledged, "acknowledged");
    if (!action.isResolution()) {
      throw new IllegalArgumentException(action + " is not a resolution");
    }
    if (actor.isBlank() || actor.length() > 200) {
      throw new IllegalArgumentException("actor must be 1-200 characters, but was '" + actor + "'");
    }
    if (note.length() > 2000) {
      throw new IllegalArgumentException("note must be at most 2000 characters, but had " + note.length());
    }
    acknowledged = Collections.unmodifiableSet(new TreeSet<>(acknowledged));
  }

  /** Whether the resolution covered {@code payment}. */
  public boolean covers(PaymentRef payment) {
    return acknowledged.contains(payment);
  }
}
