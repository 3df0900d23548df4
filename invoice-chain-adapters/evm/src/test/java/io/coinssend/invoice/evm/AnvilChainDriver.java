package io.coinssend.invoice.evm;

import io.coinssend.invoice.Asset;
import io.coinssend.invoice.Money;
import io.coinssend.invoice.testkit.ChainDriver;
import java.math.BigInteger;
import java.util.Optional;

/**
 * The contract kit's {@link ChainDriver} over anvil: pays with ETH or the test tokens from a dev account into the pool,
 * mines with {@code anvil_mine}, reorganises with {@code anvil_reorg} (re-including the same signed transactions).
 * Replacement is not supported: the watcher has no mempool, so it does not declare REPLACEMENTS.
 */
final class AnvilChainDriver implements ChainDriver {

  private final AnvilNode node;
  private final Asset otherToken;

  /** @param otherToken a token none of the watcher's assets, sent by {@link #payUnexpected} */
  AnvilChainDriver(AnvilNode node, Asset otherToken) {
    this.node = node;
    this.otherToken = otherToken;
  }

  @Override
  public String pay(String address, Money amount) {
    Asset asset = amount.asset();
    return asset.contract().isPresent()
        ? node.sendToken(asset.contract().get(), address, amount.units())
        : node.sendEth(address, amount.units());
  }

  @Override
  public void mine(int blocks) {
    node.mine(blocks);
  }

  @Override
  public void reorg(int depth) {
    node.reorg(depth, Optional.empty());
  }

  @Override
  public void reorgDropping(int depth, String txid) {
    node.reorg(depth, Optional.of(txid));
  }

  @Override
  public String replace(String txid) {
    throw new UnsupportedOperationException("anvil driver: no replacements (the EVM watcher has no mempool)");
  }

  @Override
  public String payUnexpected(String address, Money expected) {
    if (expected.asset().isToken()) {
      return node.sendEth(address, BigInteger.valueOf(1_000_000_000L));
    }
    return node.sendToken(otherToken.contract().orElseThrow(), address, BigInteger.valueOf(777));
  }
}
