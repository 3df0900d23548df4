package io.coinssend.invoice.examples.checkout;

import io.coinssend.invoice.Event;
import io.coinssend.invoice.EventListener;
import io.coinssend.invoice.InvoiceEvent;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/** Pushes each change of an invoice to the checkout pages showing it, as server-sent events. */
@Component
public class CheckoutUpdates implements EventListener {

  private static final Logger log = LoggerFactory.getLogger(CheckoutUpdates.class);

  private final Map<String, List<SseEmitter>> emitters = new ConcurrentHashMap<>();

  /** A stream of updates for one invoice; the page re-fetches the invoice on each one. */
  public SseEmitter subscribe(String invoiceId) {
    SseEmitter emitter = new SseEmitter(0L);
    List<SseEmitter> list = emitters.computeIfAbsent(invoiceId, id -> new CopyOnWriteArrayList<>());
    list.add(emitter);
    emitter.onCompletion(() -> list.remove(emitter));
    emitter.onTimeout(() -> list.remove(emitter));
    emitter.onError(e -> list.remove(emitter));
    return emitter;
  }

  /**
   * Ends every open stream when the application shuts down: an open server-sent event stream is an active request,
   * which would hold Tomcat's graceful shutdown for its whole timeout.
   */
  @org.springframework.context.event.EventListener(org.springframework.context.event.ContextClosedEvent.class)
  public void closeStreams() {
    emitters.values().forEach(list -> list.forEach(SseEmitter::complete));
    emitters.clear();
  }

  @Override
  public void onEvent(Event event) {
    if (!(event instanceof InvoiceEvent invoiceEvent)) {
      return;
    }
    List<SseEmitter> list = emitters.getOrDefault(event.subjectId(), List.of());
    for (SseEmitter emitter : list) {
      try {
        emitter.send(SseEmitter.event().name("invoice").data(Map.of(
            "type", event.type().code(),
            "version", invoiceEvent.invoice().version(),
            "status", invoiceEvent.invoice().status().name())));
      } catch (IOException | IllegalStateException e) {
        log.debug("Checkout page for {} went away", event.subjectId());
        list.remove(emitter);
      }
    }
  }
}
