package io.coinssend.invoice.evm.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.coinssend.invoice.Money;
import io.coinssend.invoice.evm.EvmAddress;
import io.coinssend.invoice.evm.EvmAssets;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Transfer event and decimals(), against ../shared/vectors/VECTORS.md. */
class Erc20Test {

  /** VECTORS.md: keccak256("Transfer(address,address,uint256)"). */
  static final String TRANSFER_TOPIC = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef";

  /** VECTORS.md: the real USDT Transfer of block 16569423, log index 191. */
  static final EvmRpc.Log USDT_LOG = new EvmRpc.Log("0xdac17f958d2ee523a2206206994597c13d831ec7",
      List.of(TRANSFER_TOPIC,
          "0x000000000000000000000000d8a7346ffef357542857ab5fcf7ed1baed08680f",
          "0x00000000000000000000000031c43e2be5bcd4edb512ad47a0f1a93aa22941b9"),
      "0x000000000000000000000000000000000000000000000000000000000bebc200", 16_569_423,
      "0x" + "ab".repeat(32), "0x37eeb55eab329c73aeac6a172faa6c77e7013cd0cda0fc472274c5faf0df7003", 191, false);

  @Test
  void theTransferTopicIsTheKeccakOfTheSignature() {
    assertThat(Erc20.TRANSFER_TOPIC).isEqualTo(TRANSFER_TOPIC);
  }

  @Test
  void decodesTheRealUsdtTransfer() {
    Erc20.Transfer transfer = Erc20.decode(USDT_LOG).orElseThrow();
    assertThat(EvmAddress.parse(transfer.to()).toString()).isEqualTo("0x31c43E2be5BCd4EDb512aD47A0F1A93aA22941b9");
    assertThat(transfer.from()).isEqualTo("0xd8a7346ffef357542857ab5fcf7ed1baed08680f");
    assertThat(Money.ofUnits(EvmAssets.USDT, transfer.value()))
        .isEqualTo(Money.of(EvmAssets.USDT, new BigDecimal("200.000000")));
    assertThat(transfer.contract()).isEqualTo(EvmAssets.USDT.contract().orElseThrow().toLowerCase());
  }

  @Test
  void selectsTransfersToAnAddressByItsPaddedTopic() {
    assertThat(Erc20.addressTopic("0x31c43E2be5BCd4EDb512aD47A0F1A93aA22941b9")).isEqualTo(USDT_LOG.topics().get(2));
  }

  @Test
  void ignoresLogsThatOnlyShareTheSignature() {
    // ERC-721: a fourth topic (the token id) and no data.
    EvmRpc.Log erc721 = new EvmRpc.Log(USDT_LOG.contract(), List.of(TRANSFER_TOPIC, USDT_LOG.topics().get(1),
        USDT_LOG.topics().get(2), "0x" + "0".repeat(63) + "7"), "0x", 1, USDT_LOG.blockHash(),
        USDT_LOG.transactionHash(), 0, false);
    assertThat(Erc20.decode(erc721)).isEmpty();
    // A value that is not one 32-byte word.
    EvmRpc.Log shortData = new EvmRpc.Log(USDT_LOG.contract(), USDT_LOG.topics(), "0x0bebc200", 1,
        USDT_LOG.blockHash(), USDT_LOG.transactionHash(), 0, false);
    assertThat(Erc20.decode(shortData)).isEmpty();
    // A "recipient" topic with bits above the 20 address bytes is no ABI-encoded address.
    EvmRpc.Log dirty = new EvmRpc.Log(USDT_LOG.contract(), List.of(TRANSFER_TOPIC, USDT_LOG.topics().get(1),
        "0x00000000000000000000000131c43e2be5bcd4edb512ad47a0f1a93aa22941b9"), USDT_LOG.data(), 1,
        USDT_LOG.blockHash(), USDT_LOG.transactionHash(), 0, false);
    assertThat(Erc20.decode(dirty)).isEmpty();
    // Another event.
    EvmRpc.Log approval = new EvmRpc.Log(USDT_LOG.contract(), List.of(
        "0x8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925", USDT_LOG.topics().get(1),
        USDT_LOG.topics().get(2)), USDT_LOG.data(), 1, USDT_LOG.blockHash(), USDT_LOG.transactionHash(), 0, false);
    assertThat(Erc20.decode(approval)).isEmpty();
  }

  @Test
  void readsDecimals() {
    // decimals() is selector 0x313ce567 (the first 4 bytes of keccak256("decimals()")).
    assertThat(Erc20.DECIMALS_CALL).isEqualTo("0x313ce567");
    assertThat(Erc20.decodeDecimals("0x" + "0".repeat(62) + "06")).hasValue(6);
    assertThat(Erc20.decodeDecimals("0x" + "0".repeat(62) + "12")).hasValue(18);
    assertThat(Erc20.decodeDecimals("0x")).isEmpty();
    assertThat(Erc20.decodeDecimals("0x" + "0".repeat(61) + "100")).isEmpty();
    assertThat(Erc20.decodeDecimals("0x" + BigInteger.ONE.shiftLeft(255).toString(16))).isEmpty();
  }
}
