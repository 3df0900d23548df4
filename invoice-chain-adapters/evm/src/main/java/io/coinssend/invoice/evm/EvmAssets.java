package io.coinssend.invoice.evm;

import io.coinssend.invoice.Asset;
import java.util.List;

/**
 * Preset assets: ETH and the USDT and USDC stablecoins on Ethereum mainnet, and USDC on Base. Other tokens are made
 * with {@link EvmChain#token(String, String, int)}. The contracts are in their EIP-55 form. The assets are immutable
 * values; everything here is thread-safe.
 */
public final class EvmAssets {

  private EvmAssets() {}

  /** Ether on Ethereum mainnet, 18 decimals. */
  public static final Asset ETH = EvmChain.ETHEREUM.nativeAsset();

  /** Tether USD (ERC-20) on Ethereum mainnet, contract {@code 0xdAC17F958D2ee523a2206206994597C13D831ec7}, 6 decimals. */
  public static final Asset USDT = EvmChain.ETHEREUM.token("USDT", "0xdAC17F958D2ee523a2206206994597C13D831ec7", 6);

  /** USD Coin (ERC-20) on Ethereum mainnet, contract {@code 0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48}, 6 decimals. */
  public static final Asset USDC = EvmChain.ETHEREUM.token("USDC", "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", 6);

  /** USD Coin on Base (chain 8453), contract {@code 0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913}, 6 decimals. */
  public static final Asset USDC_BASE = EvmChain.BASE.token("USDC", "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913", 6);

  /**
   * The assets a watcher of {@code chain} serves unless told otherwise: the native coin first, then the stablecoin
   * presets of that chain (USDT and USDC on Ethereum, USDC on Base).
   */
  public static List<Asset> defaultsFor(EvmChain chain) {
    if (chain.chainId() == EvmChain.ETHEREUM.chainId()) {
      return List.of(ETH, USDT, USDC);
    }
    if (chain.chainId() == EvmChain.BASE.chainId()) {
      return List.of(chain.nativeAsset(), USDC_BASE);
    }
    return List.of(chain.nativeAsset());
  }
}
