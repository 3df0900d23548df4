/**
 * Internals of the webhooks module: signing primitives over the Standard Webhooks signed content, key encodings,
 * header parsing and redaction. Not an API: anything here may change in any release.
 */
package io.coinssend.invoice.webhooks.internal;
