package io.coinssend.invoice.examples.checkout;

import io.coinssend.invoice.Asset;
import io.coinssend.invoice.testkit.SimulatedChain;
import java.util.List;

/** The demo's simulated chains, by asset. */
public final class DemoChains {

  private final List<SimulatedChain> chains;

  public DemoChains(List<SimulatedChain> chains) {
    this.chains = List.copyOf(chains);
  }

  public List<SimulatedChain> all() {
    return chains;
  }

  /** The chain that carries {@code asset}. */
  public SimulatedChain of(Asset asset) {
    return chains.stream().filter(c -> c.chain().equals(asset.chainKey())).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no simulated chain carries " + asset.key()));
  }
}
