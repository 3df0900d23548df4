/**
 * The invoice engine and its domain: {@link io.coinssend.invoice.InvoiceEngine}, the values it works with
 * ({@link io.coinssend.invoice.Invoice}, {@link io.coinssend.invoice.Money}, {@link io.coinssend.invoice.Asset}...),
 * the status rules ({@link io.coinssend.invoice.StatusRules}) and the events it records.
 */
package io.coinssend.invoice;
