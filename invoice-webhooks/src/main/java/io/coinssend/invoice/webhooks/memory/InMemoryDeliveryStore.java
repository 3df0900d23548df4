package io.coinssend.invoice.webhooks.memory;

import static java.util.Objects.requireNonNull;

import io.coinssend.invoice.webhooks.Delivery;
import io.coinssend.invoice.webhooks.DeliveryAttempt;
import io.coinssend.invoice.webhooks.DeliveryState;
import io.coinssend.invoice.webhooks.EndpointDisabled;
import io.coinssend.invoice.webhooks.spi.DeliveryOutcome;
import io.coinssend.invoice.webhooks.spi.DeliveryStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Predicate;

/**
 * A {@link DeliveryStore} in memory, for tests, demos and a single process where losing the queue on restart is
 * acceptable. Thread-safe: deliveries are immutable values changed by compare-and-set
 * ({@link ConcurrentMap#replace(Object, Object, Object)}), so concurrent claims never take the same delivery; enqueue
 * holds one lock for the position and the inserts. Shared by several dispatchers, it coordinates them within the JVM.
 */
public final class InMemoryDeliveryStore implements DeliveryStore {

  private static final Comparator<Delivery> DUE_ORDER =
      Comparator.comparing(Delivery::nextAttemptAt).thenComparingLong(Delivery::eventSequence)
          .thenComparing(Delivery::id);

  private final Object enqueueLock = new Object();
  private final ConcurrentMap<String, Long> positions = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Delivery> deliveries = new ConcurrentHashMap<>();
  /** Deliveries not yet DELIVERED or DEAD, per endpoint: what claims scan. */
  private final ConcurrentMap<String, Set<String>> open = new ConcurrentHashMap<>();
  private final Object attemptLock = new Object();
  private final List<DeliveryAttempt> attempts = new ArrayList<>();
  private final ConcurrentMap<String, EndpointDisabled> disabled = new ConcurrentHashMap<>();

  @Override
  public OptionalLong findPosition(String group) {
    Long position = positions.get(requireNonNull(group, "group"));
    return position == null ? OptionalLong.empty() : OptionalLong.of(position);
  }

  @Override
  public boolean enqueue(String group, long expected, long next, List<Delivery> newDeliveries) {
    return enqueueClaiming(group, expected, next, newDeliveries, Set.of(), "", Instant.EPOCH, Instant.EPOCH)
        .isPresent();
  }

  @Override
  public Optional<List<Delivery>> enqueueClaiming(String group, long expected, long next,
      List<Delivery> newDeliveries, Set<String> claimFor, String owner, Instant leaseUntil, Instant now) {
    requireNonNull(group, "group");
    requireNonNull(newDeliveries, "deliveries");
    requireNonNull(claimFor, "claimFor");
    requireNonNull(owner, "owner");
    requireNonNull(leaseUntil, "leaseUntil");
    requireNonNull(now, "now");
    if (next < expected) {
      throw new IllegalArgumentException("a position only moves forward: " + expected + " -> " + next);
    }
    for (Delivery delivery : newDeliveries) {
      if (delivery.state() != DeliveryState.PENDING) {
        throw new IllegalArgumentException("new deliveries are PENDING, but " + delivery.id() + " is "
            + delivery.state());
      }
    }
    synchronized (enqueueLock) {
      if (positions.getOrDefault(group, 0L) != expected) {
        return Optional.empty();
      }
      positions.put(group, next);
      List<Delivery> claimed = new ArrayList<>();
      for (Delivery delivery : newDeliveries) {
        boolean claim = claimFor.contains(delivery.endpointId());
        Delivery stored = claim ? delivery.claimed(owner, leaseUntil, now) : delivery;
        // The id is derived from (event id, endpoint id), so it is the uniqueness key.
        if (deliveries.putIfAbsent(delivery.id(), stored) == null) {
          openOf(delivery.endpointId()).add(delivery.id());
          if (claim) {
            claimed.add(stored);
          }
        }
      }
      return Optional.of(claimed);
    }
  }

