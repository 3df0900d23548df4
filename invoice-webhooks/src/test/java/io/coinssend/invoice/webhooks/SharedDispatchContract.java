package io.coinssend.invoice.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.coinssend.invoice.Event;
import io.coinssend.invoice.webhooks.spi.DeliveryStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Several started dispatchers on one event log and one delivery store (as several engine instances on one database
 * would run): every event reaches every endpoint exactly once. Each dispatcher gets its own store object from
 * {@link #newDeliveryStore()}, over the same data, as separate processes would.
 */
abstract class SharedDispatchContract {

  private final Shop shop = new Shop(Clock.systemUTC());
  private final List<AutoCloseable> toClose = new ArrayList<>();

  /** A store object over the shared data (the same data on every call within one test). */
  protected abstract DeliveryStore newDeliveryStore();

  /** Drops the shared data; called after every dispatcher is closed. */
  protected void dispose() {}

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable closeable : toClose) {
      closeable.close();
    }
    shop.close();
    dispose();
  }

  private WebhookDispatcher start(List<WebhookEndpoint> endpoints) {
    WebhookDispatcher dispatcher = WebhookDispatcher.builder()
        .invoiceStore(shop.store)
        .deliveryStore(newDeliveryStore())
        .endpoints(endpoints)
        .pollInterval(Duration.ofMillis(20))
        .batchSize(25)
        .requestTimeout(Duration.ofSeconds(10))
        .build();
    toClose.add(0, dispatcher);
    return dispatcher.start();
  }

  @Test
  void twoDispatchersDeliverEveryEventToEveryEndpointExactlyOnce() {
    TestReceiver first = TestReceiver.start();
    TestReceiver second = TestReceiver.start();
    toClose.add(first);
    toClose.add(second);
    WebhookSecret secret = WebhookSecret.generate();
    List<WebhookEndpoint> endpoints = List.of(
        WebhookEndpoint.of("first", first.url("/"), WebhookSigner.v1(secret)),
        WebhookEndpoint.of("second", second.url("/"), WebhookSigner.v1(secret)).withMaxConcurrentRequests(2));
    List<Event> events = new ArrayList<>(shop.createInvoices(60));
    WebhookDispatcher one = start(endpoints);
    WebhookDispatcher two = start(endpoints);
    events.addAll(shop.createInvoices(60));
    one.signal();
    two.signal();
    DeliveryStore view = newDeliveryStore();

    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() ->
        view.deliveriesOfEndpoint("first", Optional.of(DeliveryState.DELIVERED), 0, 1000).size() == events.size()
            && view.deliveriesOfEndpoint("second", Optional.of(DeliveryState.DELIVERED), 0, 1000).size()
            == events.size());

    List<String> expected = events.stream().map(Event::id).toList();
    for (TestReceiver receiver : List.of(first, second)) {
      Map<String, Long> perId = receiver.requests().stream()
          .collect(Collectors.groupingBy(TestReceiver.Request::id, Collectors.counting()));
      assertThat(perId.keySet()).containsExactlyInAnyOrderElementsOf(expected);
      assertThat(perId.values()).as("no event sent twice").containsOnly(1L);
    }
    assertThat(second.maxInFlight()).as("the bound is per dispatcher: 2 each").isLessThanOrEqualTo(4);
    Map<String, Long> attemptsPerEvent = events.stream().collect(Collectors.toMap(Event::id,
        e -> (long) view.attemptsOfEvent(e.id()).size(), (a, b) -> a, java.util.LinkedHashMap::new));
    assertThat(attemptsPerEvent.values()).containsOnly(2L);
    assertThat(events.stream().map(Event::id).map(view::deliveriesOfEvent).map(List::size))
        .containsOnly(2);
  }
}
