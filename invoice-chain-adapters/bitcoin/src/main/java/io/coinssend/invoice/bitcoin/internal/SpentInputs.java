package io.coinssend.invoice.bitcoin.internal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The previous outputs spent by the unconfirmed transactions that paid a watched script, kept after they leave the
 * mempool so the cause of a disappearance can be told. Bounded: the oldest entries go first. Not thread-safe (used
 * by one backend, from one thread at a time).
 */
final class SpentInputs {

  static final int MAX_ENTRIES = 10_000;

  private final Map<String, List<String>> byTxid = new LinkedHashMap<>(16, 0.75f, false) {
    private static final long serialVersionUID = 1L;

    @Override
    protected boolean removeEldestEntry(Map.Entry<String, List<String>> eldest) {
      return size() > MAX_ENTRIES;
    }
  };

  boolean knows(String txid) {
    return byTxid.containsKey(txid);
  }

  void put(String txid, List<String> outpoints) {
    byTxid.put(txid, List.copyOf(outpoints));
  }

  Optional<List<String>> of(String txid) {
    return Optional.ofNullable(byTxid.get(txid));
  }
}
