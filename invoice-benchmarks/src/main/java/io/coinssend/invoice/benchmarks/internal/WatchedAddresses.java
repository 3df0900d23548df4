package io.coinssend.invoice.benchmarks.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.bitcoinj.base.Address;

/**
 * The addresses a merchant watches while a block arrives: {@value #PAID} of them are paid by outputs of the block
 * (spread over it), the rest are random addresses of the same type mix that the block does not pay. Every watched
 * set size has the same {@value #PAID} matches, so only the set's size differs between runs. Deterministic.
 */
public final class WatchedAddresses {

  /** How many watched addresses the block pays. */
  public static final int PAID = 20;

  private WatchedAddresses() {}

  /** {@code count} watched addresses for {@code block}, the {@value #PAID} it pays first. */
  public static List<Address> forBlock(SyntheticBlock block, int count) {
    if (count < PAID) {
      throw new IllegalArgumentException("watch at least " + PAID + " addresses, but was " + count);
    }
    List<Address> payees = block.payees();
    List<Address> watched = new ArrayList<>(count);
    int step = (payees.size() - 1) / PAID;
    for (int i = 0; i < PAID; i++) {
      watched.add(payees.get(1 + i * step));
    }
    SplittableRandom random = new SplittableRandom(count);
    while (watched.size() < count) {
      watched.add(SyntheticBlock.randomAddress(random));
    }
    return watched;
  }
}
