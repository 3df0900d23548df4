/** Short runnable programs, one topic each; their tests run them. */
package io.coinssend.invoice.examples.snippets;
