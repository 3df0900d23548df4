package io.coinssend.invoice.spi;

/**
 * Something a chain watcher observed. Facts are reported in the order they were observed; the engine numbers them
 * in that order, and for each payment the latest observation replaces earlier ones, so duplicates are harmless.
 */
public sealed interface ChainFact permits PaymentSeen, PaymentReversed, TipChanged {}
