package io.coinssend.invoice.benchmarks.internal;

import static java.util.Objects.requireNonNull;

import io.coinssend.invoice.webhooks.Delivery;
import io.coinssend.invoice.webhooks.DeliveryAttempt;
import io.coinssend.invoice.webhooks.DeliveryState;
import io.coinssend.invoice.webhooks.EndpointDisabled;
import io.coinssend.invoice.webhooks.spi.DeliveryOutcome;
import io.coinssend.invoice.webhooks.spi.DeliveryStore;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A {@link DeliveryStore} that passes every call to another and counts the deliveries recorded as delivered, so a
 * benchmark can wait until a batch is not only sent but durably recorded. Thread-safe if the delegate is.
 */
public final class CountingDeliveryStore implements DeliveryStore {

  private final DeliveryStore delegate;
  private final Object lock = new Object();
  private long delivered;

  public CountingDeliveryStore(DeliveryStore delegate) {
    this.delegate = requireNonNull(delegate, "delegate");
  }

  /** How many deliveries were recorded as delivered so far. */
  public long delivered() {
    synchronized (lock) {
      return delivered;
    }
  }

  /**
   * Waits until at least {@code count} deliveries were recorded as delivered.
   *
   * @throws IllegalStateException if that takes longer than {@code timeoutSeconds}
   */
  public void awaitDelivered(long count, long timeoutSeconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
    synchronized (lock) {
      while (delivered < count) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new IllegalStateException("only " + delivered + " of " + count + " deliveries were recorded within "
              + timeoutSeconds + " s");
        }
        TimeUnit.NANOSECONDS.timedWait(lock, left);
      }
    }
  }

  @Override
  public boolean complete(DeliveryOutcome outcome) {
    boolean kept = delegate.complete(outcome);
    if (kept && outcome.state() == DeliveryState.DELIVERED) {
      synchronized (lock) {
        delivered++;
        lock.notifyAll();
      }
    }
    return kept;
  }

  @Override
  public List<DeliveryOutcome> completeAll(List<DeliveryOutcome> outcomes) {
    List<DeliveryOutcome> lost = delegate.completeAll(outcomes);
    long count = 0;
    for (DeliveryOutcome outcome : outcomes) {
      if (outcome.state() == DeliveryState.DELIVERED && !containsSame(lost, outcome)) {
        count++;
      }
    }
    if (count > 0) {
      synchronized (lock) {
        delivered += count;
        lock.notifyAll();
      }
    }
    return lost;
  }

  private static boolean containsSame(List<DeliveryOutcome> outcomes, DeliveryOutcome outcome) {
    for (DeliveryOutcome candidate : outcomes) {
      if (candidate == outcome) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void release(String owner, List<String> deliveryIds, Instant now) {
    delegate.release(owner, deliveryIds, now);
  }

  @Override
  public OptionalLong findPosition(String group) {
    return delegate.findPosition(group);
  }

  @Override
  public boolean enqueue(String group, long expected, long next, List<Delivery> deliveries) {
    return delegate.enqueue(group, expected, next, deliveries);
  }

  @Override
  public Optional<List<Delivery>> enqueueClaiming(String group, long expected, long next, List<Delivery> deliveries,
      Set<String> claimFor, String owner, Instant leaseUntil, Instant now) {
    return delegate.enqueueClaiming(group, expected, next, deliveries, claimFor, owner, leaseUntil, now);
  }

  @Override
  public List<Delivery> claim(String endpointId, Instant now, int limit, String owner, Instant leaseUntil) {
    return delegate.claim(endpointId, now, limit, owner, leaseUntil);
  }

  @Override
  public Optional<Delivery> findDelivery(String deliveryId) {
    return delegate.findDelivery(deliveryId);
  }

  @Override
  public List<Delivery> deliveriesOfEvent(String eventId) {
    return delegate.deliveriesOfEvent(eventId);
  }

  @Override
  public List<Delivery> deliveriesOfEndpoint(
      String endpointId, Optional<DeliveryState> state, long afterSequence, int limit) {
    return delegate.deliveriesOfEndpoint(endpointId, state, afterSequence, limit);
  }

  @Override
  public Optional<Delivery> redeliver(String deliveryId, Instant now) {
    return delegate.redeliver(deliveryId, now);
  }

  @Override
  public int redeliverDead(String endpointId, Instant now) {
    return delegate.redeliverDead(endpointId, now);
  }

  @Override
  public void disableEndpoint(EndpointDisabled disabled) {
    delegate.disableEndpoint(disabled);
  }

  @Override
  public boolean enableEndpoint(String endpointId, Instant now) {
    return delegate.enableEndpoint(endpointId, now);
  }

  @Override
  public Map<String, EndpointDisabled> disabledEndpoints() {
    return delegate.disabledEndpoints();
  }

  @Override
  public List<DeliveryAttempt> attemptsOfEvent(String eventId) {
    return delegate.attemptsOfEvent(eventId);
  }

  @Override
  public List<DeliveryAttempt> attemptsOfDelivery(String deliveryId) {
    return delegate.attemptsOfDelivery(deliveryId);
  }

  @Override
  public List<DeliveryAttempt> attemptsOfEndpoint(String endpointId, Instant since, int limit) {
    return delegate.attemptsOfEndpoint(endpointId, since, limit);
  }

  @Override
  public int purge(Instant cutoff) {
    return delegate.purge(cutoff);
  }
}
