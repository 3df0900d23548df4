package io.coinssend.invoice.bitcoin.harness;

import static java.util.Objects.requireNonNull;

import io.coinssend.invoice.Money;
import io.coinssend.invoice.testkit.ChainDriver;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bitcoinj.base.Address;
import org.bitcoinj.base.AddressParser;
import org.bitcoinj.base.BitcoinNetwork;
import org.bitcoinj.base.Coin;
import org.bitcoinj.base.ScriptType;
import org.bitcoinj.core.Block;
import org.bitcoinj.core.NetworkParameters;
import org.bitcoinj.core.Transaction;
import org.bitcoinj.core.TransactionInput;
import org.bitcoinj.core.TransactionOutPoint;
import org.bitcoinj.core.TransactionOutput;
import org.bitcoinj.core.TransactionWitness;
import org.bitcoinj.crypto.ECKey;
import org.bitcoinj.crypto.TransactionSignature;
import org.bitcoinj.script.ScriptBuilder;

/**
 * A regtest chain built with bitcoinj: real, signed segwit transactions spending outputs of earlier transactions,
 * blocks with correct merkle roots, linked by previous-block hash and solved for regtest's proof-of-work target, on
 * top of regtest's genesis block. Tests pay addresses into the mempool, mine, reorganise 1..n blocks (keeping or
 * double-spending a transaction) and replace unconfirmed transactions (RBF); the HTTP servers read it.
 *
 * <p>The payer is a key of the harness (test code only). Every payment spends one of 500 outputs of a fan-out
 * transaction mined at height 2, and signals replace-by-fee. Thread-safe.
 */
public final class RegtestChain implements ChainDriver {

  public static final BitcoinNetwork NETWORK = BitcoinNetwork.REGTEST;
  private static final long FEE = 1_000;
  private static final long FAN_OUT_VALUE = 9_000_000; // 0.09 BTC per payer coin
  private static final int FAN_OUT = 500;
  private static final long RBF_SEQUENCE = 0xfffffffdL;

  private final Clock clock;
  private final ECKey payer = new ECKey();
  private final Address payerAddress = payer.toAddress(ScriptType.P2WPKH, NETWORK);
  private final List<Block> chain = new ArrayList<>();
  private final Map<String, Block> blocksByHash = new HashMap<>();
  private final Map<String, Integer> heights = new HashMap<>();
  private final LinkedHashMap<String, Transaction> mempool = new LinkedHashMap<>();
  private final Map<String, Transaction> transactions = new HashMap<>();
  private final Map<String, Instant> mempoolSince = new HashMap<>();
  private final Deque<TransactionOutput> coins = new ArrayDeque<>();
  private final Map<String, TransactionOutput> spentCoinOf = new HashMap<>();
  private int extraNonce;

