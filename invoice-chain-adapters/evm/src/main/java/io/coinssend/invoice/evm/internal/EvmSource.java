package io.coinssend.invoice.evm.internal;

import static java.util.Objects.requireNonNull;

import io.coinssend.invoice.Asset;
import io.coinssend.invoice.BlockRef;
import io.coinssend.invoice.ChainWatcherException;
import io.coinssend.invoice.Money;
import io.coinssend.invoice.PaymentRef;
import io.coinssend.invoice.evm.EvmAddress;
import io.coinssend.invoice.evm.EvmChain;
import io.coinssend.invoice.spi.ChainScanner;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads an EVM chain for the {@link ChainScanner}: the latest block, blocks by height, and the transfers to watched
 * addresses in a block, of any asset.
 *
 * <p>Native transfers come from the block's transactions whose {@code to} is watched and whose value is positive;
 * the receipt of each must say success (a reverted transaction pays nothing). Token transfers come from
 * {@code eth_getLogs} for Transfer events whose recipient topic is a watched address, from any contract: a contract
 * that is not one of the watcher's tokens is an unexpected asset.
 *
 * <p>Efficiency: the scanner asks block by block. When it first asks for a block above the last one it processed,
 * this source fetches the whole range up to {@code blockRange} blocks (or the tip) at once: the blocks, then one
 * {@code eth_getLogs} per batch of {@code addressBatch} addresses over the range (halved when a node refuses a
 * range), then the last block again. The range is used only if it fits together: each block's parent is the block
 * before it, the last block did not change while the logs were read, and every log names one of these blocks by
 * hash. Otherwise the scan fails as {@link RpcException.Kind#INCONSISTENT} and is retried, so a reorg or a lagging
 * node behind a load balancer never turns into a missing or wrong payment. A block the scanner asks for again (reorg
 * checks, the new branch after a reorg) is read by hash: exact, and only after a reorg.
 *
 * <p>Used by one scanning thread at a time; the watched addresses may change from other threads.
 */
public final class EvmSource implements ChainScanner.Source {

  private static final Logger log = LoggerFactory.getLogger(EvmSource.class);

  /**
   * What the source needs to know.
   *
   * @param chain the chain followed
   * @param assets the watcher's assets (its native coin and tokens)
   * @param reportUnknownTokens whether Transfers from contracts that are none of {@code assets} are reported
   * @param blockRange the most blocks read in one range
   * @param addressBatch the most addresses in one {@code eth_getLogs} filter
   * @param unknownTokenCode the asset code given to unknown tokens
   */
  public record Settings(EvmChain chain, Collection<Asset> assets, boolean reportUnknownTokens, int blockRange,
      int addressBatch, String unknownTokenCode) {
    public Settings {
      requireNonNull(chain, "chain");
      requireNonNull(unknownTokenCode, "unknownTokenCode");
      assets = List.copyOf(assets);
      if (blockRange < 1 || addressBatch < 1) {
        throw new IllegalArgumentException("block range and address batch must be at least 1");
      }
    }
  }

  private final EvmRpc rpc;
  private final Settings settings;
  private final Supplier<Map<String, String>> watched;
  private final Supplier<Optional<BlockRef>> processedTip;
  private final Asset nativeAsset;
  private final Map<String, Asset> tokens = new HashMap<>();
  private final Map<String, Integer> unknownDecimals = new ConcurrentHashMap<>();
  private volatile boolean chainIdChecked;

  // State of the current scan, reset by tip().
  private Map<String, String> scanWatched = Map.of();
  private EvmRpc.Block scanTip;
  private final Map<Long, Fetched> cache = new HashMap<>();
  private EvmRpc.Block lastReturned;

  private record Fetched(EvmRpc.Block block, List<EvmRpc.Log> logs) {}

  /**
   * A source.
   *
   * @param watched the watched addresses, live: lower-case address to the address as reported
   * @param processedTip the last block the scanner processed, if any
   */
  public EvmSource(EvmRpc rpc, Settings settings, Supplier<Map<String, String>> watched,
      Supplier<Optional<BlockRef>> processedTip) {
    this.rpc = requireNonNull(rpc, "rpc");
    this.settings = requireNonNull(settings, "settings");
    this.watched = requireNonNull(watched, "watched");
    this.processedTip = requireNonNull(processedTip, "processedTip");
    Asset nativeCoin = null;
    for (Asset asset : settings.assets()) {
      if (asset.contract().isPresent()) {
        tokens.put(asset.contract().get().toLowerCase(Locale.ROOT), asset);
      } else {
        nativeCoin = asset;
      }
    }
    this.nativeAsset = nativeCoin != null ? nativeCoin : settings.chain().nativeAsset();
  }

  @Override
  public BlockRef tip() throws Exception {
    cache.clear();
    lastReturned = null;
    if (!chainIdChecked) {
      long chainId = rpc.chainId();
      if (chainId != settings.chain().chainId()) {
        throw new ChainWatcherException("the node at " + rpc.endpoint() + " serves chain id " + chainId + ", not "
            + settings.chain().chainId() + " (" + settings.chain().name() + "); refusing to read it");
      }
      chainIdChecked = true;
    }
    EvmRpc.Block latest = rpc.blockByNumber("latest", false)
        .orElseThrow(() -> new RpcException(RpcException.Kind.MALFORMED, "the node has no latest block"));
    Optional<BlockRef> processed = processedTip.get();
    if (processed.isPresent() && latest.number() < processed.get().height()) {
      throw new RpcException(RpcException.Kind.INCONSISTENT, "the node's latest block " + latest.number()
          + " is below block " + processed.get().height() + " already processed: a lagging node (or a reorganisation"
          + " to a shorter chain, settled when the chain grows again); waiting");
    }
    // The watched addresses are taken after the latest block: an address watched before a payment to it was sent is
    // then in the set for every block this scan reads. Taken before, a payment sent and mined between the two would
    // be read with a set that lacks its address, and missed for good (the cursor moves past its block).
    scanWatched = Map.copyOf(watched.get());
    scanTip = latest;
    log.debug("Scan of {}: latest block {} {}, processed {}", settings.chain().chainKey(), latest.number(),
        latest.hash(), processed.map(BlockRef::toString).orElse("nothing"));
    return latest.ref();
  }

  /** The block at the {@code finalized} tag. */
  public Optional<BlockRef> finalizedTip() throws RpcException, InterruptedException {
    return rpc.blockByNumber("finalized", false).map(EvmRpc.Block::ref);
  }

  @Override
  public Optional<BlockRef> blockAt(long height) throws Exception {
    Fetched cached = cache.get(height);
    EvmRpc.Block block;
    if (cached != null) {
      block = cached.block();
    } else if (processedTip.get().map(p -> height > p.height()).orElse(true)) {
      prefetch(height, Math.min(height + settings.blockRange() - 1, scanTip.number()));
      block = cache.get(height).block();
    } else {
      block = rpc.blockByNumber(height, false).orElseThrow(() -> lagging(height));
      log.debug("Block {} is {}", height, block.hash());
    }
    if (lastReturned != null && lastReturned.number() == height - 1
        && !block.parentHash().equals(lastReturned.hash())) {
      throw new RpcException(RpcException.Kind.INCONSISTENT, "block " + height + " does not follow block "
          + (height - 1) + " read in this scan: the chain changed while it was read");
    }
    lastReturned = block;
    return Optional.of(block.ref());
  }

  @Override
  public List<ChainScanner.Transfer> transfers(BlockRef ref) throws Exception {
    if (scanWatched.isEmpty()) {
      return List.of();
    }
    Fetched cached = cache.get(ref.height());
    EvmRpc.Block block;
    List<EvmRpc.Log> logs;
    if (cached != null && cached.block().hash().equals(ref.hash())) {
      block = cached.block();
      logs = cached.logs();
    } else {
      block = rpc.blockByHash(ref.hash(), true).orElseThrow(() -> new RpcException(RpcException.Kind.INCONSISTENT,
          "the node no longer knows block " + ref + ": the chain changed while it was read"));
      logs = new ArrayList<>();
      for (List<String> batch : batches()) {
        Map<String, Object> filter = filter(batch);
        filter.put("blockHash", ref.hash());
        logs.addAll(rpc.logs(filter));
      }
      for (EvmRpc.Log l : logs) {
        if (!l.blockHash().equals(ref.hash())) {
          throw new RpcException(RpcException.Kind.INCONSISTENT, "eth_getLogs for block " + ref
              + " returned a log of block " + l.blockHash());
        }
      }
    }
    List<ChainScanner.Transfer> transfers = new ArrayList<>();
    nativeTransfers(block, transfers);
    tokenTransfers(ref, logs, transfers);
    // An address unwatched since the scan began is reported no more.
    Map<String, String> now = watched.get();
    transfers.removeIf(t -> !now.containsKey(t.address().toLowerCase(Locale.ROOT)));
    return transfers;
  }

  private void prefetch(long from, long to) throws RpcException, InterruptedException {
    boolean full = !scanWatched.isEmpty();
    List<EvmRpc.Block> blocks = new ArrayList<>();
    for (long height = from; height <= to; height++) {
      long wanted = height;
      EvmRpc.Block block = rpc.blockByNumber(height, full).orElseThrow(() -> lagging(wanted));
      if (block.number() != height) {
        throw new RpcException(RpcException.Kind.MALFORMED, "asked for block " + height + ", got " + block.number());
      }
      if (!blocks.isEmpty() && !block.parentHash().equals(blocks.get(blocks.size() - 1).hash())) {
        throw new RpcException(RpcException.Kind.INCONSISTENT, "block " + height + " does not follow block "
            + (height - 1) + ": the chain changed while it was read");
      }
      blocks.add(block);
    }
    Map<Long, List<EvmRpc.Log>> logsByHeight = new HashMap<>();
    if (full && wantsLogs()) {
      for (List<String> batch : batches()) {
        for (EvmRpc.Log l : logsInRange(from, to, batch)) {
          logsByHeight.computeIfAbsent(l.blockNumber(), h -> new ArrayList<>()).add(l);
        }
      }
      EvmRpc.Block last = blocks.get(blocks.size() - 1);
      EvmRpc.Block again = rpc.blockByNumber(to, false).orElseThrow(() -> lagging(to));
      if (!again.hash().equals(last.hash())) {
        throw new RpcException(RpcException.Kind.INCONSISTENT, "block " + to + " changed while the logs of blocks "
            + from + ".." + to + " were read");
      }
      for (Map.Entry<Long, List<EvmRpc.Log>> entry : logsByHeight.entrySet()) {
        long height = entry.getKey();
        if (height < from || height > to) {
          throw new RpcException(RpcException.Kind.MALFORMED, "eth_getLogs for blocks " + from + ".." + to
              + " returned a log of block " + height);
        }
        String hash = blocks.get((int) (height - from)).hash();
        for (EvmRpc.Log l : entry.getValue()) {
          if (!l.blockHash().equals(hash)) {
            throw new RpcException(RpcException.Kind.INCONSISTENT, "eth_getLogs returned a log of block " + height
                + " " + l.blockHash() + ", but that block is " + hash + ": the chain changed while it was read");
          }
        }
      }
    }
    for (EvmRpc.Block block : blocks) {
      cache.put(block.number(), new Fetched(block, logsByHeight.getOrDefault(block.number(), List.of())));
    }
  }

  private List<EvmRpc.Log> logsInRange(long from, long to, List<String> batch)
      throws RpcException, InterruptedException {
    Map<String, Object> filter = filter(batch);
    filter.put("fromBlock", EvmRpc.quantity(from));
    filter.put("toBlock", EvmRpc.quantity(to));
    try {
      return rpc.logs(filter);
    } catch (RpcException e) {
      if (e.kind() != RpcException.Kind.RPC_ERROR || from == to) {
        throw e;
      }
      // Nodes cap the blocks or results of one eth_getLogs; halve the range until it fits.
      long middle = from + (to - from) / 2;
      log.debug("eth_getLogs for blocks {}..{} refused ({}); splitting the range", from, to, e.getMessage());
      List<EvmRpc.Log> logs = new ArrayList<>(logsInRange(from, middle, batch));
      logs.addAll(logsInRange(middle + 1, to, batch));
      return logs;
    }
  }

  private boolean wantsLogs() {
    return !tokens.isEmpty() || settings.reportUnknownTokens();
  }

  private Map<String, Object> filter(List<String> batch) {
    Map<String, Object> filter = new LinkedHashMap<>();
    if (!settings.reportUnknownTokens()) {
      filter.put("address", List.copyOf(tokens.keySet()));
    }
    List<Object> topics = new ArrayList<>();
    topics.add(Erc20.TRANSFER_TOPIC);
    topics.add(null);
    topics.add(batch.stream().map(Erc20::addressTopic).toList());
    filter.put("topics", topics);
    return filter;
  }

  private List<List<String>> batches() {
    List<String> all = new ArrayList<>(scanWatched.keySet());
    all.sort(Comparator.naturalOrder());
    List<List<String>> batches = new ArrayList<>();
    for (int i = 0; i < all.size(); i += settings.addressBatch()) {
      batches.add(all.subList(i, Math.min(all.size(), i + settings.addressBatch())));
    }
    return batches;
  }

  private void nativeTransfers(EvmRpc.Block block, List<ChainScanner.Transfer> transfers)
      throws RpcException, InterruptedException {
    for (EvmRpc.Tx tx : block.transactions()) {
      if (tx.to().isEmpty() || tx.value().signum() == 0) {
        continue;
      }
      String address = scanWatched.get(tx.to().get());
      if (address == null) {
        continue;
      }
      EvmRpc.Receipt receipt = rpc.receipt(tx.hash()).orElseThrow(() -> new RpcException(
          RpcException.Kind.INCONSISTENT, "no receipt yet for transaction " + tx.hash() + " of block " + block.number()));
      if (!receipt.blockHash().equals(block.hash()) || !receipt.transactionHash().equals(tx.hash())) {
        throw new RpcException(RpcException.Kind.INCONSISTENT, "the receipt of " + tx.hash() + " names block "
            + receipt.blockHash() + ", not " + block.hash() + ": the chain changed while it was read");
      }
      if (!receipt.success()) {
        log.info("Transaction {} to {} in block {} reverted: it pays nothing", tx.hash(), address, block.number());
        continue;
      }
      transfers.add(new ChainScanner.Transfer(address, PaymentRef.of(tx.hash(), -1), money(nativeAsset, tx.value(),
          tx.hash())));
    }
  }

  private void tokenTransfers(BlockRef block, List<EvmRpc.Log> logs, List<ChainScanner.Transfer> transfers)
      throws RpcException, InterruptedException {
    List<EvmRpc.Log> ordered = new ArrayList<>(logs);
    ordered.sort(Comparator.comparingInt(EvmRpc.Log::logIndex));
    for (EvmRpc.Log l : ordered) {
      if (l.removed()) {
        continue;
      }
      Optional<Erc20.Transfer> decoded = Erc20.decode(l);
      if (decoded.isEmpty()) {
        log.debug("Log {} of {} in block {} is not an ERC-20 Transfer; ignored", l.logIndex(), l.transactionHash(),
            block.height());
        continue;
      }
      Erc20.Transfer transfer = decoded.get();
      String address = scanWatched.get(transfer.to());
      if (address == null || transfer.value().signum() == 0) {
        continue; // zero-value Transfers are a known address-poisoning trick and pay nothing
      }
      Optional<Asset> asset = assetOf(transfer.contract());
      if (asset.isEmpty()) {
        continue;
      }
      transfers.add(new ChainScanner.Transfer(address, PaymentRef.of(l.transactionHash(), l.logIndex()),
          money(asset.get(), transfer.value(), l.transactionHash())));
    }
  }

  private Optional<Asset> assetOf(String contract) throws RpcException, InterruptedException {
    Asset known = tokens.get(contract);
    if (known != null) {
      return Optional.of(known);
    }
    if (!settings.reportUnknownTokens()) {
      return Optional.empty();
    }
    Integer decimals = unknownDecimals.get(contract);
    if (decimals == null) {
      decimals = readDecimals(contract);
      unknownDecimals.put(contract, decimals);
    }
    return Optional.of(settings.chain().token(settings.unknownTokenCode(), EvmAddress.parse(contract).toString(),
        decimals));
  }

  private int readDecimals(String contract) throws RpcException, InterruptedException {
    try {
      OptionalInt decimals = Erc20.decodeDecimals(rpc.call(contract, Erc20.DECIMALS_CALL));
      if (decimals.isPresent() && decimals.getAsInt() <= Asset.MAX_DECIMALS) {
        return decimals.getAsInt();
      }
      log.info("Token {} answers decimals() with no usable value; its transfers are counted in base units", contract);
      return 0;
    } catch (RpcException e) {
      if (e.kind() != RpcException.Kind.RPC_ERROR) {
        throw e;
      }
      log.info("Token {} has no decimals() ({}); its transfers are counted in base units", contract, e.getMessage());
      return 0;
    }
  }

  private static Money money(Asset asset, BigInteger units, String txHash) {
    BigInteger max = Money.maxUnits(asset);
    if (units.compareTo(max) > 0) {
      log.warn("Transfer {} of {} base units of {} is above the largest amount an invoice can hold; recorded as {}",
          txHash, units, asset.key(), max);
      return Money.ofUnits(asset, max);
    }
    return Money.ofUnits(asset, units);
  }

  private RpcException lagging(long height) {
    return new RpcException(RpcException.Kind.INCONSISTENT, "the node has no block " + height + " although its"
        + " latest block is " + scanTip.number() + ": a lagging node behind a load balancer?");
  }
}