  private Set<String> openOf(String endpointId) {
    return open.computeIfAbsent(endpointId, k -> ConcurrentHashMap.newKeySet());
  }

  /**
   * Drops a finished delivery from its endpoint's open set. A redelivery may reopen it at any moment (it replaces the
   * value, then adds the id), so the state is read again after the removal and the id restored if it is open again.
   */
  private void closeIfFinished(Delivery finished) {
    Set<String> endpointOpen = openOf(finished.endpointId());
    endpointOpen.remove(finished.id());
    Delivery now = deliveries.get(finished.id());
    if (now != null && (now.state() == DeliveryState.PENDING || now.state() == DeliveryState.SENDING)) {
      endpointOpen.add(finished.id());
    }
  }

  @Override
  public List<Delivery> claim(String endpointId, Instant now, int limit, String owner, Instant leaseUntil) {
    requireNonNull(endpointId, "endpointId");
    requireNonNull(now, "now");
    requireNonNull(owner, "owner");
    requireNonNull(leaseUntil, "leaseUntil");
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be positive, but was " + limit);
    }
    List<Delivery> due = new ArrayList<>();
    for (String id : openOf(endpointId)) {
      Delivery delivery = deliveries.get(id);
      if (delivery != null && delivery.claimableAt(now)) {
        due.add(delivery);
      }
    }
    List<Delivery> claimed = new ArrayList<>(Math.min(limit, due.size()));
    // The first `limit` in due order, without sorting the whole queue on every claim (a dispatcher claims as few as
    // one delivery at a time from a queue of hundreds); all of it, sorted, only if concurrent claimers took some.
    List<Delivery> first = firstInDueOrder(due, limit);
    claimInOrder(first, claimed, limit, owner, leaseUntil, now);
    if (claimed.size() < limit && first.size() < due.size()) {
      due.sort(DUE_ORDER);
      claimInOrder(due, claimed, limit, owner, leaseUntil, now);
    }
    return claimed;
  }

  private void claimInOrder(
      List<Delivery> candidates, List<Delivery> claimed, int limit, String owner, Instant leaseUntil, Instant now) {
    for (Delivery candidate : candidates) {
      if (claimed.size() == limit) {
        break;
      }
      Delivery mine = candidate.claimed(owner, leaseUntil, now);
      // Compare-and-set: only one of several concurrent claimers replaces this exact value.
      if (deliveries.replace(candidate.id(), candidate, mine)) {
        claimed.add(mine);
      }
    }
  }

  /** The {@code count} first of {@code due} in {@link #DUE_ORDER}, sorted. */
  private static List<Delivery> firstInDueOrder(List<Delivery> due, int count) {
    if ((long) count * 4 >= due.size()) {
      due.sort(DUE_ORDER);
      return due;
    }
    PriorityQueue<Delivery> latestFirst = new PriorityQueue<>(count + 1, DUE_ORDER.reversed());
    for (Delivery delivery : due) {
      if (latestFirst.size() < count) {
        latestFirst.add(delivery);
      } else if (DUE_ORDER.compare(delivery, latestFirst.peek()) < 0) {
        latestFirst.poll();
        latestFirst.add(delivery);
      }
    }
    List<Delivery> first = new ArrayList<>(latestFirst);
    first.sort(DUE_ORDER);
    return first;
  }

  @Override
  public boolean complete(DeliveryOutcome outcome) {
    requireNonNull(outcome, "outcome");
    synchronized (attemptLock) {
      attempts.add(outcome.attempt());
    }
    return apply(outcome);
  }

  /** {@inheritDoc} The attempts are logged under one lock, then each delivery moves by compare-and-set. */
  @Override
  public List<DeliveryOutcome> completeAll(List<DeliveryOutcome> outcomes) {
    requireNonNull(outcomes, "outcomes");
    synchronized (attemptLock) {
      for (DeliveryOutcome outcome : outcomes) {
        attempts.add(requireNonNull(outcome, "outcome").attempt());
      }
    }
    List<DeliveryOutcome> lost = List.of();
    for (DeliveryOutcome outcome : outcomes) {
      if (!apply(outcome)) {
        if (lost.isEmpty()) {
          lost = new ArrayList<>();
        }
        lost.add(outcome);
      }
    }
    return lost;
  }

  private boolean apply(DeliveryOutcome outcome) {
    while (true) {
      Delivery current = deliveries.get(outcome.deliveryId());
      if (current == null || current.state() != DeliveryState.SENDING
          || !current.leaseOwner().orElseThrow().equals(outcome.owner())) {
        return false;
      }
      DeliveryAttempt attempt = outcome.attempt();
      Delivery next = new Delivery(current.id(), current.eventId(), current.eventType(), current.eventSequence(),
          current.subjectId(), current.endpointId(), outcome.state(), outcome.attempts(), outcome.nextAttemptAt(),
          current.createdAt(), outcome.at(), attempt.statusCode(), attempt.error(), Optional.empty(),
          Optional.empty(), current.payload());
      if (deliveries.replace(current.id(), current, next)) {
        if (next.state() != DeliveryState.PENDING) {
          closeIfFinished(next);
        }
        return true;
      }
    }
  }

  @Override
  public void release(String owner, List<String> deliveryIds, Instant now) {
    requireNonNull(owner, "owner");
    requireNonNull(deliveryIds, "deliveryIds");
    requireNonNull(now, "now");
    for (String id : deliveryIds) {
      while (true) {
        Delivery current = deliveries.get(requireNonNull(id, "deliveryId"));
        if (current == null || current.state() != DeliveryState.SENDING
            || !current.leaseOwner().orElseThrow().equals(owner)) {
          break;
        }
        Delivery back = new Delivery(current.id(), current.eventId(), current.eventType(), current.eventSequence(),
            current.subjectId(), current.endpointId(), DeliveryState.PENDING, current.attempts(),
            current.nextAttemptAt(), current.createdAt(), now, current.lastStatusCode(), current.lastError(),
            Optional.empty(), Optional.empty(), current.payload());
        if (deliveries.replace(id, current, back)) {
          break;
        }
      }
    }
  }

  @Override
  public Optional<Delivery> findDelivery(String deliveryId) {
    return Optional.ofNullable(deliveries.get(requireNonNull(deliveryId, "deliveryId")));
  }

  @Override
  public List<Delivery> deliveriesOfEvent(String eventId) {
    requireNonNull(eventId, "eventId");
    return deliveries.values().stream().filter(d -> d.eventId().equals(eventId))
        .sorted(Comparator.comparing(Delivery::endpointId)).toList();
  }

  @Override
  public List<Delivery> deliveriesOfEndpoint(
      String endpointId, Optional<DeliveryState> state, long afterSequence, int limit) {
    requireNonNull(endpointId, "endpointId");
    requireNonNull(state, "state");
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be positive, but was " + limit);
    }
    return deliveries.values().stream()
        .filter(d -> d.endpointId().equals(endpointId) && d.eventSequence() > afterSequence)
        .filter(d -> state.isEmpty() || d.state() == state.get())
        .sorted(Comparator.comparingLong(Delivery::eventSequence))
        .limit(limit)
        .toList();
  }

  @Override
  public Optional<Delivery> redeliver(String deliveryId, Instant now) {
    requireNonNull(deliveryId, "deliveryId");
    requireNonNull(now, "now");
    while (true) {
      Delivery current = deliveries.get(deliveryId);
      if (current == null) {
        return Optional.empty();
      }
      if (current.state() == DeliveryState.SENDING) {
        return Optional.of(current);
      }
      Delivery again = requeued(current, now);
      if (deliveries.replace(deliveryId, current, again)) {
        openOf(again.endpointId()).add(again.id());
        return Optional.of(again);
      }
    }
  }

  private static Delivery requeued(Delivery current, Instant now) {
    return new Delivery(current.id(), current.eventId(), current.eventType(), current.eventSequence(),
        current.subjectId(), current.endpointId(), DeliveryState.PENDING, 0, now, current.createdAt(), now,
        current.lastStatusCode(), current.lastError(), Optional.empty(), Optional.empty(), current.payload());
  }

  @Override
  public int redeliverDead(String endpointId, Instant now) {
    requireNonNull(endpointId, "endpointId");
    requireNonNull(now, "now");
    int count = 0;
    for (Delivery current : deliveries.values()) {
      if (current.endpointId().equals(endpointId) && current.state() == DeliveryState.DEAD
          && deliveries.replace(current.id(), current, requeued(current, now))) {
        openOf(endpointId).add(current.id());
        count++;
      }
    }
    return count;
  }

  @Override
  public void disableEndpoint(EndpointDisabled endpoint) {
    requireNonNull(endpoint, "endpoint");
    disabled.putIfAbsent(endpoint.endpointId(), endpoint);
  }

  @Override
  public boolean enableEndpoint(String endpointId, Instant now) {
    requireNonNull(endpointId, "endpointId");
    requireNonNull(now, "now");
    if (disabled.remove(endpointId) == null) {
      return false;
    }
    for (String id : openOf(endpointId)) {
      deliveries.computeIfPresent(id, (key, current) -> current.state() == DeliveryState.PENDING
          && current.nextAttemptAt().isAfter(now) ? withDue(current, now) : current);
    }
    return true;
  }

  private static Delivery withDue(Delivery current, Instant now) {
    return new Delivery(current.id(), current.eventId(), current.eventType(), current.eventSequence(),
        current.subjectId(), current.endpointId(), current.state(), current.attempts(), now, current.createdAt(),
        now, current.lastStatusCode(), current.lastError(), current.leaseOwner(), current.leaseUntil(),
        current.payload());
  }

  @Override
  public Map<String, EndpointDisabled> disabledEndpoints() {
    return Map.copyOf(new TreeMap<>(disabled));
  }

  @Override
  public List<DeliveryAttempt> attemptsOfEvent(String eventId) {
    requireNonNull(eventId, "eventId");
    return attempts(a -> a.eventId().equals(eventId), Integer.MAX_VALUE);
  }

  @Override
  public List<DeliveryAttempt> attemptsOfDelivery(String deliveryId) {
    requireNonNull(deliveryId, "deliveryId");
    return attempts(a -> a.deliveryId().equals(deliveryId), Integer.MAX_VALUE);
  }

  @Override
  public List<DeliveryAttempt> attemptsOfEndpoint(String endpointId, Instant since, int limit) {
    requireNonNull(endpointId, "endpointId");
    requireNonNull(since, "since");
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be positive, but was " + limit);
    }
    return attempts(a -> a.endpointId().equals(endpointId) && !a.at().isBefore(since), limit);
  }

  private List<DeliveryAttempt> attempts(Predicate<DeliveryAttempt> filter, int limit) {
    synchronized (attemptLock) {
      return attempts.stream().filter(filter).limit(limit).toList();
    }
  }

  @Override
  public int purge(Instant cutoff) {
    requireNonNull(cutoff, "cutoff");
    int removed;
    synchronized (attemptLock) {
      int before = attempts.size();
      attempts.removeIf(a -> a.at().isBefore(cutoff));
      removed = before - attempts.size();
    }
    for (Delivery current : deliveries.values()) {
      boolean finished = current.state() == DeliveryState.DELIVERED || current.state() == DeliveryState.DEAD;
      if (finished && current.updatedAt().isBefore(cutoff) && deliveries.remove(current.id(), current)) {
        removed++;
      }
    }
    return removed;
  }

  @Override
  public String toString() {
    int attemptCount;
    synchronized (attemptLock) {
      attemptCount = attempts.size();
    }
    return "InMemoryDeliveryStore[" + deliveries.size() + " deliveries, " + attemptCount + " attempts]";
  }
}
