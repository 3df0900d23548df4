package io.coinssend.invoice.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.coinssend.invoice.Asset;
import io.coinssend.invoice.Invoice;
import io.coinssend.invoice.InvoiceEngine;
import io.coinssend.invoice.InvoiceRequest;
import io.coinssend.invoice.InvoiceStatus;
import io.coinssend.invoice.Money;
import io.coinssend.invoice.memory.InMemoryInvoiceStore;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** With a watch lease, one engine instance at a time runs a chain's watcher, and another takes over. */
class WatchLeaseTest {

  private static final Asset BTC = Asset.BTC_REGTEST;
  private static final Duration LEASE = Duration.ofSeconds(30);

  private final ManualClock clock = ManualClock.startingAt2026();
  private final SimulatedChain chain = SimulatedChain.create(clock, BTC);
  private final InMemoryInvoiceStore store = new InMemoryInvoiceStore();
  private InvoiceEngine first;
  private InvoiceEngine second;

  private InvoiceEngine engine(String id) {
    return InvoiceEngine.builder().store(store).watcher(chain.newWatcher()).clock(clock).executor(Runnable::run)
        .tickInterval(Duration.ZERO).watchLease(LEASE).instanceId(id).build().start();
  }

  @AfterEach
  void closeEngines() {
    if (first != null) {
      first.close();
    }
    if (second != null) {
      second.close();
    }
  }

  @Test
  void oneInstanceWatchesAndTheOtherTakesOverWhenItCloses() {
    first = engine("first");
    second = engine("second");
    assertThat(first.isWatching(chain.chain())).isTrue();
    assertThat(second.isWatching(chain.chain())).isFalse();

    Invoice a = second.createInvoice(InvoiceRequest.of("order-a", Money.ofUnits(BTC, 1000)));
    first.tick(); // the watching instance registers the address the other created, from the event log
    chain.payAndMine(a.address(), Money.ofUnits(BTC, 1000));
    assertThat(second.getInvoice(a.id()).status()).isEqualTo(InvoiceStatus.PAID);

    first.close(); // releases the lease
    second.tick();
    assertThat(second.isWatching(chain.chain())).isTrue();
    Invoice b = second.createInvoice(InvoiceRequest.of("order-b", Money.ofUnits(BTC, 2000)));
    chain.payAndMine(b.address(), Money.ofUnits(BTC, 2000));
    assertThat(second.getInvoice(b.id()).status()).isEqualTo(InvoiceStatus.PAID);
  }

  @Test
  void aStalledInstanceLosesTheLeaseToOneThatRenews() {
    first = engine("first");
    second = engine("second");
    clock.advance(LEASE.minusSeconds(1));
    second.tick();
    assertThat(second.isWatching(chain.chain())).as("the lease has not lapsed").isFalse();

    clock.advance(Duration.ofSeconds(2)); // first renewed nothing for 31 s: it stalled
    second.tick();
    assertThat(second.isWatching(chain.chain())).isTrue();
    first.tick();
    assertThat(first.isWatching(chain.chain())).as("the stalled instance gives its watcher up").isFalse();

    Invoice invoice = first.createInvoice(InvoiceRequest.of("order-c", Money.ofUnits(BTC, 500)));
    second.tick();
    chain.payAndMine(invoice.address(), Money.ofUnits(BTC, 500));
    assertThat(first.getInvoice(invoice.id()).status()).isEqualTo(InvoiceStatus.PAID);
  }

  @Test
  void theLeaseMustOutlastThreeTicks() {
    assertThatThrownBy(() -> InvoiceEngine.builder().watcher(chain.newWatcher())
        .tickInterval(Duration.ofSeconds(20)).watchLease(Duration.ofSeconds(30)).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("three tick intervals");
  }
}
