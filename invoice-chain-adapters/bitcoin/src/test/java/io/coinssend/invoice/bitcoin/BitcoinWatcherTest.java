package io.coinssend.invoice.bitcoin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.coinssend.invoice.Asset;
import io.coinssend.invoice.PaymentPolicy;
import io.coinssend.invoice.spi.WatchedAddress;
import io.coinssend.invoice.spi.WatcherCapability;
import io.coinssend.invoice.testkit.RecordingWatcherContext;
import java.net.URI;
import java.net.URL;
import java.util.Collections;
import java.util.List;
import org.bitcoinj.base.Sha256Hash;
import org.bitcoinj.crypto.ECKey;
import org.junit.jupiter.api.Test;

/** Configuration, identity and derivation of the watcher, without a backend running. */
class BitcoinWatcherTest {

  private static final URI NOWHERE = URI.create("http://127.0.0.1:9/api/");
  private final AccountKey zpub = AccountKey.parse(TestKeys.BIP84_ZPUB, BitcoinNetwork.MAINNET);

  @Test
  void identifiesItsChainAssetAndDerivationKeyWithoutTheKey() {
    BitcoinWatcher watcher = BitcoinWatcher.builder(zpub).esplora(NOWHERE).build();
    assertThat(watcher.chain()).isEqualTo("bitcoin:mainnet");
    assertThat(watcher.assets()).containsExactly(Asset.BTC);
    assertThat(watcher.derivationKey()).isEqualTo("bitcoin:mainnet:" + zpub.fingerprint() + ":p2wpkh:0");
    assertThat(watcher.derivationKey()).doesNotContain(TestKeys.BIP84_ZPUB.substring(4, 20));
    assertThat(watcher.defaultPolicy(Asset.BTC)).isEqualTo(PaymentPolicy.bitcoinDefaults());
    assertThat(watcher.defaultPolicy(Asset.BTC).confirmations()).isEqualTo(1);
    assertThat(watcher.capabilities()).containsExactlyInAnyOrder(WatcherCapability.MEMPOOL,
        WatcherCapability.REORGS, WatcherCapability.REPLACEMENTS, WatcherCapability.RESUME);
    assertThat(watcher.deriveAddress(Asset.BTC, 0)).isEqualTo("bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu");
  }

  @Test
  void theSameAccountWithAnotherAddressTypeHasItsOwnDerivationKey() {
    AccountKey xpub = AccountKey.parse(TestKeys.BIP84_XPUB, BitcoinNetwork.MAINNET);
    BitcoinWatcher segwit = BitcoinWatcher.builder(xpub).esplora(NOWHERE).build();
    BitcoinWatcher taproot = BitcoinWatcher.builder(xpub).addressType(AddressType.P2TR).esplora(NOWHERE).build();
    assertThat(segwit.derivationKey()).isNotEqualTo(taproot.derivationKey());
    assertThat(segwit.derivationKey())
        .isEqualTo(BitcoinWatcher.builder(zpub).esplora(NOWHERE).build().derivationKey());
  }

  @Test
  void refusesAssetsAddressesAndIndexesItDoesNotServe() {
    BitcoinWatcher watcher = BitcoinWatcher.builder(zpub).esplora(NOWHERE).build();
    assertThatThrownBy(() -> watcher.deriveAddress(Asset.BTC_TESTNET, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("serves BTC@bitcoin:mainnet");
    assertThatThrownBy(() -> watcher.deriveAddress(Asset.BTC, -1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> watcher.deriveAddress(Asset.BTC, 1L << 31)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> watcher.watch(
        new WatchedAddress("tb1q6rz28mcfaxtmd6v789l9rrlrusdprr9pqcpvkl", Asset.BTC, 0)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a valid bitcoin mainnet address");
  }

  @Test
  void checksItsConfiguration() {
    assertThatThrownBy(() -> BitcoinWatcher.builder(zpub).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("a backend is required");
    assertThatThrownBy(() -> BitcoinWatcher.builder(zpub).esplora(NOWHERE).esplora(NOWHERE))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> BitcoinWatcher.builder(zpub)
        .bitcoinCore(URI.create("http://user:pw@127.0.0.1:8332/"), RpcCredentials.userPassword("u", "p")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("RpcCredentials");
    assertThatThrownBy(() -> BitcoinWatcher.builder(zpub).esplora(URI.create("ftp://example/")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> BitcoinWatcher.builder(zpub).addressType(AddressType.P2TR))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("zpub key declares p2wpkh");
    assertThatThrownBy(() -> BitcoinWatcher.builder(zpub).reorgWindow(1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> BitcoinWatcher.builder(zpub).pollInterval(java.time.Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void startsOnceAndClosesIdempotently() {
    BitcoinWatcher watcher = BitcoinWatcher.builder(zpub).esplora(NOWHERE).build();
    try (RecordingWatcherContext context = new RecordingWatcherContext(watcher.chain())) {
      watcher.start(context);
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
          .until(() -> watcher.health().consecutiveFailures() >= 1);
      assertThat(watcher.health().lastFailure()).get().asString().as("nothing listens on port 9")
          .contains("ConnectException");
      assertThatThrownBy(() -> watcher.start(context)).isInstanceOf(IllegalStateException.class);
      watcher.close();
      watcher.close();
      assertThat(context.facts()).isEmpty();
    }
  }

  @Test
  void rpcCredentialsNeverShowThePassword() {
    assertThat(RpcCredentials.userPassword("alice", "hunter2-secret").toString())
        .contains("alice").doesNotContain("hunter2-secret");
  }

  @Test
  void bouncyCastleComesOnlyFromBcprovJdk18onAndBitcoinjWorksOnIt() throws Exception {
    List<URL> copies = Collections.list(getClass().getClassLoader()
        .getResources("org/bouncycastle/crypto/params/ECDomainParameters.class"));
    assertThat(copies).as("one BouncyCastle on the class path: bitcoinj's bcprov-jdk15to18 is excluded")
        .hasSize(1)
        .allSatisfy(url -> assertThat(url.toString()).contains("bcprov-jdk18on"));
    ECKey key = new ECKey();
    Sha256Hash hash = Sha256Hash.of("invoice".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertThat(key.verify(hash, key.sign(hash))).isTrue();
  }
}
