package io.coinssend.invoice.benchmarks.internal;

import static java.util.Objects.requireNonNull;

import com.sun.net.httpserver.Headers;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * One signed webhook request as each library wants it: the body bytes (and the same body as a string for the peers
 * whose API takes one), the Standard Webhooks headers as an HTTP stack exposes them, and Stripe's header over the same
 * body. The key is fixed, so every run signs the same bytes. Immutable.
 */
public final class WebhookFixture {

  /** 32 fixed key bytes: the webhook secret of every benchmark. */
  private static final byte[] KEY = HexFormat.of().parseHex(
      "6b1f3c9e2a4d5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8");

  public final String webhookId = "evt_01JD7Y3K9W6Q2M4N8P0R5T7V9X";
  public final long timestamp;
  public final byte[] body;
  public final String payload;
  /** {@code whsec_} followed by the base64 key: what a Standard Webhooks sender gives its receivers. */
  public final String secret = "whsec_" + Base64.getEncoder().encodeToString(KEY);
  public final byte[] keyBytes = KEY.clone();
  /** The {@code v1,<base64>} token of the request. */
  public final String signatureHeader;
  /** The request headers as the JDK's HTTP server gives them to a receiver ({@code Headers}, a map of lists). */
  public final Map<String, List<String>> headers;
  /** Stripe's {@code t=<timestamp>,v1=<hex>} header over the same body, keyed with {@link #secret} as Stripe does. */
  public final String stripeHeader;

  public WebhookFixture(int bodySize, long timestamp) {
    this.timestamp = timestamp;
    this.body = WebhookPayloads.jsonBody(bodySize, webhookId);
    this.payload = new String(body, StandardCharsets.UTF_8);
    Mac mac = newMac(KEY);
    mac.update((webhookId + "." + timestamp + ".").getBytes(StandardCharsets.US_ASCII));
    this.signatureHeader = "v1," + Base64.getEncoder().encodeToString(mac.doFinal(body));
    // The JDK's own HTTP server hands a receiver its request headers as this map (names normalised to
    // "Webhook-id"), with the other headers a real request carries.
    Headers map = new Headers();
    map.add("Host", "127.0.0.1:8080");
    map.add("User-Agent", "CoinsSend-Webhooks/0.1");
    map.add("Content-Type", "application/json");
    map.add("Content-Length", Integer.toString(bodySize));
    map.add("Accept-Encoding", "gzip, deflate");
    map.add("Connection", "keep-alive");
    map.add("webhook-id", webhookId);
    map.add("webhook-timestamp", Long.toString(timestamp));
    map.add("webhook-signature", signatureHeader);
    this.headers = map;
    Mac stripe = newMac(secret.getBytes(StandardCharsets.UTF_8));
    byte[] stripeMac = stripe.doFinal((timestamp + "." + payload).getBytes(StandardCharsets.UTF_8));
    this.stripeHeader = "t=" + timestamp + ",v1=" + HexFormat.of().formatHex(stripeMac);
  }

  /** An initialised HMAC-SHA256 over {@code key}. */
  public static Mac newMac(byte[] key) {
    requireNonNull(key, "key");
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac;
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is required of every Java platform", e);
    }
  }
}
