package io.coinssend.invoice.webhooks;

import static java.util.Objects.requireNonNull;

import io.coinssend.invoice.webhooks.internal.SignedContent;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.stream.Collectors;

/** Standard Webhooks v1 (HMAC-SHA256) over one or more secrets. Thread-safe. */
final class V1Signer implements WebhookSigner {

  private final List<WebhookSecret> secrets;

  V1Signer(List<WebhookSecret> secrets) {
    this.secrets = List.copyOf(requireNonNull(secrets, "secrets"));
    if (this.secrets.isEmpty()) {
      throw new IllegalArgumentException("a v1 signer needs at least one secret");
    }
    if (new HashSet<>(this.secrets).size() != this.secrets.size()) {
      throw new IllegalArgumentException("a v1 signer was given the same secret twice");
    }
  }

  @Override
  public String sign(String webhookId, long timestamp, byte[] body) {
    byte[] id = SignedContent.idBytes(requireNonNull(webhookId, "webhookId"));
    byte[] time = SignedContent.timestampBytes(timestamp);
    requireNonNull(body, "body");
    Base64.Encoder base64 = Base64.getEncoder();
    StringBuilder header = new StringBuilder(secrets.size() * 48);
    for (WebhookSecret secret : secrets) {
      if (header.length() > 0) {
        header.append(' ');
      }
      header.append("v1,").append(base64.encodeToString(secret.hmac().mac(id, time, body)));
    }
    return header.toString();
  }

  @Override
  public String toString() {
    return "WebhookSigner[v1 " + secrets.stream().map(WebhookSecret::fingerprint).collect(Collectors.joining(", "))
        + "]";
  }
}
