package io.coinssend.invoice.evm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.coinssend.invoice.Asset;
import io.coinssend.invoice.Deposit;
import io.coinssend.invoice.DepositAddress;
import io.coinssend.invoice.DepositStatus;
import io.coinssend.invoice.DepositTotal;
import io.coinssend.invoice.Event;
import io.coinssend.invoice.InvoiceEngine;
import io.coinssend.invoice.InvoiceRequest;
import io.coinssend.invoice.Money;
import io.coinssend.invoice.memory.InMemoryInvoiceStore;
import io.coinssend.invoice.spi.DepositQuery;
import io.coinssend.invoice.testkit.ManualClock;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.bitcoinj.base.BitcoinNetwork;
import org.bitcoinj.crypto.ChildNumber;
import org.bitcoinj.crypto.DeterministicKey;
import org.bitcoinj.crypto.HDKeyDerivation;
import org.bitcoinj.crypto.MnemonicCode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A customer's static deposit address for an ERC-20 token on a real anvil node: detected, then confirmed. */
class EvmDepositIT {

  private static AnvilNode node;
  private static Asset token;
  private final List<Event> events = Collections.synchronizedList(new ArrayList<>());
  private InvoiceEngine engine;

  @BeforeAll
  static void startAnvil() {
    node = AnvilNode.startIfInstalled().orElse(null);
    if (node != null) {
      token = AnvilContractSupport.deployToken(node, "TTD", 6);
    }
  }

  @BeforeEach
  void requireAnvil() {
    AnvilNode.require(node);
  }

  @AfterEach
  void closeEngine() {
    if (engine != null) {
      engine.close();
    }
  }

  @AfterAll
  static void stopAnvil() {
    if (node != null) {
      node.close();
    }
  }

  /** The account xpub at m/44'/60'/1' of the vectors' mnemonic; test code only derives it from the seed. */
  private static EvmAccountKey secondAccount() {
    List<String> words = List.of("abandon", "abandon", "abandon", "abandon", "abandon", "abandon", "abandon",
        "abandon", "abandon", "abandon", "abandon", "about");
    DeterministicKey key = HDKeyDerivation.createMasterPrivateKey(MnemonicCode.toSeed(words, ""));
    for (ChildNumber child : List.of(new ChildNumber(44, true), new ChildNumber(60, true), new ChildNumber(1, true))) {
      key = HDKeyDerivation.deriveChildKey(key, child);
    }
    return EvmAccountKey.parse(key.serializePubB58(BitcoinNetwork.MAINNET));
  }

  @Test
  void aTokenDepositIsDetectedThenConfirmed() {
    EvmAccountKey depositKey = secondAccount();
    EvmWatcher watcher = AnvilContractSupport.watcher(node.endpoint(), AnvilContractSupport.ETH, token)
        .depositAccountKey(depositKey)
        .startHeight(node.blockNumber() + 1)
        .build();
    engine = InvoiceEngine.builder().store(new InMemoryInvoiceStore()).watcher(watcher)
        .clock(ManualClock.at(node.latestBlockTime())).tickInterval(Duration.ZERO).executor(Runnable::run)
        .listener("recorder", events::add).build().start();

    DepositAddress address = engine.depositAddress("customer-1", token);
    assertThat(address.address()).isEqualTo(depositKey.address(0).toString());
    assertThat(address.address()).as("not the invoice account's first address")
        .isNotEqualTo(AnvilContractSupport.KEY.address(0).toString());
    assertThat(address.paymentUri()).isEqualTo("ethereum:" + token.contract().orElseThrow() + "@31337/transfer?address="
        + address.address());
    assertThat(engine.depositAddress("customer-1", token)).isEqualTo(address);
    String invoiceAddress = engine.createInvoice(InvoiceRequest.of("o-1", Money.parse(token, "1"))).address();
    assertThat(invoiceAddress).isNotEqualTo(address.address());

    node.sendToken(token.contract().orElseThrow(), address.address(), BigInteger.valueOf(5_000_000));
    node.mine(1);
    await("deposit detected").atMost(Duration.ofSeconds(30))
        .until(() -> engine.listDeposits(DepositQuery.all().withCustomer("customer-1")), d -> d.size() == 1);
    Deposit detected = engine.listDeposits(DepositQuery.all().withCustomer("customer-1")).get(0);
    assertThat(detected.status()).isEqualTo(DepositStatus.DETECTED);
    assertThat(detected.amount()).isEqualTo(Money.parse(token, "5"));

    node.mine(11);
    await("deposit confirmed after 12 confirmations").atMost(Duration.ofSeconds(30))
        .until(() -> engine.findDeposit(detected.id()).orElseThrow().status() == DepositStatus.CONFIRMED);
    assertThat(engine.depositTotals("customer-1")).containsExactly(
        new DepositTotal("customer-1", token, Money.parse(token, "5"), Money.zero(token)));
    synchronized (events) {
      assertThat(events.stream().filter(e -> e.type().isDeposit()).map(e -> e.type().code()).toList())
          .containsExactly("deposit.detected", "deposit.confirmed");
    }
  }

  @Test
  void theDepositKeyMustBeAnotherAccount() {
    assertThatThrownBy(() -> AnvilContractSupport.watcher(node.endpoint(), token)
        .depositAccountKey(AnvilContractSupport.KEY))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("another account");
  }
}
