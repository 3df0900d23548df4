package io.coinssend.invoice.webhooks;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;

/**
 * Signs the exact bytes of one webhook attempt: the value of the {@code webhook-signature} header over the Standard
 * Webhooks signed content {@code webhook-id + "." + webhook-timestamp + "." + body}.
 *
 * <p>A signer holds one or more active keys and returns one space-separated token per key ({@code v1,<base64>} or
 * {@code v1a,<base64>}), so keys can be rotated: sign with the old and the new key for a while, then drop the old one.
 * Built-ins: {@link #v1} (HMAC-SHA256) and {@link #v1a} (Ed25519); {@link #allOf} combines signers (for example
 * while moving from v1 to v1a). Implementations are thread-safe, and their {@code toString()} and exception messages
 * never contain key material.
 */
public interface WebhookSigner {

  /**
   * The {@code webhook-signature} header value for these exact bytes.
   *
   * @param webhookId the {@code webhook-id} header (the event id): printable ASCII, no spaces, no dots
   * @param timestamp the {@code webhook-timestamp} header, Unix seconds of this attempt
   * @param body the exact request body
   * @throws IllegalArgumentException if the id or timestamp cannot be signed unambiguously
   */
  String sign(String webhookId, long timestamp, byte[] body);

  /**
   * Standard Webhooks {@code v1}: HMAC-SHA256 with each secret, in the order given.
   *
   * @throws IllegalArgumentException if a secret repeats
   */
  static WebhookSigner v1(WebhookSecret first, WebhookSecret... more) {
    return new V1Signer(list(first, more));
  }

  /** Standard Webhooks {@code v1} with a list of secrets (at least one). */
  static WebhookSigner v1(List<WebhookSecret> secrets) {
    return new V1Signer(secrets);
  }

  /**
   * Standard Webhooks {@code v1a}: Ed25519 with each signing key, in the order given.
   *
   * @throws IllegalArgumentException if a key repeats
   */
  static WebhookSigner v1a(Ed25519SigningKey first, Ed25519SigningKey... more) {
    return new V1aSigner(list(first, more));
  }

  /** Standard Webhooks {@code v1a} with a list of signing keys (at least one). */
  static WebhookSigner v1a(List<Ed25519SigningKey> keys) {
    return new V1aSigner(keys);
  }

  /** Every token of every signer, in order, in one header. */
  static WebhookSigner allOf(WebhookSigner first, WebhookSigner... more) {
    return new CompositeSigner(list(first, more));
  }

  @SafeVarargs
  private static <T> List<T> list(T first, T... more) {
    requireNonNull(first, "first");
    requireNonNull(more, "more");
    List<T> all = new ArrayList<>(more.length + 1);
    all.add(first);
    for (T item : more) {
      all.add(requireNonNull(item, "key"));
    }
    return all;
  }
}
