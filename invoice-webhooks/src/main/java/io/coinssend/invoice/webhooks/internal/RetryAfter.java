package io.coinssend.invoice.webhooks.internal;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * Parses an HTTP {@code Retry-After} value (RFC 9110 section 10.2.3): a number of seconds or an HTTP date.
 * Thread-safe (stateless).
 */
public final class RetryAfter {

  private RetryAfter() {}

  /**
   * How long to wait from {@code now}, or empty if the value is neither form. A date in the past gives zero.
   */
  public static Optional<Duration> parse(String value, Instant now) {
    if (value == null) {
      return Optional.empty();
    }
    String text = value.strip();
    if (text.isEmpty()) {
      return Optional.empty();
    }
    if (text.chars().allMatch(c -> c >= '0' && c <= '9')) {
      if (text.length() > 12) {
        return Optional.of(Duration.ofSeconds(999_999_999_999L)); // absurdly far: callers clamp it
      }
      return Optional.of(Duration.ofSeconds(Long.parseLong(text)));
    }
    try {
      Instant at = ZonedDateTime.parse(text, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      Duration wait = Duration.between(now, at);
      return Optional.of(wait.isNegative() ? Duration.ZERO : wait);
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }
}
