package io.coinssend.invoice.webhooks;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * When failed deliveries are tried again. The first attempt is immediate; attempt {@code n + 1} waits
 * {@code retryDelays[n - 1]} after attempt {@code n} failed, stretched or shrunk at random by up to
 * {@code jitterPercent} so that many failed deliveries do not return at the same instant. After the last attempt the
 * delivery is dead-lettered.
 *
 * <p>A receiver's {@code Retry-After} can only lengthen a wait, and by at most {@code maxRetryAfter}. Immutable.
 *
 * @param retryDelays the waits before the 2nd, 3rd... attempt (positive; at least one)
 * @param jitterPercent the random spread of each wait, 0 to 50 percent either way
 * @param maxRetryAfter the longest wait a {@code Retry-After} header can ask for
 */
public record RetrySchedule(List<Duration> retryDelays, int jitterPercent, Duration maxRetryAfter) {

  /**
   * The example schedule of the Standard Webhooks specification, with ±20 % jitter: attempts immediately, then after
   * 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and 24 h (10 attempts over about 3 days and 3.5 hours); a
   * {@code Retry-After} may ask for up to 24 h.
   */
  public static final RetrySchedule STANDARD = new RetrySchedule(List.of(
      Duration.ofSeconds(5), Duration.ofMinutes(5), Duration.ofMinutes(30), Duration.ofHours(2),
      Duration.ofHours(5), Duration.ofHours(10), Duration.ofHours(14), Duration.ofHours(20), Duration.ofHours(24)),
      20, Duration.ofHours(24));

  /**
   * The default: the specification's example shortened to span about a day, with ±20 % jitter: attempts immediately,
   * then after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h (8 attempts over about 27 hours and 35 minutes, the
   * schedule Svix uses); a {@code Retry-After} may ask for up to 24 h.
   */
  public static final RetrySchedule ONE_DAY = new RetrySchedule(List.of(
      Duration.ofSeconds(5), Duration.ofMinutes(5), Duration.ofMinutes(30), Duration.ofHours(2),
      Duration.ofHours(5), Duration.ofHours(10), Duration.ofHours(10)),
      20, Duration.ofHours(24));

  public RetrySchedule {
    retryDelays = List.copyOf(requireNonNull(retryDelays, "retryDelays"));
    requireNonNull(maxRetryAfter, "maxRetryAfter");
    if (retryDelays.isEmpty()) {
      throw new IllegalArgumentException("a retry schedule needs at least one retry delay");
    }
    for (Duration delay : retryDelays) {
      if (delay.isNegative() || delay.isZero()) {
        throw new IllegalArgumentException("retry delays must be positive, but one was " + delay);
      }
    }
    if (jitterPercent < 0 || jitterPercent > 50) {
      throw new IllegalArgumentException("jitterPercent must be 0 to 50, but was " + jitterPercent);
    }
    if (maxRetryAfter.isNegative()) {
      throw new IllegalArgumentException("maxRetryAfter must not be negative, but was " + maxRetryAfter);
    }
  }

  /** A schedule with these retry delays, ±20 % jitter and Retry-After up to 24 h. */
  public static RetrySchedule of(Duration... retryDelays) {
    return new RetrySchedule(List.of(retryDelays), 20, Duration.ofHours(24));
  }

  public RetrySchedule withJitterPercent(int jitterPercent) {
    return new RetrySchedule(retryDelays, jitterPercent, maxRetryAfter);
  }

  public RetrySchedule withMaxRetryAfter(Duration maxRetryAfter) {
    return new RetrySchedule(retryDelays, jitterPercent, maxRetryAfter);
  }

  /** How many attempts a delivery gets before it is dead-lettered: the retries plus the first attempt. */
  public int maxAttempts() {
    return retryDelays.size() + 1;
  }

  /**
   * The planned wait (without jitter) between attempt {@code attempt - 1} and attempt {@code attempt}.
   *
   * @throws IllegalArgumentException unless {@code 2 <= attempt <= maxAttempts()}
   */
  public Duration delayBefore(int attempt) {
    if (attempt < 2 || attempt > maxAttempts()) {
      throw new IllegalArgumentException("attempt must be 2 to " + maxAttempts() + ", but was " + attempt);
    }
    return retryDelays.get(attempt - 2);
  }

  /** {@link #delayBefore} with jitter drawn from {@code random}: within ±{@code jitterPercent} of it. */
  public Duration jitteredDelayBefore(int attempt, RandomGenerator random) {
    requireNonNull(random, "random");
    Duration delay = delayBefore(attempt);
    if (jitterPercent == 0) {
      return delay;
    }
    long millis = delay.toMillis();
    long spread = millis / 100 * jitterPercent + millis % 100 * jitterPercent / 100;
    long offset = spread == 0 ? 0 : random.nextLong(-spread, spread + 1);
    return Duration.ofMillis(Math.max(1, millis + offset));
  }
}
