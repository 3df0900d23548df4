package io.coinssend.invoice.webhooks;

import static java.util.Objects.requireNonNull;

import java.util.List;

/** The tokens of several signers in one header. Thread-safe if its signers are. */
final class CompositeSigner implements WebhookSigner {

  private final List<WebhookSigner> signers;

  CompositeSigner(List<WebhookSigner> signers) {
    this.signers = List.copyOf(requireNonNull(signers, "signers"));
  }

  @Override
  public String sign(String webhookId, long timestamp, byte[] body) {
    StringBuilder header = new StringBuilder();
    for (WebhookSigner signer : signers) {
      if (header.length() > 0) {
        header.append(' ');
      }
      header.append(signer.sign(webhookId, timestamp, body));
    }
    return header.toString();
  }

  @Override
  public String toString() {
    return "WebhookSigner" + signers;
  }
}
