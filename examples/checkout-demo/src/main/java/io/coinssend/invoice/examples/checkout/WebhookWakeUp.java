package io.coinssend.invoice.examples.checkout;

import io.coinssend.invoice.Event;
import io.coinssend.invoice.EventListener;
import io.coinssend.invoice.webhooks.WebhookDispatcher;
import java.util.concurrent.atomic.AtomicReference;
import org.springframework.stereotype.Component;

/**
 * An engine listener that wakes the webhook dispatcher as soon as an event is recorded, instead of at its next poll
 * (the dispatcher would find the event anyway; this only makes the demo snappier).
 */
@Component
public class WebhookWakeUp implements EventListener {

  private final AtomicReference<WebhookDispatcher> dispatcher = new AtomicReference<>();

  void set(WebhookDispatcher started) {
    dispatcher.set(started);
  }

  @Override
  public void onEvent(Event event) {
    WebhookDispatcher current = dispatcher.get();
    if (current != null) {
      current.signal();
    }
  }
}
