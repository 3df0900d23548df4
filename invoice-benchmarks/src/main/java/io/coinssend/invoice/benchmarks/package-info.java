/**
 * JMH benchmarks that measure the SDK side by side with what a Java shop would otherwise use: webhook signing and
 * verification against standardwebhooks and stripe-java, Bitcoin block matching against bitcoinj, engine throughput
 * against pgbench on the same PostgreSQL, durable webhook delivery against a plain {@code HttpClient} loop, and
 * address derivation against bitcoinj's {@code HDKeyDerivation}. Each class names its peers and the target it is held
 * to; {@code docs/BENCHMARKS.md} holds the figures. Not an API: this module is not published.
 */
package io.coinssend.invoice.benchmarks;
