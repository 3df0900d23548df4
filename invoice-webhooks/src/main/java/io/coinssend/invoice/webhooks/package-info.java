/**
 * Signed, durable webhooks following the Standard Webhooks specification.
 *
 * <p>Senders configure {@link io.coinssend.invoice.webhooks.WebhookEndpoint}s with a
 * {@link io.coinssend.invoice.webhooks.WebhookSigner} (v1 HMAC-SHA256 with {@link
 * io.coinssend.invoice.webhooks.WebhookSecret}, or v1a Ed25519 with {@link
 * io.coinssend.invoice.webhooks.Ed25519SigningKey}) and run a {@link io.coinssend.invoice.webhooks.WebhookDispatcher}
 * beside the invoice engine; receivers check requests with a {@link io.coinssend.invoice.webhooks.WebhookVerifier}.
 */
package io.coinssend.invoice.webhooks;
