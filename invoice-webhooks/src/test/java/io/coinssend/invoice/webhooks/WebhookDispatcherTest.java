package io.coinssend.invoice.webhooks;

import static io.coinssend.invoice.webhooks.TestReceiver.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.coinssend.invoice.Event;
import io.coinssend.invoice.EventType;
import io.coinssend.invoice.InvoiceEvent;
import io.coinssend.invoice.json.InvoiceJson;
import io.coinssend.invoice.testkit.ManualClock;
import io.coinssend.invoice.webhooks.memory.InMemoryDeliveryStore;
import io.coinssend.invoice.webhooks.spi.DeliveryStore;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The dispatcher against a real local HTTP server, on a manual clock, stepping with {@link WebhookDispatcher#runDue()}:
 * headers and signatures, the retry schedule, Retry-After, 410, dead letters, redelivery, restarts and retention.
 */
class WebhookDispatcherTest {

  /** The Standard Webhooks specification's example schedule, as published ("Operational considerations"). */
  static final List<Duration> SPEC_RETRY_DELAYS = List.of(Duration.ofSeconds(5), Duration.ofMinutes(5),
      Duration.ofMinutes(30), Duration.ofHours(2), Duration.ofHours(5), Duration.ofHours(10), Duration.ofHours(14),
      Duration.ofHours(20), Duration.ofHours(24));
  /** The specification's cumulative time of that schedule: 75:35:05. */
  static final Duration SPEC_TOTAL = Duration.ofHours(75).plusMinutes(35).plusSeconds(5);

  private final ManualClock clock = ManualClock.startingAt2026();
  private final Shop shop = new Shop(clock);
  private final DeliveryStore deliveries = new InMemoryDeliveryStore();
  private final WebhookSecret secret = WebhookSecret.generate();
  private final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable closeable : toClose) {
      closeable.close();
    }
    shop.close();
  }

  private TestReceiver receiver() {
    TestReceiver receiver = TestReceiver.start();
    toClose.add(receiver);
    return receiver;
  }

  private WebhookEndpoint endpoint(String id, URI url) {
    return WebhookEndpoint.of(id, url, WebhookSigner.v1(secret));
  }

  private WebhookDispatcher.Builder builder(WebhookEndpoint... endpoints) {
    WebhookDispatcher.Builder builder = WebhookDispatcher.builder()
        .invoiceStore(shop.store)
        .deliveryStore(deliveries)
        .clock(clock)
        .schedule(RetrySchedule.STANDARD.withJitterPercent(0))
        .connectTimeout(Duration.ofSeconds(2))
        .requestTimeout(Duration.ofSeconds(5));
    for (WebhookEndpoint endpoint : endpoints) {
      builder.endpoint(endpoint);
    }
    return builder;
  }

  private WebhookDispatcher dispatcher(WebhookDispatcher.Builder builder) {
    WebhookDispatcher dispatcher = builder.build();
    toClose.add(0, dispatcher);
    return dispatcher;
  }

  private Event verify(TestReceiver.Request request) {
    WebhookVerifier verifier = WebhookVerifier.builder().secret(secret)
        .clock(Clock.fixed(Instant.ofEpochSecond(request.timestamp()), ZoneOffset.UTC)).build();
    return verifier.verify(request.headers(), request.body());
  }

  private static long seconds(Instant instant) {
    return instant.getEpochSecond();
  }

  // ---------------------------------------------------------------------------------------------------------------

  @Test
  void eachEventIsPostedOnceWithStandardHeadersOverTheExactEnvelopeBytes() {
    TestReceiver receiver = receiver();
    List<Event> events = shop.createInvoices(3);
    WebhookDispatcher dispatcher = dispatcher(builder(endpoint("shop", receiver.url("/hooks"))));

    assertThat(dispatcher.runDue()).isEqualTo(3);

    List<TestReceiver.Request> requests = receiver.requests();
    assertThat(requests).extracting(TestReceiver.Request::id)
        .containsExactlyInAnyOrderElementsOf(events.stream().map(Event::id).toList());
    for (TestReceiver.Request request : requests) {
      Event event = events.stream().filter(e -> e.id().equals(request.id())).findFirst().orElseThrow();
      assertThat(request.path()).isEqualTo("/hooks");
      assertThat(request.header("content-type")).isEqualTo("application/json");
      assertThat(request.id()).isEqualTo(event.id());
      assertThat(request.timestamp()).isEqualTo(seconds(clock.instant()));
      assertThat(request.body()).isEqualTo(InvoiceJson.writeBytes(event));
      Event received = verify(request);
      assertThat(received.id()).isEqualTo(event.id());
      assertThat(received.type()).isEqualTo(EventType.INVOICE_CREATED);
      assertThat(received.subjectVersion()).isEqualTo(1);
      assertThat(((InvoiceEvent) received).invoice()).isEqualTo(((InvoiceEvent) event).invoice());
    }
    assertThat(dispatcher.runDue()).isZero();
    assertThat(receiver.count()).isEqualTo(3);
    Delivery delivery = dispatcher.findDelivery(events.get(0).id(), "shop").orElseThrow();
    assertThat(delivery.state()).isEqualTo(DeliveryState.DELIVERED);
    assertThat(delivery.lastStatusCode()).isEqualTo(OptionalInt.of(200));
    List<DeliveryAttempt> attempts = dispatcher.attemptsOfEvent(events.get(0).id());
    assertThat(attempts).hasSize(1);
    assertThat(attempts.get(0).success()).isTrue();
    assertThat(attempts.get(0).at()).isEqualTo(clock.instant());
    assertThat(attempts.get(0).latency()).isPositive();
  }

  @Test
  void eventsBecomeOneDeliveryPerMatchingEnabledEndpoint() {
    TestReceiver all = receiver();
    TestReceiver expiredOnly = receiver();
    TestReceiver off = receiver();
    WebhookDispatcher dispatcher = dispatcher(builder(
        endpoint("all", all.url("/")),
        endpoint("expired-only", expiredOnly.url("/")).withEventTypes(EventType.INVOICE_EXPIRED),
        endpoint("off", off.url("/")).withEnabled(false)));
    Event created = shop.createInvoices(1).get(0);

    dispatcher.runDue();
    clock.advance(Duration.ofMinutes(16));
    shop.engine.tick();
    dispatcher.runDue();

    assertThat(all.requests()).extracting(r -> verify(r).type())
        .containsExactly(EventType.INVOICE_CREATED, EventType.INVOICE_EXPIRED);
    assertThat(expiredOnly.requests()).extracting(r -> verify(r).type()).containsExactly(EventType.INVOICE_EXPIRED);
    assertThat(off.count()).isZero();
    assertThat(dispatcher.deliveriesOfEvent(created.id())).extracting(Delivery::endpointId).containsExactly("all");
  }

  @Test
  void depositEventsAreDeliveredAndVerifiedLikeInvoiceEvents() {
    TestReceiver wallet = receiver();
    WebhookDispatcher dispatcher = dispatcher(builder(endpoint("wallet", wallet.url("/"))
        .withEventTypes(EventType.DEPOSIT_DETECTED, EventType.DEPOSIT_CONFIRMED, EventType.DEPOSIT_REVERSED)));
    io.coinssend.invoice.DepositAddress address =
        shop.engine.depositAddress("customer-1", io.coinssend.invoice.Asset.BTC_REGTEST);
    shop.createInvoice(); // an invoice event, which this endpoint's filter keeps out
    shop.chain.payAndMine(address.address(), io.coinssend.invoice.Money.parse(
        io.coinssend.invoice.Asset.BTC_REGTEST, "0.01"));

    dispatcher.runDue();

    // Deliveries to one endpoint may run in parallel, so they can arrive in either order.
    assertThat(wallet.requests()).extracting(r -> verify(r).type())
        .containsExactlyInAnyOrder(EventType.DEPOSIT_DETECTED, EventType.DEPOSIT_CONFIRMED);
    io.coinssend.invoice.DepositEvent confirmed = wallet.requests().stream().map(this::verify)
        .filter(e -> e.type() == EventType.DEPOSIT_CONFIRMED)
        .map(io.coinssend.invoice.DepositEvent.class::cast).findFirst().orElseThrow();
    assertThat(confirmed.deposit().customerId()).isEqualTo("customer-1");
    assertThat(confirmed.deposit().address()).isEqualTo(address.address());
    assertThat(confirmed.deposit().amount().toPlainString()).isEqualTo("0.01");
  }

  @Test
  void a500IsRetriedOnTheSpecificationScheduleWithOneWebhookId() {
    TestReceiver receiver = receiver().then(status(500), status(500), status(502), status(504));
    Event event = shop.createInvoices(1).get(0);
    WebhookDispatcher dispatcher = dispatcher(builder(endpoint("shop", receiver.url("/"))));
    Instant t0 = clock.instant();
    List<Instant> expectedTimes = new ArrayList<>(List.of(t0));

    dispatcher.runDue();
    for (int retry = 0; retry < 4; retry++) {
      Duration delay = SPEC_RETRY_DELAYS.get(retry);
      clock.advance(delay.minusMillis(1));
      assertThat(dispatcher.runDue()).as("not due 1 ms before the scheduled time").isZero();
      clock.advance(Duration.ofMillis(1));
      expectedTimes.add(clock.instant());
      assertThat(dispatcher.runDue()).isEqualTo(1);
    }

    List<TestReceiver.Request> requests = receiver.requests();
    assertThat(requests).hasSize(5);
    assertThat(requests).extracting(TestReceiver.Request::id).containsOnly(event.id());
    assertThat(requests).extracting(TestReceiver.Request::timestamp)
        .containsExactlyElementsOf(expectedTimes.stream().map(WebhookDispatcherTest::seconds).toList());
    assertThat(requests).allSatisfy(request -> assertThat(verify(request).id()).isEqualTo(event.id()));
    assertThat(dispatcher.attemptsOfEvent(event.id())).extracting(a -> a.statusCode().getAsInt())
        .containsExactly(500, 500, 502, 504, 200);
    assertThat(dispatcher.attemptsOfEvent(event.id())).extracting(DeliveryAttempt::number)
        .containsExactly(1, 2, 3, 4, 5);
    assertThat(dispatcher.findDelivery(event.id(), "shop").orElseThrow().state()).isEqualTo(DeliveryState.DELIVERED);
  }

  @Test
  void theLastFailureDeadLettersAfterTheWholeSpecificationSchedule() {
    TestReceiver receiver = receiver().otherwise(status(503));
    Event event = shop.createInvoices(1).get(0);
    WebhookDispatcher dispatcher = dispatcher(builder(endpoint("shop", receiver.url("/"))));
    Instant t0 = clock.instant();

    dispatcher.runDue();
    for (Duration delay : SPEC_RETRY_DELAYS) {
      clock.advance(delay);
      assertThat(dispatcher.runDue()).isEqualTo(1);
    }

    assertThat(Duration.between(t0, clock.instant())).isEqualTo(SPEC_TOTAL);
    assertThat(receiver.count()).isEqualTo(10);
    Delivery dead = dispatcher.findDelivery(event.id(), "shop").orElseThrow();
    assertThat(dead.state()).isEqualTo(DeliveryState.DEAD);
    assertThat(dead.attempts()).isEqualTo(10);
    assertThat(dispatcher.deliveriesOfEndpoint("shop", DeliveryState.DEAD, 10)).containsExactly(dead);
    clock.advance(Duration.ofDays(7));
    assertThat(dispatcher.runDue()).isZero();
  }

  @Test
  void deadDeliveriesAreRedeliveredOneOrAllWithTheSameWebhookId() {
    TestReceiver receiver = receiver().otherwise(status(500));
    List<Event> events = shop.createInvoices(3);
    WebhookDispatcher dispatcher = dispatcher(builder(endpoint("shop", receiver.url("/")))
        .schedule(RetrySchedule.of(Duration.ofSeconds(1)).withJitterPercent(0)));
    dispatcher.runDue();
    clock.advance(Duration.ofSeconds(1));
    dispatcher.runDue();
    assertThat(dispatcher.deliveriesOfEndpoint("shop", DeliveryState.DEAD, 10)).hasSize(3);
    receiver.otherwise(status(204));

    Delivery again = dispatcher.redeliver(Delivery.idOf(events.get(1).id(), "shop"));
    assertThat(again.state()).isEqualTo(DeliveryState.PENDING);
    assertThat(dispatcher.runDue()).isEqualTo(1);
    assertThat(dispatcher.redeliverDead("shop")).isEqualTo(2);
    assertThat(dispatcher.runDue()).isEqualTo(2);

    List<TestReceiver.Request> requests = receiver.requests();
    assertThat(requests).hasSize(9);
    assertThat(requests.get(6).id()).isEqualTo(events.get(1).id());
    assertThat(requests.subList(7, 9)).extracting(TestReceiver.Request::id)
        .containsExactlyInAnyOrder(events.get(0).id(), events.get(2).id());
    assertThat(dispatcher.deliveriesOfEndpoint("shop", DeliveryState.DELIVERED, 10)).hasSize(3);
    assertThatThrownBy(() -> dispatcher.redeliver("dlv_0000")).isInstanceOf(DeliveryNotFoundException.class);
  }

  @Test
  void retryAfterIsHonouredInSecondsOrAsADateAndClamped() {
    TestReceiver receiver = receiver();
    List<Event> events = shop.createInvoices(4);
    Instant t0 = clock.instant();
    String inTwoHours = DateTimeFormatter.RFC_1123_DATE_TIME.format(
        ZonedDateTime.ofInstant(t0.plus(Duration.ofHours(2)), ZoneOffset.UTC));
    receiver.then(
        status(429, "Retry-After", "120"),
        status(503, "Retry-After", inTwoHours),
        status(429, "Retry-After", "1"),
        status(429, "Retry-After", "999999999"));
    WebhookDispatcher dispatcher = dispatcher(builder(endpoint("shop", receiver.url("/"))
        .withMaxConcurrentRequests(1)));

    dispatcher.runDue();

    List<Instant> next = events.stream()
        .map(e -> dispatcher.findDelivery(e.id(), "shop").orElseThrow().nextAttemptAt()).toList();
    assertThat(next).containsExactly(
        t0.plusSeconds(120),
        t0.plus(Duration.ofHours(2)),
        t0.plusSeconds(5),
        t0.plus(Duration.ofHours(24)));
    clock.advance(Duration.ofSeconds(119));
    assertThat(dispatcher.runDue()).as("only the 5 s retry is due").isEqualTo(1);
    clock.advance(Duration.ofSeconds(1));
    assertThat(dispatcher.runDue()).isEqualTo(1);
  }

  @Test
  void otherClientErrorsAndRedirectsAreRetriedNotFollowed() {
    TestReceiver receiver = receiver();
    TestReceiver elsewhere = receiver();
    receiver.then(status(400), status(302, "Location", elsewhere.url("/moved").toString()));
    List<Event> events = shop.createInvoices(2);
    WebhookDispatcher dispatcher = dispatcher(builder(endpoint("shop", receiver.url("/"))));

    dispatcher.runDue();

    assertThat(elsewhere.count()).isZero();
    for (Event event : events) {
      Delivery delivery = dispatcher.findDelivery(event.id(), "shop").orElseThrow();
      assertThat(delivery.state()).isEqualTo(DeliveryState.PENDING);
      assertThat(delivery.nextAttemptAt()).isEqualTo(clock.instant().plusSeconds(5));
    }
    assertThat(dispatcher.attemptsOfEndpoint("shop", Instant.EPOCH, 10)).extracting(a -> a.error().orElseThrow())
        .containsExactlyInAnyOrder("HTTP 400", "HTTP 302");
    clock.advance(Duration.ofSeconds(5));
    assertThat(dispatcher.runDue()).isEqualTo(2);
    assertThat(dispatcher.deliveriesOfEndpoint("shop", DeliveryState.DELIVERED, 10)).hasSize(2);
  }

  @Test
  void a410DisablesTheEndpointUntilEnabledWhileOthersGoOn() {
    TestReceiver gone = receiver().then(status(410));
    TestReceiver other = receiver();
    WebhookDispatcher dispatcher = dispatcher(builder(endpoint("gone", gone.url("/")), endpoint("other",
        other.url("/"))));
    shop.createInvoices(1);

    dispatcher.runDue();
    assertThat(dispatcher.findDisabled("gone")).hasValueSatisfying(disabled -> {
      assertThat(disabled.reason()).contains("410");
      assertThat(disabled.at()).isEqualTo(clock.instant());
    });
    List<Event> later = shop.createInvoices(2);
    clock.advance(Duration.ofHours(1));
    dispatcher.runDue();

    assertThat(gone.count()).as("nothing is sent to a disabled endpoint").isEqualTo(1);
    assertThat(other.count()).isEqualTo(3);
    assertThat(dispatcher.findDelivery(later.get(1).id(), "gone").orElseThrow().state())
        .isEqualTo(DeliveryState.PENDING);

    assertThat(dispatcher.enableEndpoint("gone")).isTrue();
    assertThat(dispatcher.runDue()).isEqualTo(3);
    assertThat(gone.count()).isEqualTo(4);
    assertThat(dispatcher.findDisabled("gone")).isEmpty();
    assertThat(dispatcher.deliveriesOfEndpoint("gone", DeliveryState.DELIVERED, 10)).hasSize(3);
  }

  @Test
  void a410StopsTheClaimedDeliveriesNotYetSentAndGivesThemBack() {
    TestReceiver gone = receiver().then(status(410));
    List<Event> events = shop.createInvoices(3);
    WebhookDispatcher dispatcher = dispatcher(builder(endpoint("gone", gone.url("/")).withMaxConcurrentRequests(1)));

    assertThat(dispatcher.runDue()).isEqualTo(1);

    assertThat(gone.count()).isEqualTo(1);
    // Claimed in one batch with the first, they are given back, not left claimed until their lease lapses.
    for (Event event : events.subList(1, 3)) {
      Delivery held = dispatcher.findDelivery(event.id(), "gone").orElseThrow();
      assertThat(held.state()).isEqualTo(DeliveryState.PENDING);
      assertThat(held.attempts()).isZero();
    }
    assertThat(dispatcher.enableEndpoint("gone")).isTrue();
    assertThat(dispatcher.runDue()).isEqualTo(3);
    assertThat(dispatcher.deliveriesOfEndpoint("gone", DeliveryState.DELIVERED, 10)).hasSize(3);
  }

  @Test
  void attemptsAreClaimedAndRecordedInGroupsNotOneStoreCallEach() {
    TestReceiver receiver = receiver();
    int count = 60;
    shop.createInvoices(count);
    CountingStore counting = new CountingStore(deliveries);
    // Hold the first recording until every request has been answered: the others finish meanwhile and must wait for
    // the next group, whatever the timing.
    java.util.concurrent.atomic.AtomicBoolean first = new java.util.concurrent.atomic.AtomicBoolean(true);
    counting.beforeCompleteAll = () -> {
      if (first.getAndSet(false)) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> receiver.count() == count);
      }
    };
    WebhookDispatcher dispatcher = dispatcher(builder(endpoint("shop", receiver.url("/")))
        .deliveryStore(counting));

    assertThat(dispatcher.runDue()).isEqualTo(count);

    assertThat(dispatcher.deliveriesOfEndpoint("shop", DeliveryState.DELIVERED, 100)).hasSize(count);
    assertThat(counting.groups.stream().mapToInt(Integer::intValue).sum()).isEqualTo(count);
    assertThat(counting.groups).as("group sizes").hasSizeLessThanOrEqualTo(5);
    assertThat(counting.completes).as("no attempt recorded on its own").hasValue(0);
    assertThat(counting.claimedOnEnqueue).as("enqueued already claimed by the dispatcher that sends them")
        .hasValue(count);
    assertThat(counting.claimed).as("none claimed in a second call").hasValue(0);
    assertThat(counting.claims).as("at most one claim, for retries due: it found none").hasValueLessThanOrEqualTo(1);
    assertThat(counting.disabledReads).as("read once per runDue, not per delivery").hasValue(1);
  }

  @Test
  void anIdleDispatcherEnqueuesASmallFirstChunkThenLargerOnesWithoutReadingItsPositionAgain() {
    TestReceiver receiver = receiver();
    int count = 150;
    shop.createInvoices(count);
    CountingStore counting = new CountingStore(deliveries);
    WebhookDispatcher dispatcher = dispatcher(builder(endpoint("shop", receiver.url("/")))
        .deliveryStore(counting));

    assertThat(dispatcher.runDue()).isEqualTo(count);

    // Nothing was queued or sending: 8 events first (FIRST_ENQUEUE_EVENTS), then four times as many each time, up to
    // the batch size (100 by default), and the rest.
    assertThat(counting.enqueued).containsExactly(8, 32, 100, 10);
    assertThat(counting.positionReads).as("read once; then known from the enqueue that wrote it").hasValue(1);
    assertThat(dispatcher.deliveriesOfEndpoint("shop", DeliveryState.DELIVERED, 200)).hasSize(count);

    // With deliveries already queued (the receiver holds the first one), the next events are read a batch at a time.
    CountDownLatch release = new CountDownLatch(1);
    TestReceiver holding = receiver().then(new TestReceiver.Hang(release));
    CountingStore second = new CountingStore(new InMemoryDeliveryStore());
    WebhookDispatcher busy = dispatcher(builder(endpoint("slow", holding.url("/")).withMaxConcurrentRequests(1))
        .deliveryStore(second).group("second").requestTimeout(Duration.ofSeconds(30)));
    busy.start();
    // It starts with the 150 events above: its first request hangs, the other 149 wait in its queue.
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> holding.count() == 1
        && second.enqueued.stream().mapToInt(Integer::intValue).sum() == count);
    int before = second.enqueued.size();
    shop.createInvoices(count);
    busy.signal();
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(
        () -> second.enqueued.stream().skip(before).mapToInt(Integer::intValue).sum() == count);
    assertThat(second.enqueued.subList(before, second.enqueued.size())).containsExactly(100, 50);
    release.countDown();
  }

  @Test
  void theNextBatchIsClaimedWhenAQuarterOfTheLastIsLeftNotWhenTheQueueIsEmpty() {
    // The 16th request hangs: with batches of 20, the next claim must start when 5 are left queued (taking the 15th),
    // so that the worker never waits for a claim. It started at 1 left when the low-water mark was computed before the
    // batch size was set (the worker then waited for every claim, about 10 % of the time on PostgreSQL).
    CountDownLatch release = new CountDownLatch(1);
    TestReceiver.Answer[] script = new TestReceiver.Answer[16];
    java.util.Arrays.fill(script, 0, 15, TestReceiver.status(200));
    script[15] = new TestReceiver.Hang(release);
    TestReceiver receiver = receiver().then(script);
    int count = 60;
    List<Event> events = shop.createInvoices(count);
    CountingStore counting = new CountingStore(deliveries);
    counting.passEnqueueClaiming = false; // everything PENDING: sent only as claimed
    WebhookDispatcher dispatcher = dispatcher(builder(endpoint("shop", receiver.url("/")).withMaxConcurrentRequests(1))
        .deliveryStore(counting).batchSize(20).requestTimeout(Duration.ofSeconds(30)));
    dispatcher.start();

    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> receiver.count() == 16);
    // Awaited on what the claims returned, which is counted once a claim is over (claims counts them as they start).
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(counting.claimed)
        .as("the second claim's 20, while the 16th request hangs").hasValue(40));
    assertThat(counting.claims).hasValueGreaterThanOrEqualTo(2);
    assertThat(release.getCount()).as("still hanging").isEqualTo(1);

    release.countDown();
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(
        dispatcher.deliveriesOfEndpoint("shop", DeliveryState.DELIVERED, 100)).hasSize(count));
    assertThat(receiver.requests()).extracting(TestReceiver.Request::id)
        .containsExactlyInAnyOrderElementsOf(events.stream().map(Event::id).toList());
  }

  @Test
  void aStoreThatCannotEnqueueClaimedDeliveriesHasThemClaimedAsBefore() {
    TestReceiver receiver = receiver();
    int count = 30;
    List<Event> events = shop.createInvoices(count);
    CountingStore counting = new CountingStore(deliveries);
    counting.passEnqueueClaiming = false; // the SPI's default: everything enqueued PENDING
    WebhookDispatcher dispatcher = dispatcher(builder(endpoint("shop", receiver.url("/")))
        .deliveryStore(counting));

    assertThat(dispatcher.runDue()).isEqualTo(count);

    assertThat(counting.claimedOnEnqueue).hasValue(0);
    assertThat(counting.claimed).as("all claimed in the usual second step").hasValue(count);
    assertThat(dispatcher.deliveriesOfEndpoint("shop", DeliveryState.DELIVERED, 100)).hasSize(count);
    assertThat(receiver.requests()).extracting(TestReceiver.Request::id)
        .containsExactlyInAnyOrderElementsOf(events.stream().map(Event::id).toList());
  }

  @Test
  void finishedAttemptsAreRecordedWhileAnotherSendStillHangs() {
    CountDownLatch release = new CountDownLatch(1);
    TestReceiver receiver = receiver().then(new TestReceiver.Hang(release));
    List<Event> events = shop.createInvoices(6);
    CountingStore counting = new CountingStore(deliveries);
    WebhookDispatcher dispatcher = dispatcher(builder(endpoint("shop", receiver.url("/"))
        .withMaxConcurrentRequests(2)).deliveryStore(counting).requestTimeout(Duration.ofSeconds(30)));
    dispatcher.start();

    // One request hangs for the whole time, so an attempt is always being sent: a small group may wait for more,
    // but only briefly (GROUP_LINGER), never until the sends are over.
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(
        dispatcher.deliveriesOfEndpoint("shop", DeliveryState.DELIVERED, 10)).hasSize(5));
    assertThat(release.getCount()).as("still hanging").isEqualTo(1);
    assertThat(counting.groups.stream().mapToInt(Integer::intValue).sum()).isEqualTo(5);

    release.countDown();
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(
        dispatcher.deliveriesOfEndpoint("shop", DeliveryState.DELIVERED, 10)).hasSize(6));
    assertThat(receiver.requests()).extracting(TestReceiver.Request::id)
        .containsExactlyInAnyOrderElementsOf(events.stream().map(Event::id).toList());
  }

  @Test
  void withOneRequestInFlightFinishedAttemptsStillWaitForALargerGroup() {
    TestReceiver receiver = receiver();
    int count = 120;
    shop.createInvoices(count);
    CountingStore counting = new CountingStore(deliveries);
    // A clock that takes 0.3 ms to read: the dispatcher reads it as its worker takes the next delivery, so the worker
    // is between two attempts for at least that long after each one.
    Clock slow = new SlowClock(clock);
    WebhookDispatcher dispatcher = dispatcher(builder(endpoint("shop", receiver.url("/"))
        .withMaxConcurrentRequests(1)).deliveryStore(counting).clock(slow));

    assertThat(dispatcher.runDue()).isEqualTo(count);

    assertThat(dispatcher.deliveriesOfEndpoint("shop", DeliveryState.DELIVERED, 200)).hasSize(count);
    assertThat(counting.groups.stream().mapToInt(Integer::intValue).sum()).isEqualTo(count);
    // Being between two attempts must not end the writer's wait for more while the worker still has deliveries to
    // send. It did when the wait counted attempts in flight rather than running workers: every attempt was then
    // recorded on its own, a store transaction with its commit per delivery (118-120 groups here, against 36-38 with
    // the wait kept). A group waits for 50 outcomes (half the batch size) or GROUP_LINGER, 10 ms: 3-4 attempts here.
    assertThat(counting.groups).as("group sizes").hasSizeLessThanOrEqualTo(count / 2);
  }

  @Test
  void attemptsThatWereNeverRecordedAreSentAgainOnceTheirClaimsLapseAndNothingIsLost() {
    TestReceiver receiver = receiver();
    List<Event> events = shop.createInvoices(3);
    CountingStore failing = new CountingStore(deliveries);
    failing.recordingFails.set(true);
    WebhookDispatcher crashed = dispatcher(builder(endpoint("shop", receiver.url("/"))).deliveryStore(failing));

    // Sent, but the outcomes never reach the store (as if the process died right after the requests).
    assertThat(crashed.runDue()).isEqualTo(3);
    assertThat(receiver.count()).isEqualTo(3);
    assertThat(events).allSatisfy(e -> assertThat(deliveries.findDelivery(Delivery.idOf(e.id(), "shop"))
        .orElseThrow().state()).isEqualTo(DeliveryState.SENDING));

    WebhookDispatcher survivor = dispatcher(builder(endpoint("shop", receiver.url("/"))));
    assertThat(survivor.runDue()).as("the claims still hold").isZero();
    // connect timeout 2 s + request timeout 5 s + 10 s, plus the 60 s margin
    clock.advance(Duration.ofSeconds(77));
    assertThat(survivor.runDue()).isEqualTo(3);

    Map<String, Long> perId = receiver.requests().stream()
        .collect(Collectors.groupingBy(TestReceiver.Request::id, Collectors.counting()));
    assertThat(perId).as("at least once: each event twice, none lost")
        .containsExactlyInAnyOrderEntriesOf(events.stream().collect(Collectors.toMap(Event::id, e -> 2L)));
    assertThat(survivor.deliveriesOfEndpoint("shop", DeliveryState.DELIVERED, 10)).hasSize(3);
    assertThat(events).allSatisfy(e -> assertThat(survivor.attemptsOfEvent(e.id())).singleElement()
        .satisfies(a -> assertThat(a.success()).isTrue()));
  }

  @Test
  void aTimeoutIsRetriedAndTheReceiverGetsTheEventAfterwards() {
    CountDownLatch release = new CountDownLatch(1);
    TestReceiver receiver = receiver().then(new TestReceiver.Hang(release));
    Event event = shop.createInvoices(1).get(0);
    WebhookDispatcher dispatcher = dispatcher(builder(endpoint("shop", receiver.url("/")))
        .requestTimeout(Duration.ofMillis(300)));

    dispatcher.runDue();
    release.countDown();

    DeliveryAttempt timedOut = dispatcher.attemptsOfEvent(event.id()).get(0);
    assertThat(timedOut.success()).isFalse();
    assertThat(timedOut.statusCode()).isEmpty();
    assertThat(timedOut.error()).hasValueSatisfying(error -> assertThat(error).startsWith("timeout"));
    assertThat(timedOut.latency()).isGreaterThanOrEqualTo(Duration.ofMillis(300));
    clock.advance(Duration.ofSeconds(5));
    dispatcher.runDue();
    assertThat(dispatcher.findDelivery(event.id(), "shop").orElseThrow().state()).isEqualTo(DeliveryState.DELIVERED);
    assertThat(receiver.requests()).extracting(TestReceiver.Request::id).containsOnly(event.id());
    assertThat(receiver.requests().get(1).timestamp()).isEqualTo(receiver.requests().get(0).timestamp() + 5);
  }

  /**
   * The request timeout ends with the response's headers; a body that never ends is cut off by the dispatcher's
   * watchdog (connect timeout + request timeout + 10 s), recorded as a timeout, and the lane goes on.
   */
  @Test
  void aResponseBodyThatNeverEndsIsCutOffAsATimeoutAndTheNextDeliveryGoesOut() {
    CountDownLatch release = new CountDownLatch(1);
    toClose.add(release::countDown);
    TestReceiver receiver = receiver().then(new TestReceiver.Trickle(release));
    List<Event> events = shop.createInvoices(2);
    WebhookDispatcher dispatcher = dispatcher(builder(endpoint("shop", receiver.url("/")).withMaxConcurrentRequests(1))
        .connectTimeout(Duration.ofMillis(500)).requestTimeout(Duration.ofMillis(500))
        .pollInterval(Duration.ofMillis(200)));
    dispatcher.start();

    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(40)).untilAsserted(() -> assertThat(
        dispatcher.deliveriesOfEndpoint("shop", DeliveryState.DELIVERED, 10)).hasSize(1));
    assertThat(release.getCount()).as("the body was still trickling").isEqualTo(1);
    Event first = events.get(0);
    assertThat(receiver.requests().get(0).id()).isEqualTo(first.id());
    DeliveryAttempt cutOff = dispatcher.attemptsOfEvent(first.id()).get(0);
    assertThat(cutOff.success()).isFalse();
    assertThat(cutOff.error()).hasValueSatisfying(error -> assertThat(error).startsWith("timeout"));
    assertThat(cutOff.latency()).isGreaterThanOrEqualTo(Duration.ofSeconds(11));
    assertThat(dispatcher.findDelivery(first.id(), "shop").orElseThrow().state()).isEqualTo(DeliveryState.PENDING);
    assertThat(dispatcher.findDelivery(events.get(1).id(), "shop").orElseThrow().state())
        .isEqualTo(DeliveryState.DELIVERED);
  }

  @Test
  void aConnectionDroppedOnceIsSentAgainAtOnceInTheSameAttempt() {
    TestReceiver receiver = receiver().then(new TestReceiver.Drop());
    Event event = shop.createInvoices(1).get(0);
    WebhookDispatcher dispatcher = dispatcher(builder(endpoint("shop", receiver.url("/"))));

    dispatcher.runDue();

    assertThat(receiver.requests()).extracting(TestReceiver.Request::id).containsExactly(event.id(), event.id());
    assertThat(receiver.requests().get(1).timestamp()).isEqualTo(receiver.requests().get(0).timestamp());
    assertThat(dispatcher.attemptsOfEvent(event.id())).singleElement()
        .satisfies(attempt -> assertThat(attempt.statusCode()).hasValue(200));
    assertThat(dispatcher.findDelivery(event.id(), "shop").orElseThrow().state()).isEqualTo(DeliveryState.DELIVERED);
  }

  @Test
  void aConnectionDroppedTwiceIsAFailedAttemptRetriedOnSchedule() {
    TestReceiver receiver = receiver().then(new TestReceiver.Drop()).then(new TestReceiver.Drop());
    Event event = shop.createInvoices(1).get(0);
    WebhookDispatcher dispatcher = dispatcher(builder(endpoint("shop", receiver.url("/"))));

    dispatcher.runDue();

    DeliveryAttempt dropped = dispatcher.attemptsOfEvent(event.id()).get(0);
    assertThat(dropped.statusCode()).isEmpty();
    assertThat(dropped.error()).hasValueSatisfying(error -> assertThat(error).startsWith("connection error"));
    assertThat(receiver.requests()).hasSize(2);
    clock.advance(Duration.ofSeconds(5));
    dispatcher.runDue();
    assertThat(receiver.requests()).extracting(TestReceiver.Request::id)
        .containsExactly(event.id(), event.id(), event.id());
    assertThat(dispatcher.findDelivery(event.id(), "shop").orElseThrow().state()).isEqualTo(DeliveryState.DELIVERED);
  }

  @Test
  void aReceiverDownForAWhileGetsEveryEventAfterwardsOnSchedule() {
    int port = TestReceiver.freePort();
    List<Event> events = shop.createInvoices(3);
    WebhookDispatcher dispatcher = dispatcher(builder(endpoint("shop", TestReceiver.url(port, "/hooks"))));
    Instant t0 = clock.instant();

    assertThat(dispatcher.runDue()).isEqualTo(3);
    clock.advance(Duration.ofSeconds(5));
    assertThat(dispatcher.runDue()).isEqualTo(3);
    assertThat(dispatcher.attemptsOfEndpoint("shop", t0, 100)).hasSize(6)
        .allSatisfy(a -> assertThat(a.error()).hasValueSatisfying(e -> assertThat(e).startsWith("connection")));
    List<Event> whileDown = shop.createInvoices(1);
    assertThat(dispatcher.runDue()).as("the new event's first attempt fails too").isEqualTo(1);

    TestReceiver back = TestReceiver.startOn(port);
    toClose.add(back);
    clock.advance(Duration.ofMinutes(5).minusMillis(1));
    assertThat(dispatcher.runDue()).as("nothing is due before the schedule says so").isEqualTo(1);
    assertThat(back.requests()).extracting(TestReceiver.Request::id).containsExactly(whileDown.get(0).id());
    clock.advance(Duration.ofMillis(1));
    assertThat(dispatcher.runDue()).isEqualTo(3);

    assertThat(back.requests()).extracting(TestReceiver.Request::id).containsExactlyInAnyOrder(
        whileDown.get(0).id(), events.get(0).id(), events.get(1).id(), events.get(2).id());
    assertThat(back.requests()).allSatisfy(r -> assertThat(verify(r).id()).isEqualTo(r.id()));
    assertThat(back.requests().subList(1, 4)).extracting(TestReceiver.Request::timestamp)
        .containsOnly(seconds(t0.plusSeconds(5).plus(Duration.ofMinutes(5))));
    clock.advance(Duration.ofDays(2));
    assertThat(dispatcher.runDue()).isZero();
    assertThat(back.count()).isEqualTo(4);
  }

  @Test
  void aRestartedDispatcherContinuesTheRetrySchedule() {
    TestReceiver receiver = receiver().then(status(500), status(500));
    Event event = shop.createInvoices(1).get(0);
    WebhookDispatcher first = builder(endpoint("shop", receiver.url("/"))).build();
    first.runDue();
    clock.advance(Duration.ofSeconds(5));
    first.runDue();
    first.close();
    List<Event> whileStopped = shop.createInvoices(1);

    WebhookDispatcher second = dispatcher(builder(endpoint("shop", receiver.url("/"))));
    assertThat(second.runDue()).as("only the event stored while stopped; the retry is not due").isEqualTo(1);
    clock.advance(Duration.ofMinutes(5).minusMillis(1));
    assertThat(second.runDue()).isZero();
    clock.advance(Duration.ofMillis(1));
    assertThat(second.runDue()).isEqualTo(1);

    assertThat(second.attemptsOfEvent(event.id())).extracting(DeliveryAttempt::number).containsExactly(1, 2, 3);
    assertThat(second.findDelivery(event.id(), "shop").orElseThrow().state()).isEqualTo(DeliveryState.DELIVERED);
    Map<String, Long> perId = receiver.requests().stream()
        .collect(Collectors.groupingBy(TestReceiver.Request::id, Collectors.counting()));
    assertThat(perId).containsExactlyInAnyOrderEntriesOf(Map.of(event.id(), 3L, whileStopped.get(0).id(), 1L));
  }

  @Test
  void aDispatcherRestartedOnANewJdbcStoreObjectContinuesFromTheDatabase() {
    try (TestDatabases.Schema h2 = TestDatabases.h2()) {
      TestReceiver receiver = receiver().then(status(503));
      Event event = shop.createInvoices(1).get(0);
      WebhookDispatcher first = builder(endpoint("shop", receiver.url("/")))
          .deliveryStore(io.coinssend.invoice.webhooks.jdbc.JdbcDeliveryStore.create(h2.dataSource()).createTables())
          .build();
      first.runDue();
      first.close();

      WebhookDispatcher second = builder(endpoint("shop", receiver.url("/")))
          .deliveryStore(io.coinssend.invoice.webhooks.jdbc.JdbcDeliveryStore.create(h2.dataSource()))
          .build();
      try {
        assertThat(second.runDue()).isZero();
        clock.advance(Duration.ofSeconds(5));
        assertThat(second.runDue()).isEqualTo(1);
        assertThat(second.attemptsOfEvent(event.id())).extracting(a -> a.statusCode().getAsInt())
            .containsExactly(503, 200);
        assertThat(receiver.requests()).extracting(TestReceiver.Request::id).containsExactly(event.id(), event.id());
      } finally {
        second.close();
      }
    }
  }

  @Test
  void aDeliveryClaimedByADispatcherThatDiedIsSentOnceItsClaimLapses() {
    TestReceiver receiver = receiver();
    Event event = shop.createInvoices(1).get(0);
    WebhookDispatcher dispatcher = dispatcher(builder(endpoint("shop", receiver.url("/"))));
    // Enqueue without sending: a closed dispatcher enqueues nothing, so use the store as a crashed dispatcher would.
    deliveries.enqueue(WebhookDispatcher.DEFAULT_GROUP, 0, event.sequence(), List.of(Delivery.pending(event.id(),
        event.type().code(), event.sequence(), event.subjectId(), "shop", clock.instant(),
        new String(InvoiceJson.writeBytes(event), java.nio.charset.StandardCharsets.UTF_8))));
    deliveries.claim("shop", clock.instant(), 1, "dispatcher-that-died", clock.instant().plusSeconds(600));

    assertThat(dispatcher.runDue()).isZero();
    clock.advance(Duration.ofSeconds(600));
    assertThat(dispatcher.runDue()).isEqualTo(1);

    assertThat(receiver.requests()).extracting(TestReceiver.Request::id).containsExactly(event.id());
    assertThat(dispatcher.findDelivery(event.id(), "shop").orElseThrow().state()).isEqualTo(DeliveryState.DELIVERED);
  }

  @Test
  void aThrowingSignerIsRecordedAsAFailedAttemptWithoutItsMessageAndRetried() {
    TestReceiver receiver = receiver();
    Event event = shop.createInvoices(1).get(0);
    java.util.concurrent.atomic.AtomicBoolean broken = new java.util.concurrent.atomic.AtomicBoolean(true);
    WebhookSigner flaky = (id, timestamp, body) -> {
      if (broken.get()) {
        throw new IllegalStateException("key material 0xSECRET unavailable");
      }
      return WebhookSigner.v1(secret).sign(id, timestamp, body);
    };
    WebhookDispatcher dispatcher = dispatcher(builder(WebhookEndpoint.of("shop", receiver.url("/"), flaky)));

    assertThat(dispatcher.runDue()).isEqualTo(1);

    assertThat(receiver.count()).isZero();
    DeliveryAttempt failed = dispatcher.attemptsOfEvent(event.id()).get(0);
    assertThat(failed.error()).contains("signing failed: IllegalStateException");
    assertThat(dispatcher.findDelivery(event.id(), "shop").orElseThrow().nextAttemptAt())
        .isEqualTo(clock.instant().plusSeconds(5));
    broken.set(false);
    clock.advance(Duration.ofSeconds(5));
    dispatcher.runDue();
    assertThat(receiver.requests()).extracting(r -> verify(r).id()).containsExactly(event.id());
  }

  @Test
  void startingFromLatestSkipsTheEventsAlreadyStored() {
    TestReceiver receiver = receiver();
    shop.createInvoices(2);
    WebhookDispatcher dispatcher = dispatcher(builder(endpoint("shop", receiver.url("/")))
        .startFrom(WebhookDispatcher.StartFrom.LATEST));

    dispatcher.runDue();
    Event fresh = shop.createInvoices(1).get(0);
    dispatcher.runDue();

    assertThat(receiver.requests()).extracting(TestReceiver.Request::id).containsExactly(fresh.id());
  }

  @Test
  void finishedDeliveriesAndAttemptsArePurgedAfterTheRetention() {
    TestReceiver receiver = receiver().then(status(500));
    List<Event> events = shop.createInvoices(2);
    WebhookDispatcher dispatcher = dispatcher(builder(endpoint("shop", receiver.url("/"))
        .withMaxConcurrentRequests(1))
        .retention(Duration.ofDays(7))
        .schedule(RetrySchedule.of(Duration.ofDays(10)).withJitterPercent(0)));
    dispatcher.runDue();
    Delivery waiting = dispatcher.findDelivery(events.get(0).id(), "shop").orElseThrow();
    assertThat(waiting.state()).isEqualTo(DeliveryState.PENDING);

    clock.advance(Duration.ofDays(8));
    dispatcher.runDue();

    assertThat(dispatcher.findDelivery(events.get(1).id(), "shop")).as("delivered 8 days ago").isEmpty();
    assertThat(dispatcher.findDelivery(waiting.id())).as("still pending").isPresent();
    assertThat(dispatcher.attemptsOfEndpoint("shop", Instant.EPOCH, 10)).isEmpty();
    clock.advance(Duration.ofDays(2));
    assertThat(dispatcher.runDue()).isEqualTo(1);
  }

  @Test
  void theBuilderRefusesIncompleteOrContradictorySettings() {
    WebhookEndpoint endpoint = endpoint("shop", URI.create("https://example.com/hooks"));
    assertThatThrownBy(() -> WebhookDispatcher.builder().deliveryStore(deliveries).endpoint(endpoint).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("invoice store");
    assertThatThrownBy(() -> WebhookDispatcher.builder().invoiceStore(shop.store).endpoint(endpoint).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("delivery store");
    assertThatThrownBy(() -> builder().build()).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("endpoint");
    assertThatThrownBy(() -> builder(endpoint, endpoint).build()).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("shop");
    assertThatThrownBy(() -> builder(endpoint).httpClient(java.net.http.HttpClient.newHttpClient()).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("connectTimeout");
    assertThatThrownBy(() -> builder(endpoint).requestTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> WebhookEndpoint.of("shop", "ftp://example.com/", WebhookSigner.v1(secret)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> WebhookEndpoint.of("shop", "https://user:pw@example.com/", WebhookSigner.v1(secret)))
        .isInstanceOf(IllegalArgumentException.class).message().doesNotContain("pw");
    assertThatThrownBy(() -> endpoint.withMaxConcurrentRequests(0)).isInstanceOf(IllegalArgumentException.class);
    WebhookDispatcher closed = builder(endpoint).build();
    closed.close();
    assertThatThrownBy(closed::runDue).isInstanceOf(IllegalStateException.class);
    assertThat(closed.schedule()).isEqualTo(RetrySchedule.STANDARD.withJitterPercent(0));
    WebhookDispatcher defaults = WebhookDispatcher.builder().invoiceStore(shop.store).deliveryStore(deliveries)
        .endpoint(endpoint).build();
    assertThat(defaults.schedule()).as("the default spans about a day").isEqualTo(RetrySchedule.ONE_DAY);
    defaults.close();
  }

  /** {@code clock}, taking 0.3 ms to read. */
  private static final class SlowClock extends Clock {
    private final Clock clock;

    SlowClock(Clock clock) {
      this.clock = clock;
    }

    @Override
    public Instant instant() {
      java.util.concurrent.locks.LockSupport.parkNanos(300_000);
      return clock.instant();
    }

    @Override
    public ZoneId getZone() {
      return clock.getZone();
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return new SlowClock(clock.withZone(zone));
    }
  }
}
