package io.coinssend.invoice.examples.checkout;

import io.coinssend.invoice.Asset;
import io.coinssend.invoice.DepositAddress;
import io.coinssend.invoice.Invoice;
import io.coinssend.invoice.InvoiceEngine;
import io.coinssend.invoice.Money;
import io.coinssend.invoice.Payment;
import io.coinssend.invoice.testkit.SimulatedChain;
import java.math.BigInteger;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Demo mode only: plays the customer and the chain on the simulated chains (pay exactly, less, more, late; mine;
 * reorganise; replace a payment; move the clock). Off when {@code demo.developer-panel=false}.
 */
@RestController
@RequestMapping("/api/dev")
@ConditionalOnProperty(name = "demo.developer-panel", havingValue = "true", matchIfMissing = true)
public class DeveloperPanelApi {

  /** How to pay: exact, less (half), more (+20 %), remaining (top up), or custom with an amount. */
  public record Pay(String kind, String amount) {}

  public record Mine(String asset, Integer blocks) {}

  public record Reorg(String asset, Integer depth) {}

  public record Advance(Integer minutes) {}

  public record Deposit(String customer, String asset, String amount) {}

  private final InvoiceEngine engine;
  private final DemoChains chains;
  private final DemoClock clock;

  public DeveloperPanelApi(InvoiceEngine engine, DemoChains chains, DemoClock clock) {
    this.engine = engine;
    this.chains = chains;
    this.clock = clock;
  }

  @GetMapping("/status")
  public Map<String, Object> status() {
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("developerPanel", true);
    status.put("clockOffsetMinutes", clock.offset().toMinutes());
    Map<String, Object> tips = new LinkedHashMap<>();
    chains.all().forEach(c -> tips.put(c.chain(), c.tip().height()));
    status.put("tips", tips);
    return status;
  }

  @PostMapping("/invoices/{id}/pay")
  public Map<String, Object> pay(@PathVariable("id") String id, @RequestBody(required = false) Pay pay) {
    Invoice invoice = engine.getInvoice(InvoiceApi.invoiceId(id));
    Money amount = amount(invoice, pay == null || pay.kind() == null ? "exact" : pay.kind(),
        pay == null ? null : pay.amount());
    String txid = chains.of(invoice.asset()).pay(invoice.address(), amount);
    return Map.of("txid", txid, "amount", amount.toPlainString());
  }

  @PostMapping("/invoices/{id}/pay-late")
  public Map<String, Object> payLate(@PathVariable("id") String id) {
    Invoice invoice = engine.getInvoice(InvoiceApi.invoiceId(id));
    Duration until = Duration.between(clock.instant(), invoice.expiresAt()).plusMinutes(1);
    if (!until.isNegative()) {
      clock.advance(until);
    }
    engine.tick();
    String txid = chains.of(invoice.asset()).pay(invoice.address(), invoice.amountDue());
    return Map.of("txid", txid, "amount", invoice.amountDue().toPlainString());
  }

  @PostMapping("/mine")
  public Map<String, Object> mine(@RequestBody(required = false) Mine mine) {
    int blocks = mine == null || mine.blocks() == null ? 1 : mine.blocks();
    if (blocks < 1 || blocks > 100) {
      throw new ApiException(HttpStatus.BAD_REQUEST, "blocks", "blocks must be between 1 and 100");
    }
    Map<String, Object> tips = new LinkedHashMap<>();
    for (SimulatedChain chain : mine == null || mine.asset() == null ? chains.all()
        : java.util.List.of(chains.of(asset(mine.asset())))) {
      chain.mine(blocks);
      tips.put(chain.chain(), chain.tip().height());
    }
    return tips;
  }

  @PostMapping("/reorg")
  public Map<String, Object> reorg(@RequestBody Reorg reorg) {
    SimulatedChain chain = chains.of(asset(reorg == null ? null : reorg.asset()));
    int depth = reorg.depth() == null ? 1 : reorg.depth();
    if (depth < 1 || depth >= chain.tip().height()) {
      throw new ApiException(HttpStatus.BAD_REQUEST, "depth", "depth must be between 1 and " + (chain.tip().height() - 1));
    }
    chain.reorg(depth);
    return Map.of("chain", chain.chain(), "tip", chain.tip().height());
  }

  @PostMapping("/invoices/{id}/replace")
  public Map<String, Object> replace(@PathVariable("id") String id) {
    Invoice invoice = engine.getInvoice(InvoiceApi.invoiceId(id));
    Payment unconfirmed = invoice.payments().stream()
        .filter(p -> p.block().isEmpty() && !p.isReversed())
        .reduce((first, second) -> second)
        .orElseThrow(() -> new ApiException(HttpStatus.CONFLICT, "payment",
            "no unconfirmed payment to replace; pay without mining first"));
    String txid = chains.of(invoice.asset()).replace(unconfirmed.ref().txid());
    return Map.of("replaced", unconfirmed.ref().txid(), "by", txid);
  }

  @PostMapping("/clock/advance")
  public Map<String, Object> advance(@RequestBody Advance advance) {
    int minutes = advance == null || advance.minutes() == null ? 16 : advance.minutes();
    if (minutes < 1 || minutes > 60 * 48) {
      throw new ApiException(HttpStatus.BAD_REQUEST, "minutes", "minutes must be between 1 and 2880");
    }
    clock.advance(Duration.ofMinutes(minutes));
    engine.tick();
    return Map.of("offsetMinutes", clock.offset().toMinutes());
  }

  @PostMapping("/deposits")
  public Map<String, Object> deposit(@RequestBody Deposit deposit) {
    if (deposit == null || deposit.customer() == null || deposit.customer().isBlank()) {
      throw new ApiException(HttpStatus.BAD_REQUEST, "customer", "customer is required");
    }
    Asset asset = asset(deposit.asset());
    Money amount = parse(asset, deposit.amount());
    DepositAddress address = engine.depositAddress(deposit.customer(), asset);
    return Map.of("txid", chains.of(asset).pay(address.address(), amount), "address", address.address());
  }

  private static Asset asset(String code) {
    return DemoAssets.byCode(code).orElseThrow(() -> new ApiException(HttpStatus.BAD_REQUEST, "asset",
        "unknown asset '" + code + "'; use one of " + DemoAssets.all().keySet()));
  }

  private static Money parse(Asset asset, String amount) {
    if (amount == null || amount.isBlank()) {
      throw new ApiException(HttpStatus.BAD_REQUEST, "amount", "amount is required");
    }
    try {
      return Money.parse(asset, amount.trim());
    } catch (IllegalArgumentException e) {
      throw new ApiException(HttpStatus.BAD_REQUEST, "amount", e.getMessage());
    }
  }

  private static Money amount(Invoice invoice, String kind, String custom) {
    Money due = invoice.amountDue();
    BigInteger units = due.units();
    return switch (kind) {
      case "exact" -> due;
      case "less" -> Money.ofUnits(due.asset(), units.divide(BigInteger.TWO).max(BigInteger.ONE));
      case "more" -> Money.ofUnits(due.asset(), units.add(units.divide(BigInteger.valueOf(5)).max(BigInteger.ONE)));
      case "remaining" -> {
        Money remaining = invoice.remaining();
        if (remaining.isZero()) {
          throw new ApiException(HttpStatus.CONFLICT, "kind", "nothing remains to pay");
        }
        yield remaining;
      }
      case "custom" -> parse(due.asset(), custom);
      default -> throw new ApiException(HttpStatus.BAD_REQUEST, "kind",
          "kind must be exact, less, more, remaining or custom, but was '" + kind + "'");
    };
  }
}
