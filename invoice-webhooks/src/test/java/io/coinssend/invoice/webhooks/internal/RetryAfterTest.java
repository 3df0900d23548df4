package io.coinssend.invoice.webhooks.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Retry-After in both forms of RFC 9110 section 10.2.3 (its own examples: "120" and an IMF-fixdate). */
class RetryAfterTest {

  private static final Instant NOW = Instant.parse("1999-12-31T23:00:00Z");

  @Test
  void secondsAndHttpDates() {
    assertThat(RetryAfter.parse("120", NOW)).contains(Duration.ofSeconds(120));
    assertThat(RetryAfter.parse(" 0 ", NOW)).contains(Duration.ZERO);
    assertThat(RetryAfter.parse("Fri, 31 Dec 1999 23:59:59 GMT", NOW)).contains(Duration.ofSeconds(3599));
    assertThat(RetryAfter.parse("Fri, 31 Dec 1999 22:00:00 GMT", NOW)).contains(Duration.ZERO);
  }

  @Test
  void anythingElseIsIgnored() {
    assertThat(RetryAfter.parse(null, NOW)).isEmpty();
    assertThat(RetryAfter.parse("", NOW)).isEmpty();
    assertThat(RetryAfter.parse("-5", NOW)).isEmpty();
    assertThat(RetryAfter.parse("1.5", NOW)).isEmpty();
    assertThat(RetryAfter.parse("tomorrow", NOW)).isEmpty();
    assertThat(RetryAfter.parse("99999999999999999999", NOW)).hasValueSatisfying(d ->
        assertThat(d).isGreaterThan(Duration.ofDays(365)));
  }
}
