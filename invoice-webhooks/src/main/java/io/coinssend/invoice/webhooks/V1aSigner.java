package io.coinssend.invoice.webhooks;

import static java.util.Objects.requireNonNull;

import io.coinssend.invoice.webhooks.internal.Ed25519;
import io.coinssend.invoice.webhooks.internal.SignedContent;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.stream.Collectors;

/** Standard Webhooks v1a (Ed25519) over one or more signing keys. Thread-safe. */
final class V1aSigner implements WebhookSigner {

  private final List<Ed25519SigningKey> keys;

  V1aSigner(List<Ed25519SigningKey> keys) {
    this.keys = List.copyOf(requireNonNull(keys, "keys"));
    if (this.keys.isEmpty()) {
      throw new IllegalArgumentException("a v1a signer needs at least one signing key");
    }
    if (new HashSet<>(this.keys).size() != this.keys.size()) {
      throw new IllegalArgumentException("a v1a signer was given the same signing key twice");
    }
  }

  @Override
  public String sign(String webhookId, long timestamp, byte[] body) {
    byte[] id = SignedContent.idBytes(requireNonNull(webhookId, "webhookId"));
    byte[] time = SignedContent.timestampBytes(timestamp);
    requireNonNull(body, "body");
    Base64.Encoder base64 = Base64.getEncoder();
    StringBuilder header = new StringBuilder(keys.size() * 94);
    for (Ed25519SigningKey key : keys) {
      if (header.length() > 0) {
        header.append(' ');
      }
      header.append("v1a,").append(base64.encodeToString(Ed25519.sign(key.jdkKey(), id, time, body)));
    }
    return header.toString();
  }

  @Override
  public String toString() {
    return "WebhookSigner[v1a " + keys.stream().map(k -> k.publicKey().encoded()).collect(Collectors.joining(", "))
        + "]";
  }
}
