package io.coinssend.invoice.evm;

import static java.util.Objects.requireNonNull;

import io.coinssend.invoice.Asset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * An Ethereum-style chain, named by its EIP-155 chain id.
 *
 * <p>Assets on it are named {@code chain = "ethereum"} (the chain family, {@link #FAMILY}) and {@code network = } the
 * chain id in decimal, so the chain key is {@code ethereum:1} for Ethereum mainnet and {@code ethereum:8453} for
 * Base; {@link io.coinssend.invoice.Asset#displayNetwork()} reads {@code ethereum 8453}, {@link #name()} reads
 * {@code Base}. Immutable and thread-safe; no component is null.
 *
 * @param chainId the EIP-155 chain id, positive
 * @param name a name for people, such as {@code Ethereum} or {@code Base}
 * @param nativeCode the ticker of the chain's native coin (18 decimals), such as {@code ETH} or {@code POL}
 */
public record EvmChain(long chainId, String name, String nativeCode) {

  /** The {@link Asset#chain()} of every asset on an EVM chain. */
  public static final String FAMILY = "ethereum";
  /** Decimals of every EVM chain's native coin (wei). */
  public static final int NATIVE_DECIMALS = 18;

  private static final Pattern CODE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,31}");

  /** Ethereum mainnet, chain id 1. */
  public static final EvmChain ETHEREUM = new EvmChain(1, "Ethereum", "ETH");
  /** The Sepolia test network, chain id 11155111. */
  public static final EvmChain SEPOLIA = new EvmChain(11_155_111, "Sepolia", "ETH");
  /** The Holesky test network, chain id 17000. */
  public static final EvmChain HOLESKY = new EvmChain(17_000, "Holesky", "ETH");
  /** OP Mainnet (Optimism), chain id 10. */
  public static final EvmChain OPTIMISM = new EvmChain(10, "OP Mainnet", "ETH");
  /** BNB Smart Chain, chain id 56. */
  public static final EvmChain BNB_SMART_CHAIN = new EvmChain(56, "BNB Smart Chain", "BNB");
  /** Polygon PoS, chain id 137. */
  public static final EvmChain POLYGON = new EvmChain(137, "Polygon", "POL");
  /** Base, chain id 8453. */
  public static final EvmChain BASE = new EvmChain(8453, "Base", "ETH");
  /** Arbitrum One, chain id 42161. */
  public static final EvmChain ARBITRUM = new EvmChain(42_161, "Arbitrum One", "ETH");
  /** Avalanche C-Chain, chain id 43114. */
  public static final EvmChain AVALANCHE = new EvmChain(43_114, "Avalanche C-Chain", "AVAX");
  /** A local anvil or hardhat development node, chain id 31337. */
  public static final EvmChain ANVIL = new EvmChain(31_337, "Anvil", "ETH");

  private static final Map<Long, EvmChain> KNOWN = List.of(ETHEREUM, SEPOLIA, HOLESKY, OPTIMISM, BNB_SMART_CHAIN,
      POLYGON, BASE, ARBITRUM, AVALANCHE, ANVIL).stream()
      .collect(Collectors.toUnmodifiableMap(EvmChain::chainId, Function.identity()));

  public EvmChain {
    requireNonNull(name, "name");
    requireNonNull(nativeCode, "nativeCode");
    if (chainId <= 0) {
      throw new IllegalArgumentException("chain id must be positive, but was " + chainId);
    }
    if (name.isBlank() || name.length() > 100) {
      throw new IllegalArgumentException("chain name must be 1-100 characters, but was '" + name + "'");
    }
    if (!CODE.matcher(nativeCode).matches()) {
      throw new IllegalArgumentException(
          "native coin code must be 1-32 letters, digits, '.', '_' or '-', but was '" + nativeCode + "'");
    }
  }

  /** The named chain with {@code chainId}, if this library knows it. */
  public static Optional<EvmChain> find(long chainId) {
    return Optional.ofNullable(KNOWN.get(chainId));
  }

  /**
   * The named chain with {@code chainId}, or an unnamed one ({@code "EVM chain <id>"}, native coin {@code ETH}) for
   * an id this library does not know; use the constructor to name another chain's native coin.
   *
   * @throws IllegalArgumentException if {@code chainId} is not positive
   */
  public static EvmChain of(long chainId) {
    return find(chainId).orElseGet(() -> new EvmChain(chainId, "EVM chain " + chainId, "ETH"));
  }

  /**
   * The chain an asset lives on, by its chain id.
   *
   * @throws IllegalArgumentException if the asset is not on an EVM chain ({@code chain} is not {@link #FAMILY} or
   *     {@code network} is not a chain id)
   */
  public static EvmChain of(Asset asset) {
    requireNonNull(asset, "asset");
    if (!FAMILY.equals(asset.chain()) || !asset.network().matches("[1-9][0-9]{0,17}")) {
      throw new IllegalArgumentException("asset " + asset.key() + " is not on an EVM chain (expected chain '"
          + FAMILY + "' and a chain id as network)");
    }
    return of(Long.parseLong(asset.network()));
  }

  /** The chain key of every asset on this chain, {@code ethereum:<chainId>}. */
  public String chainKey() {
    return FAMILY + ":" + network();
  }

  /** The {@link Asset#network()} of assets on this chain: the chain id in decimal. */
  public String network() {
    return Long.toString(chainId);
  }

  /** The chain's native coin (ETH on Ethereum, Base, Arbitrum...; POL on Polygon), 18 decimals. */
  public Asset nativeAsset() {
    return Asset.nativeCoin(nativeCode, FAMILY, network(), NATIVE_DECIMALS);
  }

  /**
   * An ERC-20 token on this chain.
   *
   * @param contract the token contract, {@code 0x} and 40 hex digits; mixed case must be a valid EIP-55 checksum.
   *     It is kept in its EIP-55 form.
   * @throws IllegalArgumentException if the code, contract or decimals are invalid
   */
  public Asset token(String code, String contract, int decimals) {
    return Asset.token(code, FAMILY, network(), decimals, EvmAddress.parse(contract).toString());
  }

  /** Whether {@code asset} lives on this chain. */
  public boolean holds(Asset asset) {
    return chainKey().equals(requireNonNull(asset, "asset").chainKey());
  }
}
