package io.coinssend.invoice.examples.checkout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.coinssend.invoice.BlockRef;
import io.coinssend.invoice.Invoice;
import io.coinssend.invoice.InvoiceEngine;
import io.coinssend.invoice.Payment;
import io.coinssend.invoice.json.InvoiceJson;
import java.time.Clock;
import java.util.Optional;
import org.springframework.stereotype.Component;

/** The invoice as the checkout page shows it: the engine's JSON plus what the customer should read and do. */
@Component
public class InvoiceViews {

  private final InvoiceEngine engine;
  private final Clock clock;

  public InvoiceViews(InvoiceEngine engine, DemoClock clock) {
    this.engine = engine;
    this.clock = clock;
  }

  public ObjectNode view(Invoice invoice) {
    ObjectNode node = InvoiceJson.toNode(invoice);
    Optional<BlockRef> tip = engine.chainTip(invoice.asset().chainKey());
    int i = 0;
    for (JsonNode payment : node.withArray("payments")) {
      Payment p = invoice.payments().get(i++);
      ((ObjectNode) payment).put("confirmations", p.confirmationsAt(tip));
    }
    node.put("serverTime", clock.instant().toString());
    node.put("confirmationsRequired", invoice.policy().confirmations());
    node.put("headline", headline(invoice));
    node.put("customerMessage", message(invoice));
    node.put("qrUrl", "/api/invoices/" + invoice.id() + "/qr.svg");
    return node;
  }

  static String headline(Invoice invoice) {
    return switch (invoice.status()) {
      case NEW -> "Awaiting payment";
      case PENDING -> "Payment detected";
      case PAID -> "Paid";
      case OVERPAID -> "Paid (overpaid)";
      case PARTIALLY_PAID -> "Partially paid";
      case EXPIRED -> "Expired";
      case BLOCKED -> "Under review";
    };
  }

  /** What the customer should read, for every status and reason. */
  static String message(Invoice invoice) {
    String code = invoice.asset().code();
    String due = invoice.amountDue().toPlainString() + " " + code;
    String received = invoice.received().toPlainString() + " " + code;
    String remaining = invoice.remaining().toPlainString() + " " + code;
    return switch (invoice.reason()) {
      case AWAITING_PAYMENT -> "Send exactly " + due + " to the address below before the timer runs out.";
      case UNDERPAID -> "We received " + received + ". Please top up the remaining " + remaining
          + " to the same address before the timer runs out.";
      case UNDERPAID_EXPIRED -> "We received " + received + " of " + due
          + ", and the time to pay is over. The shop will contact you about the rest or a refund.";
      case AWAITING_CONFIRMATIONS -> "Payment detected. Waiting for " + invoice.policy().confirmations()
          + " confirmation(s) on the network; you can close this page.";
      case PAID_IN_FULL -> "Paid. Thank you! Your order is confirmed.";
      case PAID_WITHIN_TOLERANCE -> "Paid. Thank you! The small shortfall is within the shop's tolerance; your order"
          + " is confirmed.";
      case MARKED_PAID -> "The shop has accepted your payment. Thank you!";
      case PAID_OVER -> "Paid. You sent " + invoice.surplus().toPlainString() + " " + code
          + " more than due; the shop will credit or refund it.";
      case NOT_PAID_IN_TIME -> "This invoice expired before a payment arrived. Do not send funds to this address;"
          + " ask the shop for a new invoice.";
      case CANCELLED -> "The shop cancelled this invoice. Do not send funds to this address.";
      case CLOSED -> "The shop closed this invoice. Do not send further funds to this address.";
      case LATE_PAYMENT -> "Your payment arrived after the invoice expired. It is under review; the shop will"
          + " contact you.";
      case PAYMENT_REVERSED -> "A payment was reversed on the network. The invoice is under review; the shop will"
          + " contact you.";
      case UNEXPECTED_ASSET -> "We received a different currency than " + code
          + " at this address. The invoice is under review; the shop will contact you.";
      case SCREENING_HOLD -> "Your payment is under review. The shop will contact you.";
    };
  }
}
