package io.coinssend.invoice.evm.internal;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with jitter: the n-th wait is drawn between half and all of {@code min(max, initial × 2^(n-1))},
 * so clients that failed together do not retry together.
 *
 * @param initial the first wait (before jitter)
 * @param max the longest wait
 */
public record Backoff(Duration initial, Duration max) {

  public Backoff {
    requireNonNull(initial, "initial");
    requireNonNull(max, "max");
    if (initial.isNegative() || initial.isZero()) {
      throw new IllegalArgumentException("initial backoff must be positive, but was " + initial);
    }
    if (max.compareTo(initial) < 0) {
      throw new IllegalArgumentException("max backoff " + max + " must not be shorter than the initial " + initial);
    }
  }

  /** The ceiling of the wait after the {@code failures}-th consecutive failure (1 for the first), before jitter. */
  public Duration ceiling(int failures) {
    if (failures < 1) {
      throw new IllegalArgumentException("failures must be at least 1, but was " + failures);
    }
    long millis = initial.toMillis();
    for (int i = 1; i < failures && millis < max.toMillis(); i++) {
      millis *= 2;
    }
    return Duration.ofMillis(Math.min(millis, max.toMillis()));
  }

  /** The wait after the {@code failures}-th consecutive failure: between half and all of {@link #ceiling}. */
  public Duration delay(int failures) {
    long ceiling = ceiling(failures).toMillis();
    long floor = ceiling / 2;
    return Duration.ofMillis(floor + ThreadLocalRandom.current().nextLong(ceiling - floor + 1));
  }
}
