package io.coinssend.invoice.benchmarks.internal;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.bitcoinj.base.Address;
import org.bitcoinj.base.BitcoinNetwork;
import org.bitcoinj.base.Coin;
import org.bitcoinj.base.LegacyAddress;
import org.bitcoinj.base.SegwitAddress;
import org.bitcoinj.base.Sha256Hash;
import org.bitcoinj.core.Block;
import org.bitcoinj.core.Transaction;
import org.bitcoinj.core.TransactionInput;
import org.bitcoinj.core.TransactionOutPoint;
import org.bitcoinj.core.TransactionWitness;
import org.bitcoinj.script.ScriptBuilder;

/**
 * A realistic mainnet block built with bitcoinj and serialised once: a coinbase and {@value #TRANSACTIONS}
 * transactions with about 7,000 outputs paying P2WPKH (55 %), P2TR (25 %) and P2PKH (20 %) scripts, spending inputs
 * of the same mix (segwit witnesses, taproot key-path witnesses, legacy script signatures). Signatures are random
 * bytes of the right sizes: nothing here checks them, and the serialisation is exactly what a node sends (bitcoinj
 * parses it back; the build checks that). The same seed gives the same bytes. Immutable.
 */
public final class SyntheticBlock {

  /** Transactions besides the coinbase. */
  public static final int TRANSACTIONS = 3_000;
  /** The network of every address. */
  public static final BitcoinNetwork NETWORK = BitcoinNetwork.MAINNET;

  /** How many different blocks the benchmarks cycle through. */
  public static final int STANDARD_BLOCKS = 8;

  private static volatile List<SyntheticBlock> standard;

  private final byte[] raw;
  private final List<Address> payees;
  private final int outputs;

  private SyntheticBlock(byte[] raw, List<Address> payees, int outputs) {
    this.raw = raw;
    this.payees = List.copyOf(payees);
    this.outputs = outputs;
  }

  /**
   * The {@value #STANDARD_BLOCKS} blocks every benchmark cycles through (seeds 8 onwards), built on first use and
   * kept: about 7 MB together, more than a core's L2 cache, so that each block is matched from memory as one just
   * received would be, not from the cache where the previous run of the same block left it.
   */
  public static List<SyntheticBlock> standardSet() {
    List<SyntheticBlock> blocks = standard;
    if (blocks == null) {
      synchronized (SyntheticBlock.class) {
        blocks = standard;
        if (blocks == null) {
          List<SyntheticBlock> built = new ArrayList<>(STANDARD_BLOCKS);
          for (int i = 0; i < STANDARD_BLOCKS; i++) {
            built.add(build(8 + i));
          }
          blocks = List.copyOf(built);
          standard = blocks;
        }
      }
    }
    return blocks;
  }

  /** Builds a block from {@code seed}. */
  public static SyntheticBlock build(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    List<Transaction> transactions = new ArrayList<>(TRANSACTIONS + 1);
    List<Address> payees = new ArrayList<>();
    Transaction coinbase = Transaction.coinbase(new ScriptBuilder().number(870_000).number(seed).build().program());
    Address miner = randomAddress(random);
    coinbase.addOutput(Coin.valueOf(312_500_000L + random.nextLong(50_000_000L)), miner);
    payees.add(miner);
    transactions.add(coinbase);
    int outputs = 1;
    for (int t = 0; t < TRANSACTIONS; t++) {
      Transaction tx = new Transaction();
      int inputCount = pick(random, new int[] {70, 20, 6, 4}, new int[] {1, 2, 3, 5});
      for (int i = 0; i < inputCount; i++) {
        tx.addInput(randomInput(tx, random));
      }
      int outputCount = pick(random, new int[] {15, 60, 15, 10}, new int[] {1, 2, 3, 6});
      for (int o = 0; o < outputCount; o++) {
        Address payee = randomAddress(random);
        tx.addOutput(Coin.valueOf(546 + random.nextLong(200_000_000L)), payee);
        payees.add(payee);
      }
      outputs += outputCount;
      transactions.add(tx);
    }
    Block block = new Block(Block.BLOCK_VERSION_BIP65, Sha256Hash.wrap(bytes(random, 32)), null,
        Instant.parse("2026-11-24T12:00:00Z"), 0x17034219L, random.nextLong(1L << 32), transactions);
    byte[] raw = block.serialize();
    Block parsed = Block.read(ByteBuffer.wrap(raw));
    if (parsed.getTransactions().size() != TRANSACTIONS + 1 || !parsed.getHash().equals(block.getHash())) {
      throw new IllegalStateException("bitcoinj does not read back the block it wrote");
    }
    return new SyntheticBlock(raw, payees, outputs);
  }

  /** The serialised block. Callers must not change the array. */
  public byte[] raw() {
    return raw;
  }

  /** The address of every output, in block order (the coinbase's first). */
  public List<Address> payees() {
    return payees;
  }

  /** How many outputs the block has. */
  public int outputs() {
    return outputs;
  }

  /** How many transactions the block has, with the coinbase. */
  public int transactions() {
    return TRANSACTIONS + 1;
  }

  /** A random address: P2WPKH 55 %, P2TR 25 %, P2PKH 20 %. */
  public static Address randomAddress(SplittableRandom random) {
    int kind = random.nextInt(100);
    if (kind < 55) {
      return SegwitAddress.fromHash(NETWORK, bytes(random, 20));
    } else if (kind < 80) {
      return SegwitAddress.fromProgram(NETWORK, 1, bytes(random, 32));
    }
    return LegacyAddress.fromPubKeyHash(NETWORK, bytes(random, 20));
  }

  private static TransactionInput randomInput(Transaction parent, SplittableRandom random) {
    TransactionOutPoint outpoint = new TransactionOutPoint(random.nextInt(4), Sha256Hash.wrap(bytes(random, 32)));
    long sequence = 0xfffffffdL;
    int kind = random.nextInt(100);
    if (kind < 55) {
      // P2WPKH: empty scriptSig, witness [DER signature + sighash byte, compressed public key].
      TransactionWitness witness = TransactionWitness.of(bytes(random, 71 + random.nextInt(2)), pubKey(random));
      return new TransactionInput(parent, new byte[0], outpoint, sequence, null, witness);
    } else if (kind < 80) {
      // P2TR key path: witness [64-byte Schnorr signature].
      return new TransactionInput(parent, new byte[0], outpoint, sequence, null,
          TransactionWitness.of(bytes(random, 64)));
    }
    // P2PKH: scriptSig <signature> <public key>, no witness.
    byte[] scriptSig = new ScriptBuilder().data(bytes(random, 71 + random.nextInt(2))).data(pubKey(random)).build()
        .program();
    return new TransactionInput(parent, scriptSig, outpoint, sequence, null, TransactionWitness.EMPTY);
  }

  private static byte[] pubKey(SplittableRandom random) {
    byte[] key = bytes(random, 33);
    key[0] = (byte) (random.nextBoolean() ? 2 : 3);
    return key;
  }

  private static byte[] bytes(SplittableRandom random, int length) {
    byte[] bytes = new byte[length];
    random.nextBytes(bytes);
    return bytes;
  }

  private static int pick(SplittableRandom random, int[] percents, int[] values) {
    int roll = random.nextInt(100);
    for (int i = 0; i < percents.length; i++) {
      roll -= percents[i];
      if (roll < 0) {
        return values[i];
      }
    }
    return values[values.length - 1];
  }
}
