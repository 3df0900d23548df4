package io.coinssend.invoice.evm;

import io.coinssend.invoice.Asset;
import io.coinssend.invoice.spi.ChainWatcher;
import io.coinssend.invoice.testkit.ChainDriver;
import io.coinssend.invoice.testkit.ChainWatcherContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * The chain watcher contract against a real anvil node, with an ERC-20 token as the invoices' asset: token payments
 * from Transfer logs, reorgs, and ETH sent to a token invoice's address as the unexpected asset.
 */
class EvmTokenWatcherContractIT extends ChainWatcherContract {

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
    driver = new AnvilChainDriver(node, AnvilContractSupport.deployToken(node, "TTX", 18));
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
    return AnvilContractSupport.watcher(node.endpoint(), token, AnvilContractSupport.ETH).build();
  }

  @Override
  protected ChainDriver driver() {
    return driver;
  }
}
