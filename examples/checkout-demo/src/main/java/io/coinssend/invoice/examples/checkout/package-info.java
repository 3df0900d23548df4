/**
 * The checkout demo: a small merchant application embedding the invoice engine on a simulated chain, with a REST
 * API, a checkout page, an order system fed by the engine's events, and a developer panel that plays the customer
 * and the chain.
 */
package io.coinssend.invoice.examples.checkout;
