package io.coinssend.invoice;

import static java.util.Objects.requireNonNull;

import java.util.regex.Pattern;

/**
 * The identifier of a deposit: {@code dep_} and 32 hexadecimal characters derived from the address and the
 * transfer, so one transfer is always the same deposit.
 */
public record DepositId(String value) implements Comparable<DepositId> {

  private static final Pattern VALID = Pattern.compile("dep_[0-9a-f]{32}");

  public DepositId {
    requireNonNull(value, "value");
    if (!VALID.matcher(value).matches()) {
      throw new IllegalArgumentException("deposit id must be dep_ and 32 hex characters, but was '" + value + "'");
    }
  }

  public static DepositId of(String value) {
    return new DepositId(value);
  }

  /** The id of the deposit made by transfer {@code ref} to {@code address}. */
  public static DepositId of(String address, PaymentRef ref) {
    return new DepositId("dep_" + InvoiceEvent.stableId(address + "/" + ref).substring(4));
  }

  @Override
  public int compareTo(DepositId other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
