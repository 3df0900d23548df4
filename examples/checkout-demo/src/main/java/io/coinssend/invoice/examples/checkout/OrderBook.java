package io.coinssend.invoice.examples.checkout;

import io.coinssend.invoice.Event;
import io.coinssend.invoice.Invoice;
import io.coinssend.invoice.InvoiceEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.stereotype.Component;

/**
 * The demo shop's own order system: an orders table updated from the engine's invoice events. It ignores
 * duplicate events (by event id) and stale ones (an invoice version not newer than the one already applied), as a
 * real receiver must.
 */
@Component
public class OrderBook {

  /** One row of the orders table. */
  public record Order(String orderId, String description, String amount, String invoiceId, String state,
      long invoiceVersion, Instant updatedAt) {}

  private final Map<String, Order> orders = new ConcurrentHashMap<>();
  private final Set<String> seenEvents = ConcurrentHashMap.newKeySet();
  private final AtomicInteger next = new AtomicInteger(1000);

  public String nextOrderId() {
    return "order-" + next.incrementAndGet();
  }

  public Order add(String orderId, String description, Invoice invoice) {
    Order order = new Order(orderId, description, invoice.amountDue().toString(), invoice.id().value(),
        "awaiting payment",
        0, invoice.createdAt());
    orders.putIfAbsent(orderId, order);
    return orders.get(orderId);
  }

  public Optional<Order> find(String orderId) {
    return Optional.ofNullable(orders.get(orderId));
  }

  public List<Order> list() {
    List<Order> list = new ArrayList<>(orders.values());
    list.sort(Comparator.comparing(Order::orderId).reversed());
    return list;
  }

  /**
   * Applies an invoice event to its order.
   *
   * @return whether it changed the order (false for duplicates, stale versions and unknown orders)
   */
  public boolean onEvent(Event event) {
    if (!(event instanceof InvoiceEvent invoiceEvent) || !seenEvents.add(event.id())) {
      return false;
    }
    Invoice invoice = invoiceEvent.invoice();
    boolean[] changed = {false};
    orders.computeIfPresent(invoice.orderId(), (id, order) -> {
      if (invoice.version() <= order.invoiceVersion()) {
        return order;
      }
      changed[0] = true;
      return new Order(order.orderId(), order.description(), order.amount(), order.invoiceId(), stateOf(invoice),
          invoice.version(), invoice.createdAt().isAfter(event.createdAt()) ? invoice.createdAt() : event.createdAt());
    });
    return changed[0];
  }

  /** What the shop does with an order in each invoice status. */
  static String stateOf(Invoice invoice) {
    return switch (invoice.status()) {
      case NEW -> "awaiting payment";
      case PENDING -> "payment pending";
      case PAID -> "paid";
      case OVERPAID -> "paid (overpaid " + invoice.surplus().toPlainString() + ")";
      case PARTIALLY_PAID -> "partially paid";
      case EXPIRED -> switch (invoice.reason()) {
        case CANCELLED -> "cancelled";
        case CLOSED -> "closed";
        default -> "expired";
      };
      case BLOCKED -> "on hold for review";
    };
  }
}
