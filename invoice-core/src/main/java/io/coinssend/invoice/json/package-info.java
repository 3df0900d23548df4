/**
 * The JSON form of invoices and events ({@link io.coinssend.invoice.json.InvoiceJson}), shared by stores, webhooks
 * and webhook receivers.
 */
package io.coinssend.invoice.json;
