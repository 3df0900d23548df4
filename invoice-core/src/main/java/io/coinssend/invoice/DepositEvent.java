package io.coinssend.invoice;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/**
 * An event about a deposit, carrying the deposit as it was right after the change.
 *
 * @param id the stable event id
 * @param type {@code deposit.detected}, {@code deposit.confirmed} or {@code deposit.reversed}
 * @param createdAt when
 * @param deposit the deposit after the change (its version is the event's subject version)
 * @param sequence the log position, 0 until stored
 */
public record DepositEvent(String id, EventType type, Instant createdAt, Deposit deposit, long sequence)
    implements Event {

  public DepositEvent {
    requireNonNull(id, "id");
    requireNonNull(type, "type");
    requireNonNull(createdAt, "createdAt");
    requireNonNull(deposit, "deposit");
    if (!id.matches("evt_[0-9a-f]{32}")) {
      throw new IllegalArgumentException("event id must be evt_ and 32 hex characters, but was '" + id + "'");
    }
    if (!type.isDeposit()) {
      throw new IllegalArgumentException(type + " is not a deposit event");
    }
    if (sequence < 0) {
      throw new IllegalArgumentException("sequence must not be negative, but was " + sequence);
    }
  }

  /** A new event with an id derived from the deposit, its version and the type. */
  public static DepositEvent of(EventType type, Instant createdAt, Deposit deposit) {
    String key = deposit.id() + "/" + deposit.version() + "/" + type.code();
    return new DepositEvent(InvoiceEvent.stableId(key), type, createdAt, deposit, 0);
  }

  @Override
  public String subjectId() {
    return deposit.id().value();
  }

  @Override
  public long subjectVersion() {
    return deposit.version();
  }

  @Override
  public DepositEvent withSequence(long sequence) {
    return new DepositEvent(id, type, createdAt, deposit, sequence);
  }

  @Override
  public String toString() {
    return "DepositEvent[" + sequence + " " + type.code() + " " + deposit.id() + " v" + deposit.version() + " "
        + deposit.customerId() + " " + deposit.amount() + " " + deposit.status() + "]";
  }
}
