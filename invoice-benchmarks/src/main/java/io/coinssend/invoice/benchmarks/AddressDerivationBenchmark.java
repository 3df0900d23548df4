package io.coinssend.invoice.benchmarks;

import io.coinssend.invoice.bitcoin.AccountKey;
import io.coinssend.invoice.bitcoin.AddressType;
import io.coinssend.invoice.bitcoin.BitcoinNetwork;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.bitcoinj.base.ScriptType;
import org.bitcoinj.base.SegwitAddress;
import org.bitcoinj.crypto.ChildNumber;
import org.bitcoinj.crypto.DeterministicKey;
import org.bitcoinj.crypto.HDKeyDerivation;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Receiving addresses derived per second from an account's extended public key (BIP84 test vector {@code zpub},
 * receive branch {@code 0/i}, a new index each call), as P2WPKH address text.
 *
 * <ul>
 *   <li>{@code coinssend}: {@link AccountKey#address(AddressType, long)}, what the bitcoin watcher calls for each
 *       invoice.
 *   <li>{@code bitcoinjDirect}: bitcoinj's {@code HDKeyDerivation.deriveChildKey} on the same receive-branch key,
 *       then {@code toAddress(P2WPKH)} and its text: the same work with nothing around it.
 *   <li>{@code coinssendTaproot}: {@link AccountKey#address} for P2TR from the BIP86 account {@code xpub} (with the
 *       BIP86 tweak); bitcoinj has no key-path taproot address of a key to compare with.
 * </ul>
 *
 * <p>Target: {@code coinssend} no slower than {@code bitcoinjDirect}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
public class AddressDerivationBenchmark {

  private static final org.bitcoinj.base.BitcoinNetwork MAINNET = org.bitcoinj.base.BitcoinNetwork.MAINNET;

  /** BIP84 account m/84'/0'/0' of "abandon ×11 about" (shared/vectors/VECTORS.md). */
  public static final String BIP84_ZPUB = "zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVC"
      + "ToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs";
  /** The same BIP84 account key written as an xpub (the vectors give both). */
  public static final String BIP84_XPUB = "xpub6CatWdiZiodmUeTDp8LT5or8nmbKNcuyvz7WyksVFkKB4RHwCD3XyuvPEbvqAQY3rAPsh"
      + "WcMLoP2fMFMKHPJ4ZeZXYVUhLv1VMrjPC7PW6V";
  /** BIP86 account m/86'/0'/0' of the same mnemonic. */
  public static final String BIP86_XPUB = "xpub6BgBgsespWvERF3LHQu6CnqdvfEvtMcQjYrcRzx53QJjSxarj2afYWcLteoGVky7D3UKD"
      + "P9QyrLprQ3VCECoY49yfdDEHGCtMMj92pReUsQ";

  private AccountKey account;
  private AccountKey taprootAccount;
  private DeterministicKey receiveBranch;
  private long next;

  @Setup
  public void setUp() {
    account = AccountKey.parse(BIP84_ZPUB, BitcoinNetwork.MAINNET);
    taprootAccount = AccountKey.parse(BIP86_XPUB, BitcoinNetwork.MAINNET);
    DeterministicKey accountKey = DeterministicKey.deserializeB58(BIP84_XPUB, MAINNET);
    receiveBranch = HDKeyDerivation.deriveChildKey(accountKey, ChildNumber.ZERO);
    // The vectors' first receiving addresses: every contender must produce them, or they do different work.
    String bip84First = "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu";
    String bip86First = SegwitAddress.fromProgram(MAINNET, 1,
        HexFormat.of().parseHex("a60869f0dbcf1dc659c9cecbaf8050135ea9e8cdc487053f1dc6880949dc684c")).toString();
    next = 0;
    String ours = coinssend();
    next = 0;
    String theirs = bitcoinjDirect();
    next = 0;
    String taproot = coinssendTaproot();
    if (!bip84First.equals(ours) || !bip84First.equals(theirs) || !bip86First.equals(taproot)) {
      throw new IllegalStateException("derivation disagrees with the BIP84/BIP86 vectors: " + ours + " / " + theirs
          + " / " + taproot);
    }
  }

  @Benchmark
  public String coinssend() {
    return account.address(AddressType.P2WPKH, next++ & Integer.MAX_VALUE);
  }

  @Benchmark
  public String bitcoinjDirect() {
    DeterministicKey child = HDKeyDerivation.deriveChildKey(receiveBranch,
        new ChildNumber((int) (next++ & Integer.MAX_VALUE), false));
    return child.toAddress(ScriptType.P2WPKH, MAINNET).toString();
  }

  @Benchmark
  public String coinssendTaproot() {
    return taprootAccount.address(AddressType.P2TR, next++ & Integer.MAX_VALUE);
  }
}
