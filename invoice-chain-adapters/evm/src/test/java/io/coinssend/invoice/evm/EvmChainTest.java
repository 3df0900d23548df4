package io.coinssend.invoice.evm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.coinssend.invoice.Asset;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EvmChainTest {

  @Test
  void namesChainsById() {
    assertThat(EvmChain.find(1)).contains(EvmChain.ETHEREUM);
    assertThat(EvmChain.find(11_155_111)).contains(EvmChain.SEPOLIA);
    assertThat(EvmChain.find(8453).map(EvmChain::name)).contains("Base");
    assertThat(EvmChain.find(137).map(EvmChain::nativeCode)).contains("POL");
    assertThat(EvmChain.find(42_161).map(EvmChain::name)).contains("Arbitrum One");
    assertThat(EvmChain.find(31_337)).contains(EvmChain.ANVIL);
    assertThat(EvmChain.find(424_242)).isEmpty();
    assertThat(EvmChain.of(424_242).chainKey()).isEqualTo("ethereum:424242");
    assertThatThrownBy(() -> EvmChain.of(0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void namesAssetsByFamilyAndChainId() {
    assertThat(EvmAssets.ETH.key()).isEqualTo("ETH@ethereum:1");
    assertThat(EvmAssets.ETH.decimals()).isEqualTo(18);
    assertThat(EvmChain.BASE.nativeAsset().displayNetwork()).isEqualTo("ethereum 8453");
    assertThat(EvmChain.of(EvmAssets.USDC_BASE)).isEqualTo(EvmChain.BASE);
    assertThatThrownBy(() -> EvmChain.of(Asset.BTC)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void presetsTheMainnetStablecoins() {
    // Contracts and decimals from notes/chain.md §4 and VECTORS.md (the real USDT log).
    assertThat(EvmAssets.USDT).isEqualTo(new Asset("USDT", "ethereum", "1", 6,
        Optional.of("0xdAC17F958D2ee523a2206206994597C13D831ec7")));
    assertThat(EvmAssets.USDC).isEqualTo(new Asset("USDC", "ethereum", "1", 6,
        Optional.of("0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48")));
    assertThat(EvmAssets.defaultsFor(EvmChain.ETHEREUM)).containsExactly(EvmAssets.ETH, EvmAssets.USDT, EvmAssets.USDC);
    assertThat(EvmAssets.defaultsFor(EvmChain.POLYGON)).containsExactly(EvmChain.POLYGON.nativeAsset());
  }

  @Test
  void keepsTokenContractsChecksummed() {
    assertThat(EvmChain.ETHEREUM.token("USDT", "0xdac17f958d2ee523a2206206994597c13d831ec7", 6)).isEqualTo(EvmAssets.USDT);
    assertThatThrownBy(() -> EvmChain.ETHEREUM.token("USDT", "0xDac17F958D2ee523a2206206994597C13D831ec7", 6))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("checksum");
  }
}
