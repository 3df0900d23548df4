package io.coinssend.invoice.examples.checkout;

import io.coinssend.invoice.InvoiceEngine;
import io.coinssend.invoice.PaymentPolicy;
import io.coinssend.invoice.memory.InMemoryInvoiceStore;
import io.coinssend.invoice.spi.InvoiceStore;
import io.coinssend.invoice.testkit.SimulatedChain;
import java.time.Clock;
import java.util.List;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Wires the engine as a shop would: one store, one watcher per chain, a listener for the checkout page, and
 * webhooks for the order system ({@link ShopWebhooks}). The chains are simulated (the developer panel drives them); a real shop would pass the bitcoin
 * and EVM watchers instead.
 */
@Configuration
public class DemoConfiguration {

  @Bean
  public DemoClock demoClock() {
    return new DemoClock(Clock.systemUTC());
  }

  @Bean
  public DemoChains demoChains(DemoClock clock) {
    SimulatedChain bitcoin = SimulatedChain.create(clock, DemoAssets.BTC);
    SimulatedChain ethereum = SimulatedChain.create(clock, DemoAssets.ETH, DemoAssets.USDT)
        .defaultPolicy(PaymentPolicy.ofConfirmations(2));
    return new DemoChains(List.of(bitcoin, ethereum));
  }

  @Bean
  public InvoiceStore invoiceStore() {
    return new InMemoryInvoiceStore();
  }

  @Bean(destroyMethod = "close")
  public InvoiceEngine invoiceEngine(InvoiceStore store, DemoChains chains, DemoClock clock, CheckoutUpdates updates,
      WebhookWakeUp webhooks) {
    // The order system is not a listener: it learns of every change through signed webhooks (ShopWebhooks).
    InvoiceEngine.Builder builder = InvoiceEngine.builder()
        .store(store)
        .clock(clock)
        .listener("checkout-page", updates)
        .listener("webhook-wake-up", webhooks);
    chains.all().forEach(chain -> builder.watcher(chain.newWatcher()));
    return builder.build().start();
  }
}
