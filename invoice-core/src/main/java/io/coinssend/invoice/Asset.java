package io.coinssend.invoice;

import static java.util.Objects.requireNonNull;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What a customer pays: a coin or token on one chain and network, with the number of decimals of its base
 * unit and, for a token, its contract.
 *
 * <p>Values are immutable and thread-safe. Two assets are equal when every component is equal; {@link #key()}
 * is the short form used in logs, JSON and stores ({@code BTC@bitcoin:mainnet}).
 *
 * @param code the ticker shown to people, for example {@code BTC} or {@code USDT}
 * @param chain the chain family and name, lower case, for example {@code bitcoin} or {@code ethereum}
 * @param network the network of that chain, lower case, for example {@code mainnet}, {@code regtest} or an EVM
 *     chain id such as {@code 8453}
 * @param decimals how many decimal places one whole unit has in base units (8 for BTC, 18 for ETH, 6 for USDT)
 * @param contract the token contract, empty for a chain's native coin
 */
public record Asset(String code, String chain, String network, int decimals, Optional<String> contract) {

  // Declared before the constants below, which need them when the class initialises.
  private static final Pattern CODE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,31}");
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
  private static final Pattern CONTRACT = Pattern.compile("[A-Za-z0-9:._-]{1,128}");

  /** Bitcoin on mainnet, 8 decimals. */
  public static final Asset BTC = new Asset("BTC", "bitcoin", "mainnet", 8, Optional.empty());
  /** Bitcoin on testnet (testnet3/testnet4), 8 decimals. */
  public static final Asset BTC_TESTNET = new Asset("BTC", "bitcoin", "testnet", 8, Optional.empty());
  /** Bitcoin on signet, 8 decimals. */
  public static final Asset BTC_SIGNET = new Asset("BTC", "bitcoin", "signet", 8, Optional.empty());
  /** Bitcoin on a regtest network, 8 decimals. */
  public static final Asset BTC_REGTEST = new Asset("BTC", "bitcoin", "regtest", 8, Optional.empty());

  /** The largest number of decimals an asset may declare. */
  public static final int MAX_DECIMALS = 36;

  public Asset {
    requireNonNull(code, "code");
    requireNonNull(chain, "chain");
    requireNonNull(network, "network");
    requireNonNull(contract, "contract");
    if (!CODE.matcher(code).matches()) {
      throw new IllegalArgumentException(
          "asset code must be 1-32 letters, digits, '.', '_' or '-', but was '" + code + "'");
    }
    if (!NAME.matcher(chain).matches()) {
      throw new IllegalArgumentException(
          "chain must be 1-64 lower-case letters, digits, '.', '_' or '-', but was '" + chain + "'");
    }
    if (!NAME.matcher(network).matches()) {
      throw new IllegalArgumentException(
          "network must be 1-64 lower-case letters, digits, '.', '_' or '-', but was '" + network + "'");
    }
    if (decimals < 0 || decimals > MAX_DECIMALS) {
      throw new IllegalArgumentException(
          "decimals must be between 0 and " + MAX_DECIMALS + ", but was " + decimals);
    }
    contract.ifPresent(
        c -> {
          if (!CONTRACT.matcher(c).matches()) {
            throw new IllegalArgumentException("token contract is not a valid identifier: '" + c + "'");
          }
        });
  }

  /** A chain's native coin, such as BTC on bitcoin or ETH on an EVM chain. */
  public static Asset nativeCoin(String code, String chain, String network, int decimals) {
    return new Asset(code, chain, network, decimals, Optional.empty());
  }

  /** A token issued by a contract on a chain, such as USDT (ERC-20) on Ethereum. */
  public static Asset token(String code, String chain, String network, int decimals, String contract) {
    return new Asset(code, chain, network, decimals, Optional.of(requireNonNull(contract, "contract")));
  }

  /** The chain and network this asset lives on, as {@code chain:network}; one chain watcher serves one key. */
  public String chainKey() {
    return chain + ":" + network;
  }

  /** The short identifier {@code CODE@chain:network}, unique among the assets an engine serves. */
  public String key() {
    return code + "@" + chainKey();
  }

  /** Whether this asset is a token (has a contract) rather than the chain's native coin. */
  public boolean isToken() {
    return contract.isPresent();
  }

  /** The network as a customer should read it, for example {@code bitcoin mainnet} or {@code ethereum 8453}. */
  public String displayNetwork() {
    return chain + " " + network;
  }

  @Override
  public String toString() {
    return key();
  }
}
