package io.coinssend.invoice;

import java.time.Instant;

/**
 * Something that happened, recorded in the store's event log in the same transaction as the change it describes.
 *
 * <p>{@link #id()} is stable (the webhook idempotency key); {@link #sequence()} is the event's position in the
 * store's single, gap-free log order (0 until the store assigned it). {@link #subjectVersion()} lets a receiver
 * ignore stale events without a lookup.
 */
public sealed interface Event permits InvoiceEvent, DepositEvent {

  /** The stable event id, {@code evt_} followed by 32 hexadecimal characters. */
  String id();

  EventType type();

  /** When the change happened, by the engine's clock. */
  Instant createdAt();

  /** The id of the invoice or deposit the event is about. */
  String subjectId();

  /** The subject's version after the change. */
  long subjectVersion();

  /** The position in the store's event log, or 0 before the store assigned it. */
  long sequence();

  /** This event with its log position. */
  Event withSequence(long sequence);
}
