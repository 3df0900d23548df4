package io.coinssend.invoice;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/**
 * One entry of an invoice's timeline: the status and reason it reached, when, and a note (who and why for a
 * merchant action; empty otherwise).
 */
public record StatusChange(InvoiceStatus status, StatusReason reason, Instant at, String note) {

  public StatusChange {
    requireNonNull(status, "status");
    requireNonNull(reason, "reason");
    requireNonNull(at, "at");
    requireNonNull(note, "note");
    if (reason.status() != status) {
      throw new IllegalArgumentException("reason " + reason + " does not explain status " + status);
    }
  }
}
