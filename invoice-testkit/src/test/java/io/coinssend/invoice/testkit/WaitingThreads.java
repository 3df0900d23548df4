package io.coinssend.invoice.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** For tests of callers that queue behind one another: opens a gate once every waiting thread is blocked. */
final class WaitingThreads {

  private WaitingThreads() {}

  /** Waits until each of {@code waiting} is blocked on a monitor, then opens {@code gate}. */
  static void openOnceAllBlocked(List<Thread> waiting, CountDownLatch gate) {
    for (Thread thread : waiting) {
      await(thread.getName() + " waiting for the lock").atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(1)).until(() -> thread.getState() == Thread.State.BLOCKED);
    }
    gate.countDown();
  }

  /** Joins every thread of {@code threads}, failing if one is still running after 10 seconds. */
  static void joinAll(List<Thread> threads) throws InterruptedException {
    for (Thread thread : threads) {
      thread.join(TimeUnit.SECONDS.toMillis(10));
      assertThat(thread.isAlive()).as(thread.getName() + " finished").isFalse();
    }
  }
}
