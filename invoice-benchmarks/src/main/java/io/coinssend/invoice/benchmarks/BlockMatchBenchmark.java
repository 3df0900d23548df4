package io.coinssend.invoice.benchmarks;

import io.coinssend.invoice.benchmarks.internal.SyntheticBlock;
import io.coinssend.invoice.benchmarks.internal.WatchedAddresses;
import io.coinssend.invoice.bitcoin.internal.ScriptIndex;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.bitcoinj.base.Address;
import org.bitcoinj.core.Block;
import org.bitcoinj.core.Transaction;
import org.bitcoinj.core.TransactionOutput;
import org.bitcoinj.script.Script;
import org.bitcoinj.script.ScriptBuilder;
import org.bitcoinj.wallet.Wallet;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Finding the payments to watched addresses in one block: each call takes the next of the
 * {@value SyntheticBlock#STANDARD_BLOCKS} {@link SyntheticBlock}s (3,001 transactions, about 7,200 outputs, P2WPKH,
 * P2TR and P2PKH, about 0.9 MB each), so that no block is still in the cache from its previous match, against
 * 1,000, 100,000 and 1,000,000 watched addresses, {@value WatchedAddresses#PAID} of which are paid in each block.
 * Time per block.
 *
 * <ul>
 *   <li>{@code bitcoinjParse}: bitcoinj 0.17.1 {@code Block.read} over the raw bytes, nothing else: the reference a
 *       parsing matcher cannot beat.
 *   <li>{@code bitcoinjHashSet}: the parse, then each output's {@code getScriptPubKey()} looked up in a
 *       {@code HashSet<Script>} of the watched scripts, with txid and address of each match.
 *   <li>{@code bitcoinjWallet}: the parse, then a watching bitcoinj {@code Wallet} ({@code createBasic} plus
 *       {@code addWatchedAddresses}) deciding {@code isTransactionRelevant} for every transaction, with the watched
 *       outputs of each relevant one.
 *   <li>{@code coinssend}: {@link ScriptIndex#matchBlock(byte[])} over the raw bytes (what the bitcoin watcher runs),
 *       returning txid, index, address and value of each match.
 * </ul>
 *
 * <p>Targets: {@code coinssend} at 1,000,000 within 1.2x of itself at 1,000, and at least 2x faster than
 * {@code bitcoinjWallet} at 1,000,000; stretch: below {@code bitcoinjParse}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms6g", "-Xmx6g", "-XX:+AlwaysPreTouch"})
public class BlockMatchBenchmark {

  /** The blocks' raw bytes, handed out in turn: each call matches another block than the call before. */
  @State(Scope.Thread)
  public static class RawBlock {
    byte[][] raws;
    int next;

    @Setup
    public void setUp() {
      raws = SyntheticBlock.standardSet().stream().map(SyntheticBlock::raw).toArray(byte[][]::new);
    }

    byte[] next() {
      byte[] raw = raws[next];
      next = (next + 1) % raws.length;
      return raw;
    }
  }

  /** The watched addresses in our {@link ScriptIndex}, keyed by their output scripts. */
  @State(Scope.Benchmark)
  public static class Index {
    @Param({"1000", "100000", "1000000"})
    public int watched;

    ScriptIndex index;

    @Setup
    public void setUp() {
      index = new ScriptIndex();
      for (Address address : WatchedAddresses.forBlocks(SyntheticBlock.standardSet(), watched)) {
        index.add(address.toString(), ScriptBuilder.createOutputScript(address).program());
      }
      for (SyntheticBlock block : SyntheticBlock.standardSet()) {
        int found = index.matchBlock(block.raw()).size();
        if (found != WatchedAddresses.PAID) {
          throw new IllegalStateException("the script index found " + found + " payments, not "
              + WatchedAddresses.PAID);
        }
      }
    }
  }

  /** The watched output scripts in a plain {@code HashSet<Script>}. */
  @State(Scope.Benchmark)
  public static class Scripts {
    @Param({"1000", "100000", "1000000"})
    public int watched;

    Set<Script> scripts;

    @Setup
    public void setUp() {
      scripts = new HashSet<>();
      for (Address address : WatchedAddresses.forBlocks(SyntheticBlock.standardSet(), watched)) {
        scripts.add(ScriptBuilder.createOutputScript(address));
      }
    }
  }

  /** A watching bitcoinj {@code Wallet} with the watched addresses. */
  @State(Scope.Benchmark)
  public static class Watching {
    @Param({"1000", "100000", "1000000"})
    public int watched;

    Wallet wallet;

    @Setup
    public void setUp() {
      wallet = Wallet.createBasic(SyntheticBlock.NETWORK);
      // A creation time, as a merchant's wallet has one: with none bitcoinj warns once per address.
      wallet.addWatchedAddresses(WatchedAddresses.forBlocks(SyntheticBlock.standardSet(), watched),
          Instant.parse("2026-01-01T00:00:00Z"));
    }
  }

  /** A payment found in the block, as the peers report it. */
  public record Found(String txid, int index, String address, long value) {
    public Found {
      java.util.Objects.requireNonNull(txid, "txid");
      java.util.Objects.requireNonNull(address, "address");
    }
  }

  @Benchmark
  public Block bitcoinjParse(RawBlock block) {
    return Block.read(ByteBuffer.wrap(block.next()));
  }

  @Benchmark
  public List<Found> bitcoinjHashSet(RawBlock block, Scripts watched) {
    List<Found> found = new ArrayList<>();
    for (Transaction tx : Block.read(ByteBuffer.wrap(block.next())).getTransactions()) {
      for (TransactionOutput output : tx.getOutputs()) {
        Script script = output.getScriptPubKey();
        if (watched.scripts.contains(script)) {
          found.add(new Found(tx.getTxId().toString(), output.getIndex(),
              script.getToAddress(SyntheticBlock.NETWORK).toString(), output.getValue().value));
        }
      }
    }
    return found;
  }

  @Benchmark
  public List<Found> bitcoinjWallet(RawBlock block, Watching watching) {
    List<Found> found = new ArrayList<>();
    Wallet wallet = watching.wallet;
    for (Transaction tx : Block.read(ByteBuffer.wrap(block.next())).getTransactions()) {
      if (wallet.isTransactionRelevant(tx)) {
        for (TransactionOutput output : tx.getOutputs()) {
          if (output.isWatched(wallet)) {
            found.add(new Found(tx.getTxId().toString(), output.getIndex(),
                output.getScriptPubKey().getToAddress(SyntheticBlock.NETWORK).toString(), output.getValue().value));
          }
        }
      }
    }
    return found;
  }

  @Benchmark
  public List<ScriptIndex.Match> coinssend(RawBlock block, Index index) {
    return index.index.matchBlock(block.next());
  }
}
