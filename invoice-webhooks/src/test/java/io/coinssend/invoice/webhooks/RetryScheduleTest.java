package io.coinssend.invoice.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RetryScheduleTest {

  @Test
  void theDefaultScheduleSpansAboutADay() {
    assertThat(RetrySchedule.ONE_DAY.retryDelays()).containsExactly(Duration.ofSeconds(5), Duration.ofMinutes(5),
        Duration.ofMinutes(30), Duration.ofHours(2), Duration.ofHours(5), Duration.ofHours(10), Duration.ofHours(10));
    assertThat(RetrySchedule.ONE_DAY.retryDelays().stream().reduce(Duration.ZERO, Duration::plus))
        .isEqualTo(Duration.ofHours(27).plusMinutes(35).plusSeconds(5));
    assertThat(RetrySchedule.ONE_DAY.maxAttempts()).isEqualTo(8);
  }

  @Test
  void theStandardScheduleIsTheSpecificationExample() {
    assertThat(RetrySchedule.STANDARD.retryDelays()).isEqualTo(WebhookDispatcherTest.SPEC_RETRY_DELAYS);
    assertThat(RetrySchedule.STANDARD.maxAttempts()).isEqualTo(10);
    assertThat(RetrySchedule.STANDARD.jitterPercent()).isEqualTo(20);
    assertThat(RetrySchedule.STANDARD.retryDelays().stream().reduce(Duration.ZERO, Duration::plus))
        .isEqualTo(WebhookDispatcherTest.SPEC_TOTAL);
    assertThat(RetrySchedule.STANDARD.delayBefore(2)).isEqualTo(Duration.ofSeconds(5));
    assertThat(RetrySchedule.STANDARD.delayBefore(10)).isEqualTo(Duration.ofHours(24));
    assertThatThrownBy(() -> RetrySchedule.STANDARD.delayBefore(1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RetrySchedule.STANDARD.delayBefore(11)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void jitterSpreadsEachDelayWithinItsPercentage() {
    SplittableRandom random = new SplittableRandom(42);
    List<Duration> draws = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      draws.add(RetrySchedule.STANDARD.jitteredDelayBefore(3, random));
    }

    assertThat(draws).allSatisfy(d -> assertThat(d).isBetween(Duration.ofMinutes(4), Duration.ofMinutes(6)));
    assertThat(draws.stream().filter(d -> d.compareTo(Duration.ofMinutes(5)) < 0).count()).isGreaterThan(800);
    assertThat(draws.stream().filter(d -> d.compareTo(Duration.ofMinutes(5)) > 0).count()).isGreaterThan(800);
    assertThat(draws.stream().distinct().count()).isGreaterThan(1000);
  }

  @Test
  void withoutJitterDelaysAreExact() {
    RetrySchedule exact = RetrySchedule.STANDARD.withJitterPercent(0);

    assertThat(exact.jitteredDelayBefore(2, new SplittableRandom(1))).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void invalidSchedulesAreRefused() {
    assertThatThrownBy(() -> RetrySchedule.of()).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RetrySchedule.of(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RetrySchedule.of(Duration.ofSeconds(1)).withJitterPercent(51))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RetrySchedule.of(Duration.ofSeconds(1)).withMaxRetryAfter(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
