package io.coinssend.invoice.evm.internal;

import java.time.Duration;

/** Waits between retries; tests substitute one that records the waits instead of waiting. */
@FunctionalInterface
public interface Sleeper {

  /**
   * Waits {@code duration}.
   *
   * @throws InterruptedException if the wait was cut short because the watcher is closing
   */
  void sleep(Duration duration) throws InterruptedException;
}
