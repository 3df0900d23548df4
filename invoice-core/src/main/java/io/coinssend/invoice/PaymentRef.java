package io.coinssend.invoice;

import static java.util.Objects.requireNonNull;

/**
 * The identity of one transfer on a chain: the transaction id and the position of the transfer in it.
 *
 * <p>For bitcoin the index is the output index; for an ERC-20 transfer it is the log index; for a native EVM
 * transfer it is {@code -1} (the transaction's own value). Reporting the same reference twice is the same payment.
 *
 * @param txid the transaction id as the chain's explorers print it
 * @param index the output or log index, or {@code -1} for a transaction's native value
 */
public record PaymentRef(String txid, int index) implements Comparable<PaymentRef> {

  public PaymentRef {
    requireNonNull(txid, "txid");
    if (txid.isBlank() || txid.length() > 128 || txid.chars().anyMatch(c -> c <= ' ' || c > '~')) {
      throw new IllegalArgumentException("txid must be 1-128 printable characters, but was '" + txid + "'");
    }
    if (index < -1) {
      throw new IllegalArgumentException("payment index must be -1 or more, but was " + index);
    }
  }

  public static PaymentRef of(String txid, int index) {
    return new PaymentRef(txid, index);
  }

  @Override
  public int compareTo(PaymentRef other) {
    int byTx = txid.compareTo(other.txid);
    return byTx != 0 ? byTx : Integer.compare(index, other.index);
  }

  @Override
  public String toString() {
    return txid + ":" + index;
  }
}
