package io.coinssend.invoice.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.coinssend.invoice.Event;
import io.coinssend.invoice.webhooks.memory.InMemoryDeliveryStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A started dispatcher: one endpoint that hangs never delays another, and never has more in flight than allowed. */
class EndpointIsolationTest {

  private final Shop shop = new Shop(Clock.systemUTC());
  private final CountDownLatch release = new CountDownLatch(1);
  private final TestReceiver slow = TestReceiver.start().otherwise(new TestReceiver.Hang(release));
  private final TestReceiver fast = TestReceiver.start();
  private final WebhookSecret secret = WebhookSecret.generate();
  private final InMemoryDeliveryStore deliveries = new InMemoryDeliveryStore();
  private final WebhookDispatcher dispatcher = WebhookDispatcher.builder()
      .invoiceStore(shop.store)
      .deliveryStore(deliveries)
      .endpoint(WebhookEndpoint.of("slow", slow.url("/"), WebhookSigner.v1(secret)).withMaxConcurrentRequests(2))
      .endpoint(WebhookEndpoint.of("fast", fast.url("/"), WebhookSigner.v1(secret)))
      .requestTimeout(Duration.ofSeconds(30))
      .pollInterval(Duration.ofMillis(25))
      .closeTimeout(Duration.ofSeconds(5))
      .build();

  @AfterEach
  void closeAll() {
    release.countDown();
    dispatcher.close();
    slow.close();
    fast.close();
    shop.close();
  }

  @Test
  void aHangingEndpointDelaysNeitherAnotherEndpointNorBreaksItsBound() {
    List<Event> events = shop.createInvoices(6);

    dispatcher.start();

    await().atMost(Duration.ofSeconds(5)).until(() -> fast.count() == 6);
    await().atMost(Duration.ofSeconds(5)).until(() -> slow.count() == 2);
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> slow.count() == 2);
    assertThat(slow.maxInFlight()).isEqualTo(2);
    assertThat(fast.requests()).extracting(TestReceiver.Request::id)
        .containsExactlyInAnyOrderElementsOf(events.stream().map(Event::id).toList());

    release.countDown();

    await().atMost(Duration.ofSeconds(5)).until(() -> slow.count() == 6);
    await().atMost(Duration.ofSeconds(5)).until(() ->
        dispatcher.deliveriesOfEndpoint("slow", DeliveryState.DELIVERED, 10).size() == 6);
    assertThat(slow.maxInFlight()).isEqualTo(2);
  }

  @Test
  void closeAbandonsAnAttemptStillWaitingForItsAnswerWithoutRecordingIt() {
    List<Event> events = shop.createInvoices(1);
    InMemoryDeliveryStore store = new InMemoryDeliveryStore();
    WebhookDispatcher closing = WebhookDispatcher.builder()
        .invoiceStore(shop.store)
        .deliveryStore(store)
        .endpoint(WebhookEndpoint.of("slow", slow.url("/"), WebhookSigner.v1(secret)))
        .requestTimeout(Duration.ofSeconds(30))
        .closeTimeout(Duration.ofMillis(200))
        .build()
        .start();
    await().atMost(Duration.ofSeconds(5)).until(() -> slow.count() == 1);

    closing.close();

    // As close() documents: the attempt is abandoned, its claim lapses and it is sent again later; no failed attempt
    // (which would count towards the retry schedule) is recorded for it.
    assertThat(store.attemptsOfEvent(events.get(0).id())).isEmpty();
    assertThat(store.deliveriesOfEvent(events.get(0).id())).singleElement()
        .extracting(Delivery::state).isEqualTo(DeliveryState.SENDING);
  }

  @Test
  void closeGivesBackTheClaimedDeliveriesNotYetSent() {
    List<Event> events = shop.createInvoices(4);
    InMemoryDeliveryStore store = new InMemoryDeliveryStore();
    WebhookDispatcher closing = WebhookDispatcher.builder()
        .invoiceStore(shop.store)
        .deliveryStore(store)
        .endpoint(WebhookEndpoint.of("slow", slow.url("/"), WebhookSigner.v1(secret)).withMaxConcurrentRequests(1))
        .requestTimeout(Duration.ofSeconds(30))
        .closeTimeout(Duration.ofMillis(200))
        .build()
        .start();
    await().atMost(Duration.ofSeconds(5)).until(() -> slow.count() == 1);
    String hanging = slow.requests().get(0).id();

    closing.close();

    // The three claimed with the hanging one and never sent are PENDING again: the next dispatcher sends them at
    // once instead of waiting for their claims to lapse.
    for (Event event : events) {
      Delivery delivery = store.deliveriesOfEvent(event.id()).get(0);
      assertThat(delivery.state()).as(event.id())
          .isEqualTo(event.id().equals(hanging) ? DeliveryState.SENDING : DeliveryState.PENDING);
    }
  }

  @Test
  void signalSendsNewEventsWithoutWaitingForThePoll() {
    shop.createInvoices(1);
    WebhookDispatcher patient = WebhookDispatcher.builder()
        .invoiceStore(shop.store)
        .deliveryStore(new InMemoryDeliveryStore())
        .endpoint(WebhookEndpoint.of("fast", fast.url("/"), WebhookSigner.v1(secret)))
        .pollInterval(Duration.ofHours(1))
        .build()
        .start();
    try {
      await().atMost(Duration.ofSeconds(5)).until(() -> fast.count() == 1);
      Event event = shop.createInvoices(1).get(0);

      patient.signal();

      await().atMost(Duration.ofSeconds(5)).until(() -> fast.count() == 2);
      assertThat(fast.requests().get(1).id()).isEqualTo(event.id());
    } finally {
      patient.close();
    }
  }
}
