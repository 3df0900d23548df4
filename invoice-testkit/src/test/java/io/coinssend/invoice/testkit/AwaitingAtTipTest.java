package io.coinssend.invoice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.coinssend.invoice.Asset;
import io.coinssend.invoice.BlockRef;
import io.coinssend.invoice.Invoice;
import io.coinssend.invoice.InvoiceEngine;
import io.coinssend.invoice.InvoiceId;
import io.coinssend.invoice.InvoiceRequest;
import io.coinssend.invoice.InvoiceStatus;
import io.coinssend.invoice.Money;
import io.coinssend.invoice.PaymentPolicy;
import io.coinssend.invoice.PaymentRef;
import io.coinssend.invoice.memory.InMemoryInvoiceStore;
import io.coinssend.invoice.spi.ChainFact;
import io.coinssend.invoice.spi.ChainTip;
import io.coinssend.invoice.spi.InvoiceStore;
import io.coinssend.invoice.spi.InvoiceUpdate;
import io.coinssend.invoice.spi.PaymentSeen;
import io.coinssend.invoice.spi.TipChanged;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A report that moves the tip reads the chain's invoices awaiting confirmations with the paid ones
 * ({@code InvoiceStore.readChain} with a limit) and writes their confirmations in the same write as the payments and
 * the tip. When more await than that read holds, or one of them changed before the write, they are listed again after
 * it, so none is left unconfirmed.
 */
class AwaitingAtTipTest {

  private static final Asset BTC = Asset.BTC_REGTEST;
  private static final Money AMOUNT = Money.ofUnits(BTC, 10_000);

  private final ManualClock clock = ManualClock.startingAt2026();

  private InvoiceEngine engine(InvoiceStore store, ScriptedWatcher watcher) {
    return InvoiceEngine.builder().store(store).watcher(watcher).clock(clock).tickInterval(Duration.ZERO)
        .policy(BTC, PaymentPolicy.bitcoinDefaults().withConfirmations(2)).build().start();
  }

  /** Creates {@code count} invoices, pays each in block 100 with that block as the tip: PENDING, 1 of 2. */
  private List<Invoice> paidInBlock100(InvoiceEngine engine, ScriptedWatcher watcher, int count) {
    List<Invoice> invoices = new ArrayList<>();
    List<ChainFact> facts = new ArrayList<>();
    BlockRef block = new BlockRef(100, "block-100", clock.instant());
    for (int i = 0; i < count; i++) {
      Invoice invoice = engine.createInvoice(InvoiceRequest.of("order-" + i, AMOUNT));
      invoices.add(invoice);
      facts.add(PaymentSeen.inBlock(invoice.address(), new PaymentRef("tx-" + i, 0), AMOUNT, block));
    }
    facts.add(new TipChanged(block));
    watcher.context().report(facts);
    for (Invoice invoice : invoices) {
      assertThat(engine.getInvoice(invoice.id()).status()).isEqualTo(InvoiceStatus.PENDING);
    }
    return invoices;
  }

  @Test
  void confirmsEveryInvoiceAwaitingConfirmationsWhenMoreAwaitThanOneReadHolds() {
    ScriptedWatcher watcher = new ScriptedWatcher(BTC);
    try (InvoiceEngine engine = engine(new InMemoryInvoiceStore(), watcher)) {
      // The engine reads 500 with a tip (InvoiceEngine.AWAITING_PAGE).
      List<Invoice> invoices = paidInBlock100(engine, watcher, 503);

      watcher.context().report(List.of(new TipChanged(new BlockRef(101, "block-101", clock.instant()))));

      for (Invoice invoice : invoices) {
        assertThat(engine.getInvoice(invoice.id()).status()).as(invoice.orderId()).isEqualTo(InvoiceStatus.PAID);
      }
    }
  }

  @Test
  void writesTheConfirmationsWithTheTipAndListsAgainWhenOneWasRefused() {
    InMemoryInvoiceStore target = new InMemoryInvoiceStore();
    AtomicReference<InvoiceId> refuse = new AtomicReference<>();
    List<Integer> writtenWithTip = new ArrayList<>();
    InvoiceStore store = (InvoiceStore) Proxy.newProxyInstance(InvoiceStore.class.getClassLoader(),
        new Class<?>[] {InvoiceStore.class}, (proxy, method, args) -> {
          if (method.getName().equals("updateAll") && args.length == 2) {
            @SuppressWarnings("unchecked")
            List<InvoiceUpdate> updates = (List<InvoiceUpdate>) args[0];
            writtenWithTip.add(updates.size());
            InvoiceId refused = refuse.getAndSet(null);
            if (refused != null) {
              // As if the invoice had changed since it was read: its update is refused, the others written.
              List<InvoiceUpdate> others = updates.stream().filter(u -> !u.invoice().id().equals(refused)).toList();
              Set<InvoiceId> conflicts = new LinkedHashSet<>(target.updateAll(others, (ChainTip) args[1]));
              conflicts.add(refused);
              return conflicts;
            }
          }
          try {
            return method.invoke(target, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
    ScriptedWatcher watcher = new ScriptedWatcher(BTC);
    try (InvoiceEngine engine = engine(store, watcher)) {
      List<Invoice> invoices = paidInBlock100(engine, watcher, 3);
      writtenWithTip.clear();
      refuse.set(invoices.get(1).id());

      watcher.context().report(List.of(new TipChanged(new BlockRef(101, "block-101", clock.instant()))));

      assertThat(writtenWithTip).as("the three confirmations in one write with the tip").containsExactly(3);
      for (Invoice invoice : invoices) {
        assertThat(engine.getInvoice(invoice.id()).status()).as(invoice.orderId()).isEqualTo(InvoiceStatus.PAID);
      }
      assertThat(target.findChainTip(BTC.chainKey()).flatMap(ChainTip::tip).map(BlockRef::height)).contains(101L);
    }
  }
}
