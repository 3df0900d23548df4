package io.coinssend.invoice.benchmarks.internal;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/** Webhook bodies of an exact size, the same bytes on every run. Thread-safe (stateless). */
public final class WebhookPayloads {

  /** The smallest body {@link #jsonBody} can build. */
  public static final int MIN_SIZE = 128;

  private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

  private WebhookPayloads() {}

  /**
   * A JSON event envelope of exactly {@code size} bytes (UTF-8), shaped like the SDK's events: id, type, time and a
   * data object whose {@code metadata} string pads it to size.
   *
   * @throws IllegalArgumentException if {@code size} is below {@link #MIN_SIZE}
   */
  public static byte[] jsonBody(int size, String eventId) {
    if (size < MIN_SIZE) {
      throw new IllegalArgumentException("a body must have at least " + MIN_SIZE + " bytes, but was " + size);
    }
    String head = "{\"id\":\"" + eventId + "\",\"type\":\"invoice.paid\",\"createdAt\":\"2026-11-24T12:00:00Z\","
        + "\"data\":{\"status\":\"PAID\",\"amountDue\":\"150000\",\"metadata\":\"";
    String tail = "\"}}";
    int padding = size - head.length() - tail.length();
    if (padding < 0) {
      throw new IllegalArgumentException("a body must have at least " + MIN_SIZE + " bytes, but was " + size);
    }
    SplittableRandom random = new SplittableRandom(size);
    StringBuilder json = new StringBuilder(size).append(head);
    for (int i = 0; i < padding; i++) {
      json.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
    }
    byte[] body = json.append(tail).toString().getBytes(StandardCharsets.UTF_8);
    if (body.length != size) {
      throw new IllegalStateException("built " + body.length + " bytes instead of " + size);
    }
    return body;
  }
}
