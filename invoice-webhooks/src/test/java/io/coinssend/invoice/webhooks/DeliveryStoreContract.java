package io.coinssend.invoice.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.coinssend.invoice.webhooks.spi.DeliveryOutcome;
import io.coinssend.invoice.webhooks.spi.DeliveryStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link DeliveryStore} must do. A store's test extends this class and says how to make an empty store
 * (in about 20 lines, as ShedLock's contract tests do), including the races between dispatchers.
 */
abstract class DeliveryStoreContract {

  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  static final String GROUP = "default";

  protected DeliveryStore store;

  /** A new, empty store. */
  protected abstract DeliveryStore newStore();

  /** Releases what {@link #newStore()} made, if anything. */
  protected void dispose() {}

  @BeforeEach
  void createStore() {
    store = newStore();
  }

  @AfterEach
  void disposeStore() {
    dispose();
  }

  static String eventId(long sequence) {
    return String.format("evt_%032x", sequence);
  }

  static Delivery delivery(long sequence, String endpoint, Instant now) {
    return Delivery.pending(eventId(sequence), "invoice.created", sequence, "inv_" + sequence, endpoint, now,
        "{\"id\":\"" + eventId(sequence) + "\",\"note\":\"5 € \\\"quoted\\\"\"}");
  }

  private static DeliveryAttempt attempt(Delivery delivery, int number, Instant at, int status) {
    boolean ok = status >= 200 && status < 300;
    return new DeliveryAttempt(delivery.id(), delivery.eventId(), delivery.endpointId(), number, at,
        OptionalInt.of(status), Duration.ofMillis(12), ok, ok ? Optional.empty() : Optional.of("HTTP " + status));
  }

  private Delivery claimOne(Delivery delivery, Instant now, String owner) {
    List<Delivery> claimed = store.claim(delivery.endpointId(), now, 1, owner, now.plusSeconds(60));
    assertThat(claimed).extracting(Delivery::id).containsExactly(delivery.id());
    return claimed.get(0);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Enqueueing

  @Test
  void enqueueMovesThePositionAndStoresPendingDeliveries() {
    Delivery first = delivery(1, "shop", T0);
    Delivery second = delivery(2, "shop", T0);
    assertThat(store.findPosition(GROUP)).isEmpty();

    assertThat(store.enqueue(GROUP, 0, 2, List.of(first, second))).isTrue();

    assertThat(store.findPosition(GROUP)).isEqualTo(OptionalLong.of(2));
    assertThat(store.findDelivery(first.id())).contains(first);
    assertThat(store.findDelivery(second.id())).contains(second);
    assertThat(store.findDelivery(second.id()).orElseThrow().payload()).contains("5 € \\\"quoted\\\"");
    assertThat(store.findDelivery("dlv_unknown")).isEmpty();
  }

  @Test
  void anEmptyBatchStillMovesThePosition() {
    assertThat(store.enqueue(GROUP, 0, 7, List.of())).isTrue();
    assertThat(store.findPosition(GROUP)).isEqualTo(OptionalLong.of(7));
    assertThat(store.findPosition("other")).isEmpty();
  }

  @Test
  void aStalePositionWritesNothing() {
    store.enqueue(GROUP, 0, 2, List.of(delivery(1, "shop", T0), delivery(2, "shop", T0)));
    Delivery third = delivery(3, "shop", T0);

    assertThat(store.enqueue(GROUP, 0, 3, List.of(third))).isFalse();
    assertThat(store.enqueue(GROUP, 1, 3, List.of(third))).isFalse();
    assertThat(store.findDelivery(third.id())).isEmpty();
    assertThat(store.findPosition(GROUP)).isEqualTo(OptionalLong.of(2));

    assertThat(store.enqueue(GROUP, 2, 3, List.of(third))).isTrue();
    assertThat(store.findDelivery(third.id())).isPresent();
    assertThatThrownBy(() -> store.enqueue(GROUP, 3, 2, List.of())).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aDeliveryIsUniquePerEventAndEndpoint() {
    Delivery original = delivery(1, "shop", T0);
    store.enqueue(GROUP, 0, 1, List.of(original));
    Delivery again = Delivery.pending(original.eventId(), "invoice.created", 1, "inv_1", "shop",
        T0.plusSeconds(30), "{\"other\":true}");

    assertThat(store.enqueue(GROUP, 1, 2, List.of(again, delivery(2, "shop", T0)))).isTrue();
    assertThat(store.enqueue("another-group", 0, 2, List.of(again))).isTrue();

    assertThat(store.findDelivery(original.id())).contains(original);
    assertThat(store.deliveriesOfEndpoint("shop", Optional.empty(), 0, 100)).hasSize(2);
  }

  @Test
  void enqueueClaimingInsertsTheChosenEndpointsDeliveriesClaimedAndReturnsOnlyTheNewOnes() {
    Delivery existing = delivery(1, "shop", T0);
    store.enqueue(GROUP, 0, 1, List.of(existing));
    Delivery existingAgain = Delivery.pending(existing.eventId(), "invoice.created", 1, "inv_1", "shop", T0,
        "{\"other\":true}");
    Delivery toShop = delivery(2, "shop", T0);
    Delivery toErp = delivery(2, "erp", T0);
    Instant now = T0.plusSeconds(5);
    Instant until = now.plusSeconds(60);

    Optional<List<Delivery>> enqueued = store.enqueueClaiming(GROUP, 1, 2, List.of(existingAgain, toShop, toErp),
        Set.of("shop"), "a", until, now);

    assertThat(enqueued).isPresent();
    assertThat(enqueued.get()).as("the new delivery to shop, claimed; not the one that existed, nor erp's")
        .extracting(Delivery::id).containsExactly(toShop.id());
    Delivery claimed = enqueued.get().get(0);
    assertThat(claimed.state()).isEqualTo(DeliveryState.SENDING);
    assertThat(claimed.leaseOwner()).contains("a");
    assertThat(claimed.leaseUntil()).contains(until);
    assertThat(claimed.payload()).isEqualTo(toShop.payload());
    assertThat(store.findDelivery(toShop.id())).contains(claimed);
    assertThat(store.findDelivery(existing.id())).as("left as it was").contains(existing);
    assertThat(store.findDelivery(toErp.id())).contains(toErp);
    assertThat(store.findPosition(GROUP)).isEqualTo(OptionalLong.of(2));

    // Claimed as a claim would leave it: nobody else takes it before the lease ends, and its owner's outcome holds.
    Instant later = until.plusSeconds(600);
    assertThat(store.claim("shop", now, 10, "b", later)).extracting(Delivery::id).containsExactly(existing.id());
    assertThat(store.claim("erp", now, 10, "b", later)).extracting(Delivery::id).containsExactly(toErp.id());
    DeliveryAttempt ok = attempt(claimed, 1, now, 204);
    assertThat(store.complete(new DeliveryOutcome("a", ok, DeliveryState.DELIVERED, 1, now, now))).isTrue();
    assertThat(store.findDelivery(toShop.id()).orElseThrow().state()).isEqualTo(DeliveryState.DELIVERED);

    // Unclaimed by its owner, it is claimed by another once the lease lapses.
    Delivery lapsing = delivery(3, "shop", T0);
    assertThat(store.enqueueClaiming(GROUP, 2, 3, List.of(lapsing), Set.of("shop"), "a", until, now)).isPresent();
    assertThat(store.claim("shop", until.minusMillis(1), 10, "b", until.plusSeconds(60))).isEmpty();
    assertThat(store.claim("shop", until, 10, "b", until.plusSeconds(60))).extracting(Delivery::id)
        .containsExactly(lapsing.id());
  }

  @Test
  void enqueueClaimingAtAStalePositionWritesNothing() {
    store.enqueue(GROUP, 0, 2, List.of(delivery(1, "shop", T0)));
    Delivery third = delivery(3, "shop", T0);

    assertThat(store.enqueueClaiming(GROUP, 1, 3, List.of(third), Set.of("shop"), "a", T0.plusSeconds(60), T0))
        .isEmpty();
    assertThat(store.findDelivery(third.id())).isEmpty();
    assertThat(store.findPosition(GROUP)).isEqualTo(OptionalLong.of(2));
    assertThatThrownBy(() -> store.enqueueClaiming(GROUP, 2, 3, List.of(third.claimed("a", T0, T0)), Set.of(),
        "a", T0, T0)).isInstanceOf(IllegalArgumentException.class);
    assertThat(store.findPosition(GROUP)).as("a refused call moves nothing").isEqualTo(OptionalLong.of(2));
  }

  @Test
  void concurrentEnqueuersOfTheSameEventsCreateEachDeliveryOnce() throws Exception {
    int events = 60;
    int threads = 6;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<Integer>> wins = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        wins.add(pool.submit(() -> {
          start.await();
          int won = 0;
          while (true) {
            long position = store.findPosition(GROUP).orElse(0);
            if (position >= events) {
              return won;
            }
            long next = Math.min(events, position + 5);
            List<Delivery> batch = new ArrayList<>();
            for (long s = position + 1; s <= next; s++) {
              batch.add(delivery(s, "shop", T0));
              batch.add(delivery(s, "erp", T0));
            }
            if (store.enqueue(GROUP, position, next, batch)) {
              won++;
            }
          }
        }));
      }
      start.countDown();
      int totalWins = 0;
      for (Future<Integer> win : wins) {
        totalWins += win.get(60, TimeUnit.SECONDS);
      }
      assertThat(totalWins).as("each batch of 5 events is won exactly once").isEqualTo(events / 5);
    } finally {
      pool.shutdownNow();
    }
    for (String endpoint : List.of("shop", "erp")) {
      List<Delivery> all = store.deliveriesOfEndpoint(endpoint, Optional.empty(), 0, 1000);
      assertThat(all).extracting(Delivery::eventSequence)
          .containsExactlyElementsOf(IntStream.rangeClosed(1, events).mapToObj(i -> (long) i).toList());
    }
    assertThat(store.findPosition(GROUP)).isEqualTo(OptionalLong.of(events));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Claims

  @Test
  void claimTakesDueDeliveriesEarliestFirstUpToTheLimit() {
    Delivery late = delivery(1, "shop", T0.plusSeconds(2));
    Delivery early = delivery(2, "shop", T0);
    Delivery middle = delivery(3, "shop", T0.plusSeconds(1));
    Delivery elsewhere = delivery(3, "erp", T0);
    store.enqueue(GROUP, 0, 3, List.of(late, early, middle, elsewhere));
    Instant lease = T0.plusSeconds(100);

    List<Delivery> first = store.claim("shop", T0.plusSeconds(1), 10, "a", lease);

    assertThat(first).extracting(Delivery::id).containsExactly(early.id(), middle.id());
    assertThat(first).allSatisfy(d -> {
      assertThat(d.state()).isEqualTo(DeliveryState.SENDING);
      assertThat(d.leaseOwner()).contains("a");
      assertThat(d.leaseUntil()).contains(lease);
    });
    assertThat(store.findDelivery(early.id()).orElseThrow().state()).isEqualTo(DeliveryState.SENDING);
    assertThat(store.claim("shop", T0.plusSeconds(1), 10, "b", lease)).isEmpty();
    assertThat(store.claim("shop", T0.plusSeconds(5), 1, "b", lease)).extracting(Delivery::id)
        .containsExactly(late.id());
    assertThat(store.claim("erp", T0, 10, "b", lease)).extracting(Delivery::id).containsExactly(elsewhere.id());
  }

  @Test
  void claimsOfOneOrTwoFromALongQueueTakeTheEarliestDueEachTime() {
    List<Delivery> queue = new ArrayList<>();
    for (int sequence = 1; sequence <= 60; sequence++) {
      // Due times 0..59 s in a scrambled order (37 and 60 are coprime), so queue order is not due order.
      queue.add(delivery(sequence, "shop", T0.plusSeconds((sequence * 37L) % 60)));
    }
    store.enqueue(GROUP, 0, 60, queue);
    List<String> expected = queue.stream()
        .sorted(java.util.Comparator.comparing(Delivery::nextAttemptAt)).map(Delivery::id).toList();

    List<String> claimed = new ArrayList<>();
    while (claimed.size() < queue.size()) {
      List<Delivery> batch = store.claim("shop", T0.plusSeconds(60), 1 + claimed.size() % 2, "a", T0.plusSeconds(600));
      assertThat(batch).isNotEmpty();
      batch.forEach(d -> claimed.add(d.id()));
    }

    assertThat(claimed).containsExactlyElementsOf(expected);
  }

  @Test
  void aLapsedClaimCanBeTakenOverAndTheOldOwnerLosesIt() {
    Delivery delivery = delivery(1, "shop", T0);
    store.enqueue(GROUP, 0, 1, List.of(delivery));
    store.claim("shop", T0, 1, "a", T0.plusSeconds(60));

    assertThat(store.claim("shop", T0.plusSeconds(59), 1, "b", T0.plusSeconds(200))).isEmpty();
    Delivery taken = store.claim("shop", T0.plusSeconds(60), 1, "b", T0.plusSeconds(200)).get(0);
    assertThat(taken.leaseOwner()).contains("b");

    DeliveryAttempt lateAttempt = attempt(delivery, 1, T0, 200);
    assertThat(store.complete(new DeliveryOutcome("a", lateAttempt, DeliveryState.DELIVERED, 1, T0, T0))).isFalse();
    assertThat(store.findDelivery(delivery.id()).orElseThrow().state()).isEqualTo(DeliveryState.SENDING);
    assertThat(store.attemptsOfDelivery(delivery.id())).containsExactly(lateAttempt);

    DeliveryAttempt second = attempt(delivery, 1, T0.plusSeconds(60), 200);
    assertThat(store.complete(new DeliveryOutcome("b", second, DeliveryState.DELIVERED, 1, T0.plusSeconds(61),
        T0.plusSeconds(61)))).isTrue();
    assertThat(store.findDelivery(delivery.id()).orElseThrow().state()).isEqualTo(DeliveryState.DELIVERED);
  }

  @Test
  void concurrentClaimersNeverShareADelivery() throws Exception {
    List<Delivery> all = new ArrayList<>();
    for (long s = 1; s <= 120; s++) {
      all.add(delivery(s, "shop", T0));
    }
    store.enqueue(GROUP, 0, 120, all);
    int threads = 6;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    Set<String> seen = ConcurrentHashMap.newKeySet();
    List<String> claims = Collections.synchronizedList(new ArrayList<>());
    try {
      List<Future<?>> workers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        String owner = "owner-" + t;
        workers.add(pool.submit(() -> {
          start.await();
          while (true) {
            List<Delivery> got = store.claim("shop", T0, 7, owner, T0.plusSeconds(60));
            if (got.isEmpty()) {
              return null;
            }
            for (Delivery d : got) {
              claims.add(d.id());
              seen.add(d.id());
              assertThat(d.leaseOwner()).contains(owner);
            }
          }
        }));
      }
      start.countDown();
      for (Future<?> worker : workers) {
        worker.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(claims).hasSize(120);
    assertThat(seen).hasSize(120);
  }

  @Test
  void aClaimCarriesEachDeliverysOwnPayloadAndMatchesTheStoredDelivery() {
    List<Delivery> all = new ArrayList<>();
    for (long s = 1; s <= 5; s++) {
      all.add(delivery(s, "shop", T0));
    }
    store.enqueue(GROUP, 0, 5, all);

    List<Delivery> claimed = store.claim("shop", T0, 10, "a", T0.plusSeconds(60));

    assertThat(claimed).hasSize(5);
    for (int i = 0; i < claimed.size(); i++) {
      assertThat(claimed.get(i).payload()).isEqualTo(all.get(i).payload());
      assertThat(claimed.get(i)).isEqualTo(all.get(i).claimed("a", T0.plusSeconds(60), T0));
      assertThat(store.findDelivery(all.get(i).id())).contains(claimed.get(i));
    }
  }

  @Test
  void lapsedClaimsTakenOverByConcurrentClaimersGoToExactlyOneEach() throws Exception {
    List<Delivery> all = new ArrayList<>();
    for (long s = 1; s <= 90; s++) {
      all.add(delivery(s, "shop", T0));
    }
    store.enqueue(GROUP, 0, 90, all);
    int first = 0;
    while (first < 90) {
      first += store.claim("shop", T0, 30, "gone", T0.plusSeconds(60)).size();
    }
    int threads = 6;
    int limit = 7;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<Delivery> claims = Collections.synchronizedList(new ArrayList<>());
    try {
      List<Future<?>> workers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        String owner = "owner-" + t;
        workers.add(pool.submit(() -> {
          start.await();
          while (true) {
            List<Delivery> got = store.claim("shop", T0.plusSeconds(60), limit, owner, T0.plusSeconds(200));
            assertThat(got.size()).as("a claim never takes more than its limit").isLessThanOrEqualTo(limit);
            if (got.isEmpty()) {
              return null;
            }
            claims.addAll(got);
          }
        }));
      }
      start.countDown();
      for (Future<?> worker : workers) {
        worker.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(claims).extracting(Delivery::id).doesNotHaveDuplicates().hasSize(90);
    for (Delivery claimed : claims) {
      assertThat(store.findDelivery(claimed.id()).orElseThrow().leaseOwner()).isEqualTo(claimed.leaseOwner());
    }
    DeliveryOutcome stale = new DeliveryOutcome("gone", attempt(all.get(0), 1, T0, 204), DeliveryState.DELIVERED, 1,
        T0, T0);
    assertThat(store.completeAll(List.of(stale))).as("the first owner's claims are lost").containsExactly(stale);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Completing and the delivery log

  @Test
  void completeMovesTheDeliveryAndLogsEveryAttempt() {
    Delivery delivery = delivery(1, "shop", T0);
    store.enqueue(GROUP, 0, 1, List.of(delivery));
    claimOne(delivery, T0, "a");
    DeliveryAttempt failed = attempt(delivery, 1, T0, 500);

    assertThat(store.complete(new DeliveryOutcome("a", failed, DeliveryState.PENDING, 1, T0.plusSeconds(5),
        T0.plusMillis(12)))).isTrue();

    Delivery waiting = store.findDelivery(delivery.id()).orElseThrow();
    assertThat(waiting.state()).isEqualTo(DeliveryState.PENDING);
    assertThat(waiting.attempts()).isEqualTo(1);
    assertThat(waiting.nextAttemptAt()).isEqualTo(T0.plusSeconds(5));
    assertThat(waiting.lastStatusCode()).isEqualTo(OptionalInt.of(500));
    assertThat(waiting.lastError()).contains("HTTP 500");
    assertThat(waiting.leaseOwner()).isEmpty();
    assertThat(waiting.updatedAt()).isEqualTo(T0.plusMillis(12));
    assertThat(store.claim("shop", T0.plusSeconds(4), 1, "a", T0.plusSeconds(60))).isEmpty();

    claimOne(delivery, T0.plusSeconds(5), "b");
    DeliveryAttempt ok = attempt(delivery, 2, T0.plusSeconds(5), 204);
    assertThat(store.complete(new DeliveryOutcome("b", ok, DeliveryState.DELIVERED, 2, T0.plusSeconds(5),
        T0.plusSeconds(5)))).isTrue();

    Delivery done = store.findDelivery(delivery.id()).orElseThrow();
    assertThat(done.state()).isEqualTo(DeliveryState.DELIVERED);
    assertThat(done.lastStatusCode()).isEqualTo(OptionalInt.of(204));
    assertThat(done.lastError()).isEmpty();
    assertThat(store.attemptsOfDelivery(delivery.id())).containsExactly(failed, ok);
    assertThat(store.attemptsOfEvent(delivery.eventId())).containsExactly(failed, ok);
    assertThat(store.attemptsOfEndpoint("shop", T0.plusSeconds(1), 10)).containsExactly(ok);
    assertThat(store.attemptsOfEndpoint("shop", T0, 1)).containsExactly(failed);
    assertThat(store.attemptsOfEndpoint("erp", T0, 10)).isEmpty();
    assertThat(store.claim("shop", T0.plusSeconds(3600), 10, "a", T0.plusSeconds(4000))).isEmpty();
  }

  @Test
  void completeAllRecordsEveryAttemptAndMovesOnlyTheDeliveriesWhoseClaimIsHeld() {
    Delivery delivered = delivery(1, "shop", T0);
    Delivery retried = delivery(2, "shop", T0);
    Delivery taken = delivery(3, "shop", T0);
    Delivery dead = delivery(4, "shop", T0);
    store.enqueue(GROUP, 0, 4, List.of(delivered, retried, taken, dead));
    assertThat(store.claim("shop", T0, 2, "a", T0.plusSeconds(600))).hasSize(2);
    claimOne(taken, T0, "a");
    assertThat(store.claim("shop", T0, 1, "a", T0.plusSeconds(600))).hasSize(1);
    // The claim on `taken` lapses and another dispatcher takes it over before "a" records its attempt.
    assertThat(store.claim("shop", T0.plusSeconds(60), 1, "b", T0.plusSeconds(200))).extracting(Delivery::id)
        .containsExactly(taken.id());
    Instant end = T0.plusSeconds(61);
    DeliveryOutcome ok = new DeliveryOutcome("a", attempt(delivered, 1, T0, 204), DeliveryState.DELIVERED, 1, end,
        end);
    DeliveryOutcome retry = new DeliveryOutcome("a", attempt(retried, 1, T0, 503), DeliveryState.PENDING, 1,
        end.plusSeconds(5), end);
    DeliveryOutcome late = new DeliveryOutcome("a", attempt(taken, 1, T0, 204), DeliveryState.DELIVERED, 1, end, end);
    DeliveryOutcome last = new DeliveryOutcome("a", attempt(dead, 8, T0, 500), DeliveryState.DEAD, 8, end, end);

    List<DeliveryOutcome> lost = store.completeAll(List.of(ok, retry, late, last));

    assertThat(lost).containsExactly(late);
    assertThat(store.findDelivery(delivered.id()).orElseThrow().state()).isEqualTo(DeliveryState.DELIVERED);
    Delivery waiting = store.findDelivery(retried.id()).orElseThrow();
    assertThat(waiting.state()).isEqualTo(DeliveryState.PENDING);
    assertThat(waiting.nextAttemptAt()).isEqualTo(end.plusSeconds(5));
    assertThat(waiting.lastError()).contains("HTTP 503");
    assertThat(waiting.leaseOwner()).isEmpty();
    Delivery stillB = store.findDelivery(taken.id()).orElseThrow();
    assertThat(stillB.state()).isEqualTo(DeliveryState.SENDING);
    assertThat(stillB.leaseOwner()).contains("b");
    assertThat(store.findDelivery(dead.id()).orElseThrow().state()).isEqualTo(DeliveryState.DEAD);
    assertThat(store.attemptsOfEndpoint("shop", Instant.EPOCH, 10)).as("every attempt is logged, lost claim too")
        .containsExactly(ok.attempt(), retry.attempt(), late.attempt(), last.attempt());
    assertThat(store.completeAll(List.of())).isEmpty();
  }

  @Test
  void completeAllAppliesTwoOutcomesOfOneDeliveryInOrder() {
    Delivery delivery = delivery(1, "shop", T0);
    store.enqueue(GROUP, 0, 1, List.of(delivery));
    claimOne(delivery, T0, "a");
    DeliveryOutcome first = new DeliveryOutcome("a", attempt(delivery, 1, T0, 500), DeliveryState.PENDING, 1,
        T0.plusSeconds(5), T0);
    DeliveryOutcome second = new DeliveryOutcome("a", attempt(delivery, 1, T0, 204), DeliveryState.DELIVERED, 1, T0,
        T0);

    assertThat(store.completeAll(List.of(first, second))).containsExactly(second);

    assertThat(store.findDelivery(delivery.id()).orElseThrow().state()).isEqualTo(DeliveryState.PENDING);
    assertThat(store.attemptsOfDelivery(delivery.id())).containsExactly(first.attempt(), second.attempt());
  }

  @Test
  void completeAllRecordsAGroupLargerThanOneStatement() {
    List<Delivery> all = new ArrayList<>();
    for (long s = 1; s <= 1_203; s++) {
      all.add(delivery(s, "shop", T0));
    }
    store.enqueue(GROUP, 0, all.size(), all);
    List<DeliveryOutcome> outcomes = new ArrayList<>();
    while (outcomes.size() < all.size()) {
      for (Delivery d : store.claim("shop", T0, 500, "a", T0.plusSeconds(60))) {
        outcomes.add(new DeliveryOutcome("a", attempt(d, 1, T0, 204), DeliveryState.DELIVERED, 1, T0, T0));
      }
    }

    assertThat(store.completeAll(outcomes)).isEmpty();

    assertThat(store.deliveriesOfEndpoint("shop", Optional.of(DeliveryState.DELIVERED), 0, 2_000)).hasSize(1_203);
    assertThat(store.attemptsOfEndpoint("shop", Instant.EPOCH, 2_000)).hasSize(1_203);
  }

  @Test
  void anOutcomeMovesTheDeliveryOnlyForTheOwnerOfAClaimStillSending() {
    Delivery heldByA = delivery(1, "shop", T0);
    Delivery released = delivery(2, "shop", T0);
    Delivery redelivered = delivery(3, "shop", T0);
    Delivery lapsed = delivery(4, "shop", T0);
    Delivery never = delivery(5, "shop", T0);
    store.enqueue(GROUP, 0, 5, List.of(heldByA, released, redelivered, lapsed, never));
    claimOne(heldByA, T0, "a");
    claimOne(released, T0, "a");
    claimOne(redelivered, T0, "a");
    claimOne(lapsed, T0, "a");
    store.release("a", List.of(released.id()), T0);
    Instant end = T0.plusSeconds(90); // after every lease above: lapsed, but nobody took them over
    DeliveryOutcome wrongOwner = new DeliveryOutcome("b", attempt(heldByA, 1, T0, 204), DeliveryState.DELIVERED, 1,
        end, end);
    DeliveryOutcome afterRelease = new DeliveryOutcome("a", attempt(released, 1, T0, 204), DeliveryState.DELIVERED,
        1, end, end);
    DeliveryOutcome neverClaimed = new DeliveryOutcome("a", attempt(never, 1, T0, 204), DeliveryState.DELIVERED, 1,
        end, end);
    DeliveryOutcome unknown = new DeliveryOutcome("a", new DeliveryAttempt("dlv_unknown", eventId(9), "shop", 1, T0,
        OptionalInt.of(204), Duration.ofMillis(1), true, Optional.empty()), DeliveryState.DELIVERED, 1, end, end);
    DeliveryOutcome stillMine = new DeliveryOutcome("a", attempt(lapsed, 1, T0, 503), DeliveryState.PENDING, 1,
        end.plusSeconds(5), end);

    List<DeliveryOutcome> lost = store.completeAll(List.of(wrongOwner, afterRelease, neverClaimed, unknown,
        stillMine));

    assertThat(lost).containsExactly(wrongOwner, afterRelease, neverClaimed, unknown);
    Delivery a = store.findDelivery(heldByA.id()).orElseThrow();
    assertThat(a.state()).isEqualTo(DeliveryState.SENDING);
    assertThat(a.leaseOwner()).contains("a");
    assertThat(store.findDelivery(released.id()).orElseThrow().state()).isEqualTo(DeliveryState.PENDING);
    assertThat(store.findDelivery(never.id()).orElseThrow().attempts()).isZero();
    Delivery retry = store.findDelivery(lapsed.id()).orElseThrow();
    assertThat(retry.state()).as("a lapsed claim nobody took over is still its owner's").isEqualTo(
        DeliveryState.PENDING);
    assertThat(retry.nextAttemptAt()).isEqualTo(end.plusSeconds(5));
    assertThat(store.attemptsOfEndpoint("shop", Instant.EPOCH, 10)).as("every attempt is logged")
        .containsExactly(wrongOwner.attempt(), afterRelease.attempt(), neverClaimed.attempt(), unknown.attempt(),
            stillMine.attempt());
    store.redeliver(redelivered.id(), end);
    assertThat(store.findDelivery(redelivered.id()).orElseThrow().state()).as("being sent: left as it is")
        .isEqualTo(DeliveryState.SENDING);
    assertThat(store.complete(new DeliveryOutcome("b", attempt(redelivered, 1, T0, 204), DeliveryState.DELIVERED, 1,
        end, end))).isFalse();
    assertThat(store.complete(new DeliveryOutcome("a", attempt(redelivered, 1, T0, 204), DeliveryState.DELIVERED, 1,
        end, end))).isTrue();
  }

  @Test
  void aDeliveryEnqueuedTwiceInOneBatchIsStoredOnceWithTheFirstPayload() {
    Delivery first = delivery(1, "shop", T0);
    Delivery twin = Delivery.pending(first.eventId(), "invoice.created", 1, "inv_1", "shop", T0.plusSeconds(1),
        "{\"twin\":true}");

    assertThat(store.enqueue(GROUP, 0, 2, List.of(first, twin, delivery(2, "shop", T0)))).isTrue();

    assertThat(store.findDelivery(first.id())).contains(first);
    assertThat(store.deliveriesOfEndpoint("shop", Optional.empty(), 0, 10)).hasSize(2);
  }

  @Test
  void aPurgedDeliveryCanBeEnqueuedAgainWithItsNewPayload() {
    Delivery old = delivery(1, "shop", T0);
    store.enqueue(GROUP, 0, 1, List.of(old));
    claimOne(old, T0, "a");
    store.complete(new DeliveryOutcome("a", attempt(old, 1, T0, 204), DeliveryState.DELIVERED, 1, T0, T0));
    assertThat(store.purge(T0.plusSeconds(1))).isEqualTo(2);
    assertThat(store.findDelivery(old.id())).isEmpty();
    Instant later = T0.plusSeconds(10);
    Delivery again = Delivery.pending(old.eventId(), "invoice.created", 1, "inv_1", "shop", later, "{\"v\":2}");

    assertThat(store.enqueue("backfill", 0, 1, List.of(again))).isTrue();

    assertThat(store.findDelivery(old.id())).contains(again);
    assertThat(store.claim("shop", later, 10, "b", later.plusSeconds(60))).extracting(Delivery::payload)
        .containsExactly("{\"v\":2}");
  }

  @Test
  void releaseGivesBackOnlyTheOwnersClaimsDueAsBefore() {
    Delivery retry = delivery(1, "shop", T0);
    Delivery mine = delivery(2, "shop", T0);
    Delivery theirs = delivery(3, "shop", T0);
    Delivery done = delivery(4, "shop", T0);
    store.enqueue(GROUP, 0, 4, List.of(mine, retry, theirs, done));
    claimOne(retry, T0, "a");
    store.complete(new DeliveryOutcome("a", attempt(retry, 1, T0, 500), DeliveryState.PENDING, 1, T0.plusSeconds(5),
        T0));
    claimOne(mine, T0.plusSeconds(5), "a");
    claimOne(theirs, T0.plusSeconds(5), "b");
    claimOne(done, T0.plusSeconds(5), "a");
    store.complete(new DeliveryOutcome("a", attempt(done, 1, T0, 204), DeliveryState.DELIVERED, 1, T0, T0));
    claimOne(retry, T0.plusSeconds(5), "a");
    Instant now = T0.plusSeconds(6);

    store.release("a", List.of(mine.id(), retry.id(), theirs.id(), done.id(), "dlv_unknown"), now);

    Delivery back = store.findDelivery(mine.id()).orElseThrow();
    assertThat(back.state()).isEqualTo(DeliveryState.PENDING);
    assertThat(back.leaseOwner()).isEmpty();
    assertThat(back.attempts()).isZero();
    assertThat(back.nextAttemptAt()).isEqualTo(T0);
    Delivery retryBack = store.findDelivery(retry.id()).orElseThrow();
    assertThat(retryBack.attempts()).as("the schedule goes on").isEqualTo(1);
    assertThat(retryBack.nextAttemptAt()).isEqualTo(T0.plusSeconds(5));
    assertThat(store.findDelivery(theirs.id()).orElseThrow().leaseOwner()).contains("b");
    assertThat(store.findDelivery(done.id()).orElseThrow().state()).isEqualTo(DeliveryState.DELIVERED);
    assertThat(store.attemptsOfDelivery(mine.id())).as("no attempt is recorded").isEmpty();
    assertThat(store.claim("shop", now, 10, "c", now.plusSeconds(60))).extracting(Delivery::id)
        .containsExactly(mine.id(), retry.id());
    store.release("a", List.of(), now);
  }

  @Test
  void anAttemptWithoutResponseIsLoggedWithItsError() {
    Delivery delivery = delivery(1, "shop", T0);
    store.enqueue(GROUP, 0, 1, List.of(delivery));
    claimOne(delivery, T0, "a");
    DeliveryAttempt refused = new DeliveryAttempt(delivery.id(), delivery.eventId(), "shop", 1, T0,
        OptionalInt.empty(), Duration.ofMillis(3), false, Optional.of("connection failed: ConnectException"));

    store.complete(new DeliveryOutcome("a", refused, DeliveryState.DEAD, 1, T0, T0));

    assertThat(store.attemptsOfEvent(delivery.eventId())).containsExactly(refused);
    Delivery dead = store.findDelivery(delivery.id()).orElseThrow();
    assertThat(dead.state()).isEqualTo(DeliveryState.DEAD);
    assertThat(dead.lastStatusCode()).isEmpty();
    assertThat(dead.lastError()).contains("connection failed: ConnectException");
    assertThat(store.deliveriesOfEndpoint("shop", Optional.of(DeliveryState.DEAD), 0, 10)).containsExactly(dead);
    assertThat(store.deliveriesOfEvent(delivery.eventId())).containsExactly(dead);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Redelivery, endpoints, retention

  @Test
  void redeliverQueuesDeadAndDeliveredAgainWithAFreshSchedule() {
    Delivery dead = delivery(1, "shop", T0);
    Delivery delivered = delivery(2, "shop", T0);
    Delivery sending = delivery(3, "shop", T0);
    store.enqueue(GROUP, 0, 3, List.of(dead, delivered, sending));
    claimOne(dead, T0, "a");
    store.complete(new DeliveryOutcome("a", attempt(dead, 10, T0, 500), DeliveryState.DEAD, 10, T0, T0));
    claimOne(delivered, T0, "a");
    store.complete(new DeliveryOutcome("a", attempt(delivered, 1, T0, 200), DeliveryState.DELIVERED, 1, T0, T0));
    Instant later = T0.plusSeconds(3600);
    assertThat(store.claim("shop", T0, 1, "a", later.plusSeconds(3600))).extracting(Delivery::id)
        .containsExactly(sending.id());

    Delivery again = store.redeliver(dead.id(), later).orElseThrow();
    assertThat(again.state()).isEqualTo(DeliveryState.PENDING);
    assertThat(again.attempts()).isZero();
    assertThat(again.nextAttemptAt()).isEqualTo(later);
    assertThat(store.redeliver(delivered.id(), later).orElseThrow().state()).isEqualTo(DeliveryState.PENDING);
    assertThat(store.redeliver(sending.id(), later).orElseThrow().state()).isEqualTo(DeliveryState.SENDING);
    assertThat(store.redeliver("dlv_unknown", later)).isEmpty();
    assertThat(store.claim("shop", later, 10, "b", later.plusSeconds(60))).extracting(Delivery::id)
        .containsExactlyInAnyOrder(dead.id(), delivered.id());
  }

  @Test
  void redeliverDeadQueuesOnlyTheDeadOfThatEndpoint() {
    List<Delivery> deliveries = List.of(delivery(1, "shop", T0), delivery(2, "shop", T0), delivery(3, "shop", T0),
        delivery(1, "erp", T0));
    store.enqueue(GROUP, 0, 3, deliveries);
    for (Delivery d : List.of(deliveries.get(0), deliveries.get(1), deliveries.get(3))) {
      claimOne(d, T0, "a");
      store.complete(new DeliveryOutcome("a", attempt(d, 10, T0, 503), DeliveryState.DEAD, 10, T0, T0));
    }

    assertThat(store.redeliverDead("shop", T0.plusSeconds(10))).isEqualTo(2);

    assertThat(store.deliveriesOfEndpoint("shop", Optional.of(DeliveryState.PENDING), 0, 10))
        .extracting(Delivery::eventSequence).containsExactly(1L, 2L, 3L);
    assertThat(store.deliveriesOfEndpoint("erp", Optional.of(DeliveryState.DEAD), 0, 10)).hasSize(1);
    assertThat(store.redeliverDead("shop", T0.plusSeconds(10))).isZero();
  }

  @Test
  void aDisabledEndpointIsRememberedUntilEnabledAndItsQueueIsThenDue() {
    Delivery waiting = delivery(1, "shop", T0);
    store.enqueue(GROUP, 0, 1, List.of(waiting));
    claimOne(waiting, T0, "a");
    store.complete(new DeliveryOutcome("a", attempt(waiting, 1, T0, 410), DeliveryState.PENDING, 1,
        T0.plusSeconds(300), T0));
    EndpointDisabled disabled = new EndpointDisabled("shop", T0, "HTTP 410 Gone");

    store.disableEndpoint(disabled);
    store.disableEndpoint(new EndpointDisabled("shop", T0.plusSeconds(1), "again"));

    assertThat(store.disabledEndpoints()).containsExactlyEntriesOf(java.util.Map.of("shop", disabled));
    assertThat(store.enableEndpoint("shop", T0.plusSeconds(10))).isTrue();
    assertThat(store.disabledEndpoints()).isEmpty();
    assertThat(store.findDelivery(waiting.id()).orElseThrow().nextAttemptAt()).isEqualTo(T0.plusSeconds(10));
    assertThat(store.enableEndpoint("shop", T0.plusSeconds(10))).isFalse();
  }

  @Test
  void purgeDeletesOldAttemptsAndOldFinishedDeliveriesOnly() {
    Delivery delivered = delivery(1, "shop", T0);
    Delivery dead = delivery(2, "shop", T0);
    Delivery pending = delivery(3, "shop", T0);
    Delivery recent = delivery(4, "shop", T0);
    store.enqueue(GROUP, 0, 4, List.of(delivered, dead, pending, recent));
    claimOne(delivered, T0, "a");
    store.complete(new DeliveryOutcome("a", attempt(delivered, 1, T0, 200), DeliveryState.DELIVERED, 1, T0, T0));
    claimOne(dead, T0, "a");
    store.complete(new DeliveryOutcome("a", attempt(dead, 1, T0, 500), DeliveryState.DEAD, 1, T0, T0));
    claimOne(pending, T0, "a");
    store.complete(new DeliveryOutcome("a", attempt(pending, 1, T0, 500), DeliveryState.PENDING, 1,
        T0.plus(Duration.ofDays(90)), T0));
    Instant day40 = T0.plus(Duration.ofDays(40));
    claimOne(recent, day40, "a");
    store.complete(new DeliveryOutcome("a", attempt(recent, 1, day40, 200), DeliveryState.DELIVERED, 1, day40,
        day40));

    int removed = store.purge(T0.plus(Duration.ofDays(30)));

    assertThat(removed).as("3 old attempts and 2 old finished deliveries").isEqualTo(5);
    assertThat(store.findDelivery(delivered.id())).isEmpty();
    assertThat(store.findDelivery(dead.id())).isEmpty();
    assertThat(store.findDelivery(pending.id())).isPresent();
    assertThat(store.findDelivery(recent.id())).isPresent();
    assertThat(store.attemptsOfEndpoint("shop", Instant.EPOCH, 100)).extracting(DeliveryAttempt::deliveryId)
        .containsExactly(recent.id());
  }

  @Test
  void deliveriesOfAnEndpointPageInEventOrder() {
    List<Delivery> all = new ArrayList<>();
    for (long s = 1; s <= 7; s++) {
      all.add(delivery(s, "shop", T0));
    }
    Collections.reverse(all);
    store.enqueue(GROUP, 0, 7, all);

    List<Delivery> first = store.deliveriesOfEndpoint("shop", Optional.empty(), 0, 3);
    List<Delivery> second = store.deliveriesOfEndpoint("shop", Optional.empty(), 3, 3);

    assertThat(first).extracting(Delivery::eventSequence).containsExactly(1L, 2L, 3L);
    assertThat(second).extracting(Delivery::eventSequence).containsExactly(4L, 5L, 6L);
    assertThat(new HashSet<>(store.deliveriesOfEndpoint("shop", Optional.of(DeliveryState.PENDING), 0, 100)))
        .hasSize(7);
  }
}
