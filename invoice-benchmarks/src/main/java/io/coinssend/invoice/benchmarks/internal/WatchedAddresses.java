package io.coinssend.invoice.benchmarks.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.bitcoinj.base.Address;

/**
 * The addresses a merchant watches while blocks arrive: {@value #PAID} of them are paid in each of the given blocks
 * (spread over it), the rest are random addresses of the same type mix that no block pays. Every watched set size
 * has the same payments, so only the set's size differs between runs. Deterministic.
 */
public final class WatchedAddresses {

  /** How many watched addresses each block pays. */
  public static final int PAID = 20;

  private WatchedAddresses() {}

  /** {@code count} watched addresses for {@code blocks}, the paid ones first. */
  public static List<Address> forBlocks(List<SyntheticBlock> blocks, int count) {
    if (count < PAID * blocks.size()) {
      throw new IllegalArgumentException("watch at least " + PAID * blocks.size() + " addresses, but was " + count);
    }
    List<Address> watched = new ArrayList<>(count);
    for (SyntheticBlock block : blocks) {
      List<Address> payees = block.payees();
      int step = (payees.size() - 1) / PAID;
      for (int i = 0; i < PAID; i++) {
        watched.add(payees.get(1 + i * step));
      }
    }
    SplittableRandom random = new SplittableRandom(count);
    while (watched.size() < count) {
      watched.add(SyntheticBlock.randomAddress(random));
    }
    return watched;
  }
}
