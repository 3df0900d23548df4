package io.coinssend.invoice.bitcoin.internal;

/**
 * A chain backend failed or answered something unusable: connection refused, HTTP error, time-out, malformed JSON or
 * hex, a block that does not hash to what was asked. The watcher retries with backoff; it never becomes a fact.
 */
public class BackendException extends Exception {

  private static final long serialVersionUID = 1L;

  public BackendException(String message) {
    super(message);
  }

  public BackendException(String message, Throwable cause) {
    super(message, cause);
  }
}
