package io.coinssend.invoice.evm;

import io.coinssend.invoice.Asset;
import io.coinssend.invoice.spi.ChainWatcher;
import io.coinssend.invoice.testkit.ChainDriver;
import io.coinssend.invoice.testkit.ChainWatcherContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * The chain watcher contract against a real anvil node, with ETH as the invoices' asset: payments in blocks, reorgs
 * (moved and dropped), a Transfer of a token that is none of the watcher's as the unexpected asset, and resuming from
 * the cursor.
 */
class EvmWatcherContractIT extends ChainWatcherContract {

  private static AnvilNode node;
  private static Asset token;
  private static AnvilChainDriver driver;

  @BeforeAll
  static void startAnvil() {
    node = AnvilNode.startIfInstalled().orElse(null);
    if (node == null) {
      return;
    }
    token = AnvilContractSupport.deployToken(node, "TTA", 6);
    Asset unknown = AnvilContractSupport.deployToken(node, "TTX", 18);
    driver = new AnvilChainDriver(node, unknown);
  }

  @BeforeEach
  void requireAnvil() {
    AnvilNode.require(node);
  }

  @AfterAll
  static void stopAnvil() {
    if (node != null) {
      node.close();
    }
  }

  @Override
  protected ChainWatcher newWatcher() {
    return AnvilContractSupport.watcher(node.endpoint(), AnvilContractSupport.ETH, token).build();
  }

  @Override
  protected ChainDriver driver() {
    return driver;
  }
}
