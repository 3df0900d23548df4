package io.coinssend.invoice.bitcoin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.coinssend.invoice.Asset;
import io.coinssend.invoice.Money;
import io.coinssend.invoice.bitcoin.harness.RegtestChain;
import io.coinssend.invoice.bitcoin.internal.Derivation;
import io.coinssend.invoice.bitcoin.internal.ScriptIndex;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bitcoinj.base.AddressParser;
import org.bitcoinj.base.Coin;
import org.bitcoinj.base.Sha256Hash;
import org.bitcoinj.core.Block;
import org.bitcoinj.core.NetworkParameters;
import org.bitcoinj.core.Transaction;
import org.bitcoinj.core.TransactionOutput;
import org.junit.jupiter.api.Test;

/**
 * Matching raw transactions and blocks against watched scripts: the real mainnet transaction and regtest segwit
 * payments of shared/vectors/VECTORS.md, blocks built with bitcoinj, bitcoinj's own parse as the oracle, and malformed
 * input.
 */
class ScriptIndexTest {

  private static final HexFormat HEX = HexFormat.of();

  // Real mainnet transaction in block 169482.
  private static final String MAINNET_TXID = "5496cd74d860ee5db7092dc6624f14e3c918cb9ada195a594f6319668fa889f1";
  private static final String MAINNET_ADDRESS = "1GhSgESjqVdRobYXGLk7NwDpx8CqDdU1QC";
  private static final String MAINNET_SCRIPT = "76a914ac2ff574f7e95d564c255da942add04f5a8088fd88ac";
  private static final String MAINNET_TX = "01000000013b3744f3cfb15238a9c1d975db528f3a4c9eeaa9a80cf389ea04884648f3fa1e"
      + "000000008c493046022100acfd9c1b6857bc2148bb1ce504b05a556ce8e018fd477b511dc237c94bfceec80221008399d2d8a5ef4930"
      + "5853b045411c45afcb6c111acab1647b1cd0d42ce9dc7fce014104613fa8053dbd1c59816b291febb15e87052c4a3a05280093ea8502"
      + "b346e377a67513878bc96b3195606639e9b3769f3f4297c7c6c41d9918524b1412506748d9ffffffff0100743ba40b0000001976a914"
      + "ac2ff574f7e95d564c255da942add04f5a8088fd88ac00000000";

  // Real regtest segwit payments (Electrum protocol documentation).
  private static final String REGTEST_ADDRESS = "bcrt1qn7d2x7272lznt5hhk9s07q3cqnrqljnwladrd3";
  private static final String REGTEST_SCRIPT = "00149f9aa3795e57c535d2f7b160ff023804c60fca6e";
  private static final String TX_45M_ID = "9c42f84b2fcdaff676ba25d9d4941741cc0d1a01cce0c23fdc4c0b2afa38431c";
  private static final String TX_45M = "0200000000010147a332c544c49d66a9a7c3f65e420e209b8fbfef4826a2d636c50bbd61c3c9a6"
      + "0000000000fdffffff02784a4c00000000001600147bcf38d8a69071c21abbfe0532cb6aeacaf5c29440a5ae02000000001600149f9a"
      + "a3795e57c535d2f7b160ff023804c60fca6e02473044022020fd51935d101b3bfcf169af182a2ca189407597d8f1868ca55eecae6c58"
      + "fd0402205adc117093a4329dde60b9b9c579c56c1699129c6be37a581bbd03e851d36962012103c3172a9f8820681c62b8bf28961988"
      + "a4642b33f4920b9da14b06965c7fff83fda8090000";
  private static final String TX_40M_ID = "770f2d4371b3fabb902dd9a103e2dd005fcd3971181078fca4a2a1d6ff127b30";
  private static final String TX_40M = "0200000000010147a332c544c49d66a9a7c3f65e420e209b8fbfef4826a2d636c50bbd61c3c9a6"
      + "0100000000fdffffff02005a6202000000001600149f9aa3795e57c535d2f7b160ff023804c60fca6e28758e0600000000160014c388"
      + "b18dd1771046fecb85f44642ffb7a4efb6270247304402200967ab438e5cb1047873132a7beda3a6e2d87809f58ebcb69976e14c85c2"
      + "a2700220447d761847b2ab6a239f93cc2f8d42981082e4c4fe05f43b87fcd5f1626e4ed3012103cd68ad8bddacdc82a39a82efd7a045"
      + "f2d9513a9de31049286b696c87a8efbe87a8090000";

