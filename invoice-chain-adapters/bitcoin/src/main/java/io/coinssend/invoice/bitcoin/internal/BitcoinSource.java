package io.coinssend.invoice.bitcoin.internal;

import static java.util.Objects.requireNonNull;

import io.coinssend.invoice.Asset;
import io.coinssend.invoice.BlockRef;
import io.coinssend.invoice.Money;
import io.coinssend.invoice.PaymentRef;
import io.coinssend.invoice.spi.ChainScanner;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The {@link ChainScanner.Source} of the bitcoin watcher: reads through a {@link ChainBackend} and matches outputs
 * against the {@link ScriptIndex}. A raw block whose header does not hash to the requested hash is refused.
 */
public final class BitcoinSource implements ChainScanner.Source {

  private final ChainBackend backend;
  private final ScriptIndex index;
  private final Asset asset;

  public BitcoinSource(ChainBackend backend, ScriptIndex index, Asset asset) {
    this.backend = requireNonNull(backend, "backend");
    this.index = requireNonNull(index, "index");
    this.asset = requireNonNull(asset, "asset");
  }

  @Override
  public BlockRef tip() throws BackendException {
    return backend.tip();
  }

  @Override
  public Optional<BlockRef> blockAt(long height) throws BackendException {
    return backend.blockAt(height);
  }

  @Override
  public List<ChainScanner.Transfer> transfers(BlockRef block) throws BackendException {
    byte[] raw = backend.rawBlock(block.hash());
    List<ScriptIndex.Match> matches;
    try {
      String hash = ScriptIndex.blockHash(raw);
      if (!hash.equals(block.hash())) {
        throw new BackendException(backend.describe() + " answered block " + hash + " when asked for " + block.hash());
      }
      matches = index.matchBlock(raw);
    } catch (IllegalArgumentException e) {
      throw new BackendException(backend.describe() + " answered a malformed block " + block + ": " + e.getMessage(),
          e);
    }
    return transfers(matches);
  }

  @Override
  public List<ChainScanner.Transfer> mempool() throws BackendException {
    return index.size() == 0 ? List.of() : transfers(backend.mempool(index));
  }

  @Override
  public boolean inMempool(String txid) throws BackendException {
    return backend.inMempool(txid);
  }

  @Override
  public io.coinssend.invoice.ReversalCause vanishedCause(PaymentRef ref) throws BackendException {
    return backend.vanishedCause(ref.txid());
  }

  private List<ChainScanner.Transfer> transfers(List<ScriptIndex.Match> matches) {
    List<ChainScanner.Transfer> transfers = new ArrayList<>(matches.size());
    for (ScriptIndex.Match match : matches) {
      if (match.value() > 0) { // a zero-value output pays nothing
        transfers.add(new ChainScanner.Transfer(match.address(), new PaymentRef(match.txid(), match.index()),
            Money.ofUnits(asset, match.value())));
      }
    }
    return transfers;
  }
}
