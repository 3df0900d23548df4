package io.coinssend.invoice;

/**
 * A chain watcher met a condition it must not paper over, such as a reorganisation deeper than the blocks it
 * keeps, or a stored cursor that belongs to another chain. Transient backend failures are retried by the watcher
 * and are not reported with this exception.
 */
public class ChainWatcherException extends InvoiceException {

  private static final long serialVersionUID = 1L;

  public ChainWatcherException(String message) {
    super(message);
  }

  public ChainWatcherException(String message, Throwable cause) {
    super(message, null, cause);
  }
}