  @Test
  void theRealMainnetTransactionIsMatchedToItsAddressAndAmount() {
    byte[] script = Derivation.outputScript(
        AddressParser.getDefault(org.bitcoinj.base.BitcoinNetwork.MAINNET).parseAddress(MAINNET_ADDRESS));
    assertThat(HEX.formatHex(script)).isEqualTo(MAINNET_SCRIPT);
    ScriptIndex index = new ScriptIndex();
    index.add(MAINNET_ADDRESS, script);
    assertThat(index.matchTransaction(HEX.parseHex(MAINNET_TX)))
        .containsExactly(new ScriptIndex.Match(MAINNET_TXID, 0, MAINNET_ADDRESS, 50_000_000_000L));
  }

  @Test
  void theRealRegtestSegwitPaymentsAreMatchedInABlockBuiltAroundThem() {
    ScriptIndex index = new ScriptIndex();
    index.add(REGTEST_ADDRESS, HEX.parseHex(REGTEST_SCRIPT));
    byte[] block = blockOf(TX_45M, TX_40M);
    assertThat(index.matchBlock(block)).containsExactly(
        new ScriptIndex.Match(TX_45M_ID, 1, REGTEST_ADDRESS, 45_000_000L),
        new ScriptIndex.Match(TX_40M_ID, 0, REGTEST_ADDRESS, 40_000_000L));
    assertThat(index.matchTransaction(HEX.parseHex(TX_45M)))
        .containsExactly(new ScriptIndex.Match(TX_45M_ID, 1, REGTEST_ADDRESS, 45_000_000L));
    assertThat(index.match(TX_40M_ID, ScriptIndex.outputsOf(HEX.parseHex(TX_40M))))
        .containsExactly(new ScriptIndex.Match(TX_40M_ID, 0, REGTEST_ADDRESS, 40_000_000L));
  }

  @Test
  void readsWhatATransactionSpends() {
    // Both regtest payments spend outputs 0 and 1 of the same parent, whose id is the byte-reversed hash in the raw
    // inputs (47a332c5…c3c9a6 on the wire).
    String parent = "a6c9c361bd0bc536d6a22648efbf8f9b200e425ef6c3a7a9669dc444c532a347";
    assertThat(ScriptIndex.inputsOf(HEX.parseHex(TX_45M))).containsExactly(parent + ":0");
    assertThat(ScriptIndex.inputsOf(HEX.parseHex(TX_40M))).containsExactly(parent + ":1");
    assertThat(ScriptIndex.inputsOf(HEX.parseHex(MAINNET_TX)))
        .containsExactly("1efaf348468804ea89f30ca8a9ea9e4c3a8f52db75d9c1a93852b1cff344373b:0");
  }

  @Test
  void findsNothingForScriptsNotWatchedOrNoLongerWatched() {
    ScriptIndex index = new ScriptIndex();
    byte[] block = blockOf(TX_45M, TX_40M);
    assertThat(index.matchBlock(block)).isEmpty();
    index.add(REGTEST_ADDRESS, HEX.parseHex(REGTEST_SCRIPT));
    assertThat(index.matchBlock(block)).hasSize(2);
    assertThat(index.remove(REGTEST_ADDRESS)).isTrue();
    assertThat(index.matchBlock(block)).isEmpty();
    assertThat(index.size()).isZero();
  }