  /** A chain at height 5 (genesis, a coinbase to the payer, the payer's fan-out, 3 empty blocks). */
  public RegtestChain(Clock clock) {
    this.clock = requireNonNull(clock, "clock");
    Block genesis = NetworkParameters.of(NETWORK).getGenesisBlock();
    add(genesis);
    Transaction coinbase = mineBlock(List.of()).getTransactions().get(0);
    TransactionOutput funds = coinbase.getOutput(0);
    Transaction fanOut = new Transaction();
    for (int i = 0; i < FAN_OUT; i++) {
      fanOut.addOutput(Coin.valueOf(FAN_OUT_VALUE), payerAddress);
    }
    long change = funds.getValue().value - FAN_OUT * FAN_OUT_VALUE - FEE;
    fanOut.addOutput(Coin.valueOf(change), payerAddress);
    sign(fanOut, funds, TransactionInput.NO_SEQUENCE);
    transactions.put(fanOut.getTxId().toString(), fanOut);
    mineBlock(List.of(fanOut));
    for (int i = 0; i < FAN_OUT; i++) {
      coins.add(fanOut.getOutput(i));
    }
    for (int i = 0; i < 3; i++) {
      mineBlock(List.of());
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // ChainDriver

  @Override
  public synchronized String pay(String address, Money amount) {
    return payAll(Map.of(address, amount));
  }

  /** One transaction paying each address its amount (plus change to the payer); returns its txid. */
  public synchronized String payAll(Map<String, Money> payments) {
    TransactionOutput coin = nextCoin();
    Transaction tx = new Transaction();
    long total = 0;
    for (Map.Entry<String, Money> payment : payments.entrySet()) {
      long sats = payment.getValue().units().longValueExact();
      total += sats;
      tx.addOutput(Coin.valueOf(sats), parse(payment.getKey()));
    }
    long change = coin.getValue().value - total - FEE;
    if (change < 0) {
      throw new IllegalArgumentException("the harness pays at most " + (FAN_OUT_VALUE - FEE) + " sat per transaction");
    }
    if (change > 0) {
      tx.addOutput(Coin.valueOf(change), payerAddress);
    }
    sign(tx, coin, RBF_SEQUENCE);
    return toMempool(tx);
  }

  @Override
  public synchronized void mine(int blocks) {
    if (blocks < 1) {
      throw new IllegalArgumentException("mine at least one block");
    }
    for (int i = 0; i < blocks; i++) {
      List<Transaction> txs = new ArrayList<>(mempool.values());
      mempool.clear();
      mempoolSince.clear();
      mineBlock(txs);
    }
  }

  @Override
  public synchronized void reorg(int depth) {
    reorganise(depth, depth + 1, Optional.empty());
  }

  @Override
  public synchronized void reorgDropping(int depth, String txid) {
    reorganise(depth, depth + 1, Optional.of(requireNonNull(txid, "txid")));
  }

  /**
   * Orphans the last {@code depth} blocks and mines {@code newBlocks} others; their transactions go back to the
   * mempool (and into the first new block), except {@code dropped}, which a conflicting transaction spending the same
   * coin replaces in the first new block (a double spend confirmed instead).
   */
  public synchronized void reorganise(int depth, int newBlocks, Optional<String> dropped) {
    if (depth < 1 || depth >= chain.size() - 3) {
      throw new IllegalArgumentException("reorg depth must be between 1 and " + (chain.size() - 4));
    }
    List<Transaction> returning = new ArrayList<>();
    for (int i = 0; i < depth; i++) {
      Block orphaned = chain.remove(chain.size() - 1);
      List<Transaction> txs = orphaned.getTransactions();
      returning.addAll(0, txs.subList(1, txs.size()));
    }
    LinkedHashMap<String, Transaction> pool = new LinkedHashMap<>();
    for (Transaction tx : returning) {
      pool.put(tx.getTxId().toString(), tx);
    }
    pool.putAll(mempool);
    mempool.clear();
    mempool.putAll(pool);
    if (dropped.isPresent()) {
      Transaction gone = mempool.remove(dropped.get());
      if (gone == null) {
        throw new IllegalArgumentException("transaction " + dropped.get() + " is not in the orphaned blocks");
      }
      Transaction doubleSpend = conflict(gone);
      mempool.put(doubleSpend.getTxId().toString(), doubleSpend);
    }
    for (int i = 0; i < newBlocks; i++) {
      List<Transaction> txs = new ArrayList<>(mempool.values());
      mempool.clear();
      mineBlock(txs);
    }
    mempoolSince.clear();
  }

  @Override
  public synchronized String replace(String txid) {
    Transaction old = mempool.remove(requireNonNull(txid, "txid"));
    if (old == null) {
      throw new IllegalArgumentException("transaction " + txid + " is not unconfirmed, so it cannot be replaced");
    }
    mempoolSince.remove(txid);
    return toMempool(conflict(old));
  }

  /** Replaces unconfirmed {@code txid} by one paying {@code amount} to {@code address} instead (RBF). */
  public synchronized String replace(String txid, String address, Money amount) {
    Transaction old = mempool.remove(requireNonNull(txid, "txid"));
    if (old == null) {
      throw new IllegalArgumentException("transaction " + txid + " is not unconfirmed, so it cannot be replaced");
    }
    mempoolSince.remove(txid);
    TransactionOutput coin = spentCoinOf.get(txid);
    Transaction tx = new Transaction();
    long sats = amount.units().longValueExact();
    tx.addOutput(Coin.valueOf(sats), parse(address));
    tx.addOutput(Coin.valueOf(coin.getValue().value - sats - 3 * FEE), payerAddress);
    sign(tx, coin, RBF_SEQUENCE);
    return toMempool(tx);
  }

  /**
   * Confirms a transaction spending the same coin as unconfirmed {@code txid} in a new block: {@code txid} leaves the
   * mempool, double-spent (not replaced in the mempool).
   *
   * @return the confirmed conflicting transaction's id
   */
  public synchronized String doubleSpend(String txid) {
    Transaction old = mempool.remove(requireNonNull(txid, "txid"));
    if (old == null) {
      throw new IllegalArgumentException("transaction " + txid + " is not unconfirmed");
    }
    mempoolSince.remove(txid);
    Transaction conflict = conflict(old);
    List<Transaction> txs = new ArrayList<>(mempool.values());
    txs.add(conflict);
    mempool.clear();
    mempoolSince.clear();
    mineBlock(txs);
    return conflict.getTxId().toString();
  }

  @Override
  public String payUnexpected(String address, Money expected) {
    throw new UnsupportedOperationException("bitcoin has one asset; the watcher does not declare UNEXPECTED_ASSETS");
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Reading, for the servers

  public synchronized int height() {
    return chain.size() - 1;
  }

  public synchronized Block tip() {
    return chain.get(chain.size() - 1);
  }

  public synchronized Optional<Block> blockAt(long height) {
    return height >= 0 && height < chain.size() ? Optional.of(chain.get((int) height)) : Optional.empty();
  }

  /** Any block ever mined here, on the best chain or orphaned. */
  public synchronized Optional<Block> block(String hash) {
    return Optional.ofNullable(blocksByHash.get(hash));
  }

  public synchronized int heightOf(Block block) {
    return heights.get(block.getHashAsString());
  }

  public synchronized boolean onBestChain(Block block) {
    int h = heightOf(block);
    return h < chain.size() && chain.get(h).getHash().equals(block.getHash());
  }

  public synchronized List<Transaction> mempool() {
    return List.copyOf(mempool.values());
  }

  public synchronized Optional<Transaction> mempoolTx(String txid) {
    return Optional.ofNullable(mempool.get(txid));
  }

  public synchronized Instant mempoolSince(String txid) {
    return mempoolSince.getOrDefault(txid, clock.instant());
  }

  /** The best-chain block holding {@code txid}, if mined. */
  public synchronized Optional<Block> blockOf(String txid) {
    for (int h = chain.size() - 1; h >= 0; h--) {
      for (Transaction tx : chain.get(h).getTransactions()) {
        if (tx.getTxId().toString().equals(txid)) {
          return Optional.of(chain.get(h));
        }
      }
    }
    return Optional.empty();
  }

  /**
   * The transaction spending output {@code index} of {@code txid}, on the best chain or in the mempool, with the
   * block holding it (empty while unconfirmed).
   */
  public synchronized Optional<Map.Entry<Transaction, Optional<Block>>> spenderOf(String txid, long index) {
    for (Block block : chain) {
      for (Transaction tx : block.getTransactions()) {
        if (spends(tx, txid, index)) {
          return Optional.of(Map.entry(tx, Optional.of(block)));
        }
      }
    }
    for (Transaction tx : mempool.values()) {
      if (spends(tx, txid, index)) {
        return Optional.of(Map.entry(tx, Optional.empty()));
      }
    }
    return Optional.empty();
  }

  /** Output {@code index} of {@code txid} if a best-chain transaction created it and no best-chain one spent it. */
  public synchronized Optional<TransactionOutput> unspentInChain(String txid, long index) {
    Optional<Block> created = blockOf(txid);
    if (created.isEmpty()) {
      return Optional.empty();
    }
    Optional<Map.Entry<Transaction, Optional<Block>>> spender = spenderOf(txid, index);
    if (spender.isPresent() && spender.get().getValue().isPresent()) {
      return Optional.empty();
    }
    Transaction tx = transactions.get(txid);
    return index < tx.getOutputs().size() ? Optional.of(tx.getOutput(index)) : Optional.empty();
  }

  private static boolean spends(Transaction tx, String txid, long index) {
    return !tx.isCoinBase() && tx.getInputs().stream().anyMatch(
        in -> in.getOutpoint().hash().toString().equals(txid) && in.getOutpoint().index() == index);
  }

  /** A transaction this chain created, for {@code prevout} data. */
  public synchronized Optional<Transaction> transaction(String txid) {
    return Optional.ofNullable(transactions.get(txid));
  }

  // ---------------------------------------------------------------------------------------------------------------

  private TransactionOutput nextCoin() {
    TransactionOutput coin = coins.poll();
    if (coin == null) {
      throw new IllegalStateException("the harness payer has spent all its " + FAN_OUT + " coins");
    }
    return coin;
  }

  private String toMempool(Transaction tx) {
    String txid = tx.getTxId().toString();
    transactions.put(txid, tx);
    mempool.put(txid, tx);
    mempoolSince.put(txid, clock.instant());
    return txid;
  }

  /** A transaction spending the same coin as {@code tx}, paying the payer back with a higher fee. */
  private Transaction conflict(Transaction tx) {
    TransactionOutput coin = spentCoinOf.get(tx.getTxId().toString());
    Transaction replacement = new Transaction();
    replacement.addOutput(Coin.valueOf(coin.getValue().value - 5 * FEE), payerAddress);
    sign(replacement, coin, RBF_SEQUENCE);
    transactions.put(replacement.getTxId().toString(), replacement);
    return replacement;
  }

  /** Adds a P2WPKH input spending {@code coin} (the payer's) with {@code sequence}, signed over all outputs. */
  private void sign(Transaction tx, TransactionOutput coin, long sequence) {
    TransactionOutPoint outpoint = new TransactionOutPoint(coin.getIndex(), coin.getParentTransactionHash());
    tx.addInput(new TransactionInput(tx, new byte[0], outpoint, sequence, coin.getValue(), TransactionWitness.EMPTY));
    int index = tx.getInputs().size() - 1;
    TransactionSignature signature = tx.calculateWitnessSignature(index, payer,
        ScriptBuilder.createP2PKHOutputScript(payer), coin.getValue(), Transaction.SigHash.ALL, false);
    tx.replaceInput(index, tx.getInput(index).withWitness(TransactionWitness.redeemP2WPKH(signature, payer)));
    spentCoinOf.put(tx.getTxId().toString(), coin);
  }

  private Block mineBlock(List<Transaction> txs) {
    Block previous = tip();
    int height = chain.size();
    Transaction coinbase = Transaction.coinbase(coinbaseScript(height, ++extraNonce));
    coinbase.addOutput(Coin.FIFTY_COINS, payerAddress);
    transactions.put(coinbase.getTxId().toString(), coinbase);
    List<Transaction> all = new ArrayList<>();
    all.add(coinbase);
    all.addAll(txs);
    Instant time = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    BigInteger target = previous.getDifficultyTargetAsInteger();
    for (long nonce = 0; ; nonce++) {
      Block block = new Block(Block.BLOCK_VERSION_BIP65, previous.getHash(), null, time,
          previous.getDifficultyTarget(), nonce, all);
      if (block.getHash().toBigInteger().compareTo(target) <= 0) {
        add(block);
        return block;
      }
    }
  }

  private void add(Block block) {
    heights.put(block.getHashAsString(), chain.size());
    chain.add(block);
    blocksByHash.put(block.getHashAsString(), block);
  }

  /** BIP34 height push plus an extra nonce, so every coinbase (and block) is unique. */
  private static byte[] coinbaseScript(int height, int extraNonce) {
    return new ScriptBuilder().number(height).number(extraNonce).build().program();
  }

  private static Address parse(String address) {
    return AddressParser.getDefault(NETWORK).parseAddress(address);
  }
}
