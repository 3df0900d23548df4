package io.coinssend.invoice.webhooks.spi;

import io.coinssend.invoice.webhooks.Delivery;
import io.coinssend.invoice.webhooks.DeliveryAttempt;
import io.coinssend.invoice.webhooks.DeliveryState;
import io.coinssend.invoice.webhooks.EndpointDisabled;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Durable storage for webhook deliveries: the per-endpoint queues, the delivery log, the position up to which a
 * dispatcher group has turned the event log into deliveries, and the endpoints disabled by a 410.
 *
 * <p>Implementations are thread-safe and may be shared by several dispatchers (in one JVM or many); every method is
 * atomic. Storage failures are thrown as {@link io.coinssend.invoice.InvoiceStoreException}. No argument or result
 * is null. Built-ins: {@code InMemoryDeliveryStore} (compare-and-set) and {@code JdbcDeliveryStore} (PostgreSQL,
 * MariaDB/MySQL, H2; {@code SELECT … FOR UPDATE SKIP LOCKED} claims).
 *
 * <h2>Exactly-once enqueueing</h2>
 * {@link #enqueue} moves a group's position by compare-and-set and inserts the deliveries in the same atomic step,
 * and a delivery is unique per (event id, endpoint id): two dispatchers that read the same events never create two
 * deliveries of one event to one endpoint.
 *
 * <h2>Delivery is at least once</h2>
 * A dispatcher claims deliveries in batches ({@link #claim} with a limit, or as it enqueues them with
 * {@link #enqueueClaiming}), sends them, and records their outcomes in groups ({@link #completeAll}). A delivery
 * claimed and sent whose outcome never reaches the store (the process died, or the store failed) stays SENDING until
 * its lease lapses, and is then claimed and sent again. Only a recorded outcome moves a delivery on, so none is lost.
 */
public interface DeliveryStore {

  /** The event-log position up to which {@code group} has enqueued deliveries; empty if never saved. */
  OptionalLong findPosition(String group);

  /**
   * Atomically: if {@code group}'s position is still {@code expected} (0 for a group never saved), moves it to
   * {@code next} and inserts {@code deliveries} (PENDING), skipping any whose (event id, endpoint id) already exists.
   *
   * @return false if the position was not {@code expected} (another dispatcher enqueued first); nothing is written
   * @throws IllegalArgumentException if {@code next < expected}
   */
  boolean enqueue(String group, long expected, long next, List<Delivery> deliveries);

  /**
   * {@link #enqueue}, with the new deliveries to the endpoints in {@code claimFor} inserted already claimed: SENDING
   * for {@code owner} until {@code leaseUntil} (updated at {@code now}), as {@link #claim} would leave them. A
   * dispatcher about to send new deliveries itself enqueues them this way, which saves claiming them in a second
   * step. A delivery that already existed is skipped and neither claimed nor returned.
   *
   * <p>The default enqueues them all PENDING with {@link #enqueue} and returns no claimed deliveries (the dispatcher
   * then claims them as usual): correct for any store, and the built-ins override it.
   *
   * @return empty if the position was not {@code expected} (nothing is written); otherwise the deliveries inserted
   *     claimed, in the order given
   * @throws IllegalArgumentException if {@code next < expected}, or a delivery is not PENDING
   */
  default Optional<List<Delivery>> enqueueClaiming(String group, long expected, long next, List<Delivery> deliveries,
      Set<String> claimFor, String owner, Instant leaseUntil, Instant now) {
    return enqueue(group, expected, next, deliveries) ? Optional.of(List.of()) : Optional.empty();
  }

  /**
   * Atomically claims up to {@code limit} deliveries of one endpoint that are due at {@code now} (PENDING with
   * {@code nextAttemptAt <= now}, or SENDING with a lapsed lease), earliest due first: marks them SENDING for
   * {@code owner} until {@code leaseUntil}. Concurrent callers never claim the same delivery.
   *
   * @return the claimed deliveries, in their new state
   */
  List<Delivery> claim(String endpointId, Instant now, int limit, String owner, Instant leaseUntil);

  /**
   * Records an attempt in the delivery log and, if {@code outcome.owner()} still holds the delivery's claim, moves
   * the delivery to the outcome's state, atomically.
   *
   * @return false if the claim was lost (lapsed and taken by another dispatcher, or redelivered); the attempt is
   *     still recorded
   */
  boolean complete(DeliveryOutcome outcome);

  /**
   * Records several outcomes, each as {@link #complete} would, in the order given (so a second outcome of one
   * delivery in the same call finds the first applied and its claim lost). The dispatcher records attempts in groups
   * through this method; a store that can should override it to write a group in one transaction (the built-ins
   * do). The default calls {@link #complete} for each in turn, so it is atomic per outcome only: if it throws, the
   * outcomes before the failing one are recorded.
   *
   * @return the outcomes whose claim was lost, in the order given (empty when every claim was still held); their
   *     attempts are still recorded
   */
  default List<DeliveryOutcome> completeAll(List<DeliveryOutcome> outcomes) {
    List<DeliveryOutcome> lost = new ArrayList<>();
    for (DeliveryOutcome outcome : outcomes) {
      if (!complete(outcome)) {
        lost.add(outcome);
      }
    }
    return lost;
  }

  /**
   * Gives back claims that {@code owner} took but will not use (a dispatcher closing, or an endpoint disabled while
   * it held claimed deliveries): each of these deliveries that is still SENDING for {@code owner} becomes PENDING
   * again, due when it was due before the claim, with no attempt recorded. Others are left as they are. The default
   * does nothing: the claims then lapse at their lease's end and the deliveries are claimed again after that, which
   * is correct but later.
   */
  default void release(String owner, List<String> deliveryIds, Instant now) {}

  Optional<Delivery> findDelivery(String deliveryId);

  /** The deliveries of one event, one per endpoint, by endpoint id. */
  List<Delivery> deliveriesOfEvent(String eventId);

  /**
   * Up to {@code limit} deliveries of one endpoint in {@code state} (any state if empty), in event order, after
   * event position {@code afterSequence} (for paging).
   */
  List<Delivery> deliveriesOfEndpoint(String endpointId, Optional<DeliveryState> state, long afterSequence, int limit);

  /**
   * Puts a DEAD, DELIVERED or PENDING delivery back in its queue, due at {@code now}, with a fresh schedule (zero
   * attempts). A SENDING delivery is left as it is.
   *
   * @return the delivery after the call, empty if there is none with that id
   */
  Optional<Delivery> redeliver(String deliveryId, Instant now);

  /** {@link #redeliver} for every DEAD delivery of an endpoint; returns how many. */
  int redeliverDead(String endpointId, Instant now);

  /** Records that an endpoint is disabled (keeps the first record if it already is). */
  void disableEndpoint(EndpointDisabled disabled);

  /**
   * Removes an endpoint's disabled record and makes its PENDING deliveries due at {@code now}.
   *
   * @return false if it was not disabled
   */
  boolean enableEndpoint(String endpointId, Instant now);

  /** The disabled endpoints, by id. */
  Map<String, EndpointDisabled> disabledEndpoints();

  /** The attempts of one event, at every endpoint, oldest first. */
  List<DeliveryAttempt> attemptsOfEvent(String eventId);

  /** The attempts of one delivery, oldest first. */
  List<DeliveryAttempt> attemptsOfDelivery(String deliveryId);

  /** Up to {@code limit} attempts at one endpoint that started at or after {@code since}, oldest first. */
  List<DeliveryAttempt> attemptsOfEndpoint(String endpointId, Instant since, int limit);

  /**
   * Deletes attempts that started before {@code cutoff}, and DELIVERED and DEAD deliveries last changed before it.
   * PENDING and SENDING deliveries are never deleted.
   *
   * @return how many rows (attempts and deliveries) were deleted
   */
  int purge(Instant cutoff);
}