  @Test
  void agreesWithBitcoinjOnBlocksOfManyTransactions() {
    RegtestChain chain = new RegtestChain(Clock.systemUTC());
    AccountKey key = AccountKey.parse(TestKeys.BIP84_VPUB, BitcoinNetwork.REGTEST);
    ScriptIndex index = new ScriptIndex();
    List<String> watched = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      String address = key.address(AddressType.P2WPKH, i);
      if (i % 2 == 0) {
        index.add(address, scriptOf(address));
        watched.add(address);
      }
    }
    for (int i = 0; i < 60; i++) {
      Map<String, Money> outputs = new LinkedHashMap<>();
      outputs.put(key.address(AddressType.P2WPKH, i % 40), Money.ofUnits(Asset.BTC_REGTEST, 1_000 + i));
      outputs.put(key.address(AddressType.P2WPKH, (i * 7 + 3) % 40), Money.ofUnits(Asset.BTC_REGTEST, 50_000 + i));
      chain.payAll(outputs);
    }
    chain.mine(1);
    Block block = chain.tip();
    byte[] raw = block.serialize();
    assertThat(ScriptIndex.blockHash(raw)).isEqualTo(block.getHashAsString());

    Set<String> watchedScripts = new HashSet<>();
    watched.forEach(a -> watchedScripts.add(HEX.formatHex(scriptOf(a))));
    List<ScriptIndex.Match> expected = new ArrayList<>();
    for (Transaction tx : Block.read(ByteBuffer.wrap(raw)).getTransactions()) {
      for (TransactionOutput output : tx.getOutputs()) {
        String script = HEX.formatHex(output.getScriptBytes());
        if (watchedScripts.contains(script)) {
          expected.add(new ScriptIndex.Match(tx.getTxId().toString(), output.getIndex(),
              output.getScriptPubKey().getToAddress(RegtestChain.NETWORK).toString(), output.getValue().value));
        }
      }
    }
    assertThat(expected).hasSizeGreaterThan(30);
    assertThat(index.matchBlock(raw)).containsExactlyElementsOf(expected);
  }

  @Test
  void agreesWithBitcoinjWhileTensOfThousandsOfScriptsComeAndGo() {
    java.util.SplittableRandom random = new java.util.SplittableRandom(86);
    List<org.bitcoinj.base.Address> payees = new ArrayList<>();
    List<Transaction> txs = new ArrayList<>();
    Transaction coinbase = Transaction.coinbase(new byte[] {2, 7});
    coinbase.addOutput(Coin.FIFTY_COINS, randomAddress(random));
    txs.add(coinbase);
    for (int t = 0; t < 300; t++) {
      Transaction tx = new Transaction();
      byte[] previous = new byte[32];
      random.nextBytes(previous);
      tx.addInput(Sha256Hash.wrap(previous), t % 3, new org.bitcoinj.script.ScriptBuilder().data(new byte[71]).build());
      for (int o = 0; o < 1 + t % 4; o++) {
        org.bitcoinj.base.Address payee = randomAddress(random);
        payees.add(payee);
        tx.addOutput(Coin.valueOf(1_000 + random.nextInt(1_000_000)), payee);
      }
      txs.add(tx);
    }
    Block genesis = NetworkParameters.of(RegtestChain.NETWORK).getGenesisBlock();
    byte[] raw = new Block(Block.BLOCK_VERSION_BIP65, genesis.getHash(), null, genesis.time().plusSeconds(600),
        genesis.getDifficultyTarget(), 0, txs).serialize();

    ScriptIndex index = new ScriptIndex();
    Set<org.bitcoinj.base.Address> watched = new HashSet<>();
    for (int i = 0; i < 40_000; i++) {
      watched.add(randomAddress(random));
    }
    for (int i = 0; i < payees.size(); i += 7) {
      watched.add(payees.get(i));
    }
    watched.forEach(a -> index.add(a.toString(), org.bitcoinj.script.ScriptBuilder.createOutputScript(a).program()));
    assertThat(index.matchBlock(raw)).hasSizeGreaterThan(50).containsExactlyElementsOf(bitcoinjMatches(raw, watched));

    // Most go (the table is rebuilt smaller), some payees among them; then a few payees come back.
    List<org.bitcoinj.base.Address> gone = new ArrayList<>();
    for (org.bitcoinj.base.Address address : List.copyOf(watched)) {
      if (random.nextInt(10) < 9) {
        assertThat(index.remove(address.toString())).isTrue();
        watched.remove(address);
        gone.add(address);
      }
    }
    assertThat(index.matchBlock(raw)).containsExactlyElementsOf(bitcoinjMatches(raw, watched));
    for (org.bitcoinj.base.Address address : payees.subList(0, 40)) {
      index.add(address.toString(), org.bitcoinj.script.ScriptBuilder.createOutputScript(address).program());
      watched.add(address);
    }
    assertThat(index.size()).isEqualTo(watched.size());
    assertThat(index.matchBlock(raw)).hasSizeGreaterThan(40).containsExactlyElementsOf(bitcoinjMatches(raw, watched));
    assertThat(gone).hasSizeGreaterThan(30_000);
  }

  @Test
  void aMatchFindsEveryScriptAddedBeforeItBeganWhileAnotherThreadKeepsAdding() throws Exception {
    // One block paying 3,000 scripts; a writer watches them one by one (the filter is rebuilt larger several times
    // on the way) while a reader matches the block again and again.
    java.util.SplittableRandom random = new java.util.SplittableRandom(21);
    List<org.bitcoinj.base.Address> payees = new ArrayList<>();
    List<Transaction> txs = new ArrayList<>();
    Transaction coinbase = Transaction.coinbase(new byte[] {3, 9});
    coinbase.addOutput(Coin.FIFTY_COINS, randomAddress(random));
    txs.add(coinbase);
    for (int t = 0; t < 300; t++) {
      Transaction tx = new Transaction();
      byte[] previous = new byte[32];
      random.nextBytes(previous);
      tx.addInput(Sha256Hash.wrap(previous), 0, new org.bitcoinj.script.ScriptBuilder().data(new byte[71]).build());
      for (int o = 0; o < 10; o++) {
        org.bitcoinj.base.Address payee = randomAddress(random);
        payees.add(payee);
        tx.addOutput(Coin.valueOf(1_000 + o), payee);
      }
      txs.add(tx);
    }
    Block genesis = NetworkParameters.of(RegtestChain.NETWORK).getGenesisBlock();
    byte[] raw = new Block(Block.BLOCK_VERSION_BIP65, genesis.getHash(), null, genesis.time().plusSeconds(600),
        genesis.getDifficultyTarget(), 0, txs).serialize();

    ScriptIndex index = new ScriptIndex();
    java.util.concurrent.atomic.AtomicInteger added = new java.util.concurrent.atomic.AtomicInteger();
    Thread writer = new Thread(() -> {
      for (org.bitcoinj.base.Address payee : payees) {
        index.add(payee.toString(), org.bitcoinj.script.ScriptBuilder.createOutputScript(payee).program());
        added.incrementAndGet();
      }
    });
    writer.start();
    int rounds = 0;
    int before;
    do {
      before = added.get();
      List<ScriptIndex.Match> found = index.matchBlock(raw);
      Set<String> addresses = new HashSet<>();
      found.forEach(m -> addresses.add(m.address()));
      for (int i = 0; i < before; i++) {
        assertThat(addresses).as("round %d: payee %d of %d added before the match began", rounds, i, before)
            .contains(payees.get(i).toString());
      }
      rounds++;
    } while (before < payees.size());
    writer.join();
    assertThat(index.matchBlock(raw)).hasSize(payees.size());
  }

  @Test
  void blocksOfDifferentSizesMatchedInTurnAndFromTwoThreadsAtOnceGiveTheirOwnMatches() throws Exception {
    // The matcher reuses its working arrays from one block to the next: nothing of one block may leak into another,
    // and two threads matching at once must not share them.
    java.util.SplittableRandom random = new java.util.SplittableRandom(55);
    Set<org.bitcoinj.base.Address> watched = new HashSet<>();
    byte[] large = randomBlock(random, 400, watched);
    byte[] small = randomBlock(random, 3, watched);
    ScriptIndex index = new ScriptIndex();
    watched.forEach(a -> index.add(a.toString(), org.bitcoinj.script.ScriptBuilder.createOutputScript(a).program()));
    List<ScriptIndex.Match> largeMatches = bitcoinjMatches(large, watched);
    List<ScriptIndex.Match> smallMatches = bitcoinjMatches(small, watched);
    assertThat(largeMatches).hasSizeGreaterThan(100);
    assertThat(smallMatches).isNotEmpty();
    assertThat(index.matchBlock(large)).containsExactlyElementsOf(largeMatches);
    assertThat(index.matchBlock(small)).containsExactlyElementsOf(smallMatches);
    assertThat(index.matchBlock(large)).containsExactlyElementsOf(largeMatches);

    java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(2);
    try {
      List<java.util.concurrent.Future<Integer>> rounds = new ArrayList<>();
      for (byte[] block : List.of(large, small)) {
        List<ScriptIndex.Match> expected = block == large ? largeMatches : smallMatches;
        rounds.add(threads.submit(() -> {
          for (int i = 0; i < 300; i++) {
            assertThat(index.matchBlock(block)).containsExactlyElementsOf(expected);
          }
          return 300;
        }));
      }
      for (java.util.concurrent.Future<Integer> round : rounds) {
        assertThat(round.get()).isEqualTo(300);
      }
    } finally {
      threads.shutdownNow();
    }
  }

  @Test
  void matchingABlockAllocatesForItsMatchesNotForEachOutput() {
    // Garbage per output or input streams through the caches the match relies on, and more so the more is watched.
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    org.junit.jupiter.api.Assumptions.assumeTrue(threads.isThreadAllocatedMemorySupported());
    threads.setThreadAllocatedMemoryEnabled(true);
    Set<org.bitcoinj.base.Address> payees = new HashSet<>();
    byte[] block = randomBlock(new java.util.SplittableRandom(89), 2_000, payees);
    ScriptIndex index = new ScriptIndex();
    index.add(REGTEST_ADDRESS, HEX.parseHex(REGTEST_SCRIPT));
    for (int i = 0; i < 3; i++) {
      assertThat(index.matchBlock(block)).isEmpty();
    }
    long before = threads.getCurrentThreadAllocatedBytes();
    for (int i = 0; i < 10; i++) {
      index.matchBlock(block);
    }
    long perBlock = (threads.getCurrentThreadAllocatedBytes() - before) / 10;
    // About 5,000 outputs and 2,000 inputs: even 8 bytes for each would be over 50 KB.
    assertThat(perBlock).as("bytes allocated per match of a block with no watched output").isLessThan(16 * 1024);
  }

  /** A regtest block of {@code transactions} random payments; every third payee goes into {@code watched}. */
  private static byte[] randomBlock(java.util.SplittableRandom random, int transactions,
      Set<org.bitcoinj.base.Address> watched) {
    List<Transaction> txs = new ArrayList<>();
    Transaction coinbase = Transaction.coinbase(new byte[] {4, (byte) transactions});
    coinbase.addOutput(Coin.FIFTY_COINS, randomAddress(random));
    txs.add(coinbase);
    int payments = 0;
    for (int t = 0; t < transactions; t++) {
      Transaction tx = new Transaction();
      byte[] previous = new byte[32];
      random.nextBytes(previous);
      tx.addInput(Sha256Hash.wrap(previous), 1, new org.bitcoinj.script.ScriptBuilder().data(new byte[71]).build());
      for (int o = 0; o < 1 + random.nextInt(4); o++) {
        org.bitcoinj.base.Address payee = randomAddress(random);
        if (payments++ % 3 == 0) {
          watched.add(payee);
        }
        tx.addOutput(Coin.valueOf(546 + random.nextInt(1_000_000)), payee);
      }
      txs.add(tx);
    }
    Block genesis = NetworkParameters.of(RegtestChain.NETWORK).getGenesisBlock();
    return new Block(Block.BLOCK_VERSION_BIP65, genesis.getHash(), null, genesis.time().plusSeconds(600),
        genesis.getDifficultyTarget(), 0, txs).serialize();
  }

  /** The outputs of {@code raw} paying {@code watched}, found by bitcoinj's parse: the oracle. */
  private static List<ScriptIndex.Match> bitcoinjMatches(byte[] raw, Set<org.bitcoinj.base.Address> watched) {
    Set<String> scripts = new HashSet<>();
    watched.forEach(a -> scripts.add(HEX.formatHex(org.bitcoinj.script.ScriptBuilder.createOutputScript(a).program())));
    List<ScriptIndex.Match> expected = new ArrayList<>();
    for (Transaction tx : Block.read(ByteBuffer.wrap(raw)).getTransactions()) {
      for (TransactionOutput output : tx.getOutputs()) {
        if (scripts.contains(HEX.formatHex(output.getScriptBytes()))) {
          expected.add(new ScriptIndex.Match(tx.getTxId().toString(), output.getIndex(),
              output.getScriptPubKey().getToAddress(RegtestChain.NETWORK).toString(), output.getValue().value));
        }
      }
    }
    return expected;
  }

  /** A random regtest address: P2WPKH, P2TR or P2PKH. */
  private static org.bitcoinj.base.Address randomAddress(java.util.SplittableRandom random) {
    int kind = random.nextInt(3);
    byte[] program = new byte[kind == 1 ? 32 : 20];
    random.nextBytes(program);
    return switch (kind) {
      case 0 -> org.bitcoinj.base.SegwitAddress.fromHash(RegtestChain.NETWORK, program);
      case 1 -> org.bitcoinj.base.SegwitAddress.fromProgram(RegtestChain.NETWORK, 1, program);
      default -> org.bitcoinj.base.LegacyAddress.fromPubKeyHash(RegtestChain.NETWORK, program);
    };
  }

  @Test
  void refusesMalformedData() {
    ScriptIndex index = new ScriptIndex();
    index.add(REGTEST_ADDRESS, HEX.parseHex(REGTEST_SCRIPT));
    byte[] tx = HEX.parseHex(TX_45M);
    byte[] block = blockOf(TX_45M);
    assertThatThrownBy(() -> index.matchTransaction(Arrays.copyOf(tx, tx.length - 1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("malformed");
    assertThatThrownBy(() -> index.matchTransaction(Arrays.copyOf(tx, tx.length + 3)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("after its end");
    assertThatThrownBy(() -> index.matchBlock(Arrays.copyOf(block, block.length - 10)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("malformed");
    assertThatThrownBy(() -> index.matchBlock(Arrays.copyOf(block, 60)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("malformed");
    // The error names what ran short (the name is joined only then): here a 3-byte script length cut after 2 bytes.
    byte[] cutLength = HEX.parseHex("01000000" + "01" + "00".repeat(36) + "00" + "ffffffff" + "01" + "2202000000000000"
        + "fd01");
    assertThatThrownBy(() -> index.matchTransaction(cutLength)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("malformed data: output script length runs past the end at offset " + (cutLength.length - 1));
    byte[] hugeCount = block.clone();
    hugeCount[80] = (byte) 0xfe;
    assertThatThrownBy(() -> index.matchBlock(hugeCount))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("malformed");
  }

  /** A regtest block (coinbase plus the given raw transactions) built with bitcoinj on the regtest genesis. */
  private static byte[] blockOf(String... rawTransactions) {
    Block genesis = NetworkParameters.of(RegtestChain.NETWORK).getGenesisBlock();
    Transaction coinbase = Transaction.coinbase(new byte[] {1, 1});
    coinbase.addOutput(Coin.FIFTY_COINS, org.bitcoinj.script.Script.parse(HEX.parseHex("0014" + "00".repeat(20))));
    List<Transaction> txs = new ArrayList<>();
    txs.add(coinbase);
    for (String raw : rawTransactions) {
      txs.add(Transaction.read(ByteBuffer.wrap(HEX.parseHex(raw))));
    }
    Block block = new Block(Block.BLOCK_VERSION_BIP65, genesis.getHash(), null, genesis.time().plusSeconds(600),
        genesis.getDifficultyTarget(), 0, txs);
    assertThat(block.getMerkleRoot()).isNotEqualTo(Sha256Hash.ZERO_HASH);
    return block.serialize();
  }

  private static byte[] scriptOf(String address) {
    return Derivation.outputScript(AddressParser.getDefault(RegtestChain.NETWORK).parseAddress(address));
  }
}
