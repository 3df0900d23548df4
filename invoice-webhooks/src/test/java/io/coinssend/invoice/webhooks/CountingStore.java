package io.coinssend.invoice.webhooks;

import io.coinssend.invoice.InvoiceStoreException;
import io.coinssend.invoice.webhooks.spi.DeliveryOutcome;
import io.coinssend.invoice.webhooks.spi.DeliveryStore;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link DeliveryStore} that passes every call to another, counts the calls a dispatcher makes per delivery, and
 * can fail every recording of an attempt (as a process that dies before it records them would leave the store).
 */
final class CountingStore implements DeliveryStore {

  private final DeliveryStore delegate;
  final AtomicInteger claims = new AtomicInteger();
  /** The deliveries {@link #claim} returned, in all. */
  final AtomicInteger claimed = new AtomicInteger();
  /** The deliveries {@link #enqueueClaiming} inserted claimed, in all. */
  final AtomicInteger claimedOnEnqueue = new AtomicInteger();
  /** The number of deliveries passed to each {@link #enqueueClaiming} call, in order. */
  final List<Integer> enqueued = new CopyOnWriteArrayList<>();
  /** The calls of {@link #findPosition}. */
  final AtomicInteger positionReads = new AtomicInteger();
  /** When false, {@link #enqueueClaiming} is the interface's default (as a store that does not override it). */
  volatile boolean passEnqueueClaiming = true;
  final AtomicInteger completes = new AtomicInteger();
  final AtomicInteger disabledReads = new AtomicInteger();
  /** The size of each {@link #completeAll} call, in order. */
  final List<Integer> groups = new CopyOnWriteArrayList<>();
  /** While set, {@link #complete} and {@link #completeAll} throw and record nothing. */
  final AtomicBoolean recordingFails = new AtomicBoolean();
  /** Runs before each {@link #completeAll} (a test may hold the first one back). */
  volatile Runnable beforeCompleteAll = () -> {};

  CountingStore(DeliveryStore delegate) {
    this.delegate = delegate;
  }

  @Override
  public boolean complete(DeliveryOutcome outcome) {
    completes.incrementAndGet();
    failIfAsked();
    return delegate.complete(outcome);
  }

  @Override
  public List<DeliveryOutcome> completeAll(List<DeliveryOutcome> outcomes) {
    beforeCompleteAll.run();
    groups.add(outcomes.size());
    failIfAsked();
    return delegate.completeAll(outcomes);
  }

  private void failIfAsked() {
    if (recordingFails.get()) {
      throw new InvoiceStoreException("the database went away (test)", null);
    }
  }

  @Override
  public List<Delivery> claim(String endpointId, Instant now, int limit, String owner, Instant leaseUntil) {
    claims.incrementAndGet();
    List<Delivery> got = delegate.claim(endpointId, now, limit, owner, leaseUntil);
    claimed.addAndGet(got.size());
    return got;
  }

  @Override
  public Optional<List<Delivery>> enqueueClaiming(String group, long expected, long next, List<Delivery> deliveries,
      Set<String> claimFor, String owner, Instant leaseUntil, Instant now) {
    this.enqueued.add(deliveries.size());
    Optional<List<Delivery>> enqueued = passEnqueueClaiming
        ? delegate.enqueueClaiming(group, expected, next, deliveries, claimFor, owner, leaseUntil, now)
        : DeliveryStore.super.enqueueClaiming(group, expected, next, deliveries, claimFor, owner, leaseUntil, now);
    enqueued.ifPresent(list -> claimedOnEnqueue.addAndGet(list.size()));
    return enqueued;
  }

  @Override
  public Map<String, EndpointDisabled> disabledEndpoints() {
    disabledReads.incrementAndGet();
    return delegate.disabledEndpoints();
  }

  @Override
  public void release(String owner, List<String> deliveryIds, Instant now) {
    delegate.release(owner, deliveryIds, now);
  }

  @Override
  public OptionalLong findPosition(String group) {
    positionReads.incrementAndGet();
    return delegate.findPosition(group);
  }

  @Override
  public boolean enqueue(String group, long expected, long next, List<Delivery> deliveries) {
    return delegate.enqueue(group, expected, next, deliveries);
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
