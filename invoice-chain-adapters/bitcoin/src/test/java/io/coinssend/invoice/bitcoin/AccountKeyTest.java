package io.coinssend.invoice.bitcoin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.coinssend.invoice.bitcoin.internal.Derivation;
import io.coinssend.invoice.bitcoin.internal.ExtendedKeys;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import org.bitcoinj.base.Base58;
import org.bitcoinj.crypto.DeterministicKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Derivation and key rejection against the BIP32, BIP84 and BIP86 vectors of shared/vectors/VECTORS.md. */
class AccountKeyTest {

  // BIP32 test vector 1, public derivation
  private static final String V1_M_0H =
      "xpub68Gmy5EdvgibQVfPdqkBBCHxA5htiqg55crXYuXoQRKfDBFA1WEjWgP6LHhwBZeNK1VTsfTFUHCdrfp1bgwQ9xv5ski8PX9rL2dZXvgGDnw";
  private static final String V1_M_0H_1 =
      "xpub6ASuArnXKPbfEwhqN6e3mwBcDTgzisQN1wXN9BJcM47sSikHjJf3UFHKkNAWbWMiGj7Wf5uMash7SyYq527Hqck2AxYysAA7xmALppuCkwQ";
  private static final String V1_M_0H_1_2H =
      "xpub6D4BDPcP2GT577Vvch3R8wDkScZWzQzMMUm3PWbmWvVJrZwQY4VUNgqFJPMM3No2dFDFGTsxxpG5uJh7n7epu4trkrX7x7DogT5Uv6fcLW5";
  private static final String V1_M_0H_1_2H_2 =
      "xpub6FHa3pjLCk84BayeJxFW2SP4XRrFd1JYnxeLeU8EqN3vDfZmbqBqaGJAyiLjTAwm6ZLRQUMv1ZACTj37sR62cfN7fe5JnJ7dh8zL4fiyLHV";
  private static final String V1_M_0H_1_2H_2_1000000000 =
      "xpub6H1LXWLaKsWFhvm6RVpEL9P4KfRZSW7abD2ttkWP3SSQvnyA8FSVqNTEcYFgJS2UaFcxupHiYkro49S8yGasTvXEYBVPamhGW6cFJodrTHy";
  private static final String V1_MASTER_XPRV =
      "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi";

  @ParameterizedTest(name = "{0} → child {1}")
  @CsvSource({
      V1_M_0H + ",1," + V1_M_0H_1,
      V1_M_0H_1_2H + ",2," + V1_M_0H_1_2H_2,
      V1_M_0H_1_2H_2 + ",1000000000," + V1_M_0H_1_2H_2_1000000000})
  void derivesBip32Vector1PublicChildren(String parent, long index, String expectedChild) {
    DeterministicKey key = ExtendedKeys.parse(parent, BitcoinNetwork.MAINNET).key();
    DeterministicKey child = Derivation.child(key, index);
    assertThat(child.serializePubB58(org.bitcoinj.base.BitcoinNetwork.MAINNET)).isEqualTo(expectedChild);
  }

  @Test
  void derivesBip84ReceiveAddressesFromZpubAndTheSameKeyAsXpub() {
    AccountKey zpub = AccountKey.parse(TestKeys.BIP84_ZPUB, BitcoinNetwork.MAINNET);
    AccountKey xpub = AccountKey.parse(TestKeys.BIP84_XPUB, BitcoinNetwork.MAINNET);
    assertThat(zpub.address(AddressType.P2WPKH, 0)).isEqualTo("bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu");
    assertThat(zpub.address(AddressType.P2WPKH, 1)).isEqualTo("bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g");
    assertThat(xpub.firstAddresses(AddressType.P2WPKH, 2))
        .containsExactly("bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu", "bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g");
    assertThat(zpub.declaredType()).contains(AddressType.P2WPKH);
    assertThat(xpub.declaredType()).isEmpty();
    assertThat(zpub.fingerprint()).isEqualTo(xpub.fingerprint()).hasSize(8);
  }

  @Test
  void derivesBip84PublicKeysScriptsAndTheChangeBranch() {
    DeterministicKey account = ExtendedKeys.parse(TestKeys.BIP84_ZPUB, BitcoinNetwork.MAINNET).key();
    DeterministicKey receive0 = Derivation.child(Derivation.child(account, 0), 0);
    DeterministicKey receive1 = Derivation.child(Derivation.child(account, 0), 1);
    DeterministicKey change0 = Derivation.child(Derivation.child(account, 1), 0);
    assertThat(receive0.getPublicKeyAsHex())
        .isEqualTo("0330d54fd0dd420a6e5f8d3624f5f3482cae350f79d5f0753bf5beef9c2d91af3c");
    assertThat(receive1.getPublicKeyAsHex())
        .isEqualTo("03e775fd51f0dfb8cd865d9ff1cca2a158cf651fe997fdc9fee9c1d3b5e995ea77");
    assertThat(change0.getPublicKeyAsHex())
        .isEqualTo("03025324888e429ab8e3dbaf1f7802648b9cd01e9b418485c5fa4c1b9b5700e1a6");
    org.bitcoinj.base.BitcoinNetwork mainnet = org.bitcoinj.base.BitcoinNetwork.MAINNET;
    assertThat(HexFormat.of().formatHex(
        Derivation.outputScript(Derivation.address(receive0, AddressType.P2WPKH, mainnet))))
        .isEqualTo("0014c0cebcd6c3d3ca8c75dc5ec62ebe55330ef910e2");
    assertThat(HexFormat.of().formatHex(
        Derivation.outputScript(Derivation.address(receive1, AddressType.P2WPKH, mainnet))))
        .isEqualTo("00149c90f934ea51fa0f6504177043e0908da6929983");
    assertThat(Derivation.address(change0, AddressType.P2WPKH, mainnet).toString())
        .isEqualTo("bc1q8c6fshw2dlwun7ekn9qwf37cu2rn755upcp6el");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "TESTNET, tb1q6rz28mcfaxtmd6v789l9rrlrusdprr9pqcpvkl",
      "SIGNET, tb1q6rz28mcfaxtmd6v789l9rrlrusdprr9pqcpvkl",
      "REGTEST, bcrt1q6rz28mcfaxtmd6v789l9rrlrusdprr9pz3cppk"})
  void derivesBip84TestnetSignetAndRegtestAddressesFromVpub(BitcoinNetwork network, String expected) {
    assertThat(AccountKey.parse(TestKeys.BIP84_VPUB, network).address(AddressType.P2WPKH, 0)).isEqualTo(expected);
  }

  @Test
  void derivesBip86TaprootOutputKeyAndAddress() {
    AccountKey key = AccountKey.parse(TestKeys.BIP86_XPUB, BitcoinNetwork.MAINNET);
    assertThat(key.address(AddressType.P2TR, 0))
        .isEqualTo("bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr");
    DeterministicKey child = Derivation.child(
        Derivation.child(ExtendedKeys.parse(TestKeys.BIP86_XPUB, BitcoinNetwork.MAINNET).key(), 0), 0);
    byte[] internalKey = Arrays.copyOfRange(child.getPubKey(), 1, 33);
    assertThat(HexFormat.of().formatHex(internalKey))
        .isEqualTo("cc8a4bc64d897bddc5fbc2f670f7a8ba0b386779106cf1223c6fc5d7cd6fc115");
    assertThat(HexFormat.of().formatHex(Derivation.taprootOutputKey(child.getPubKey())))
        .isEqualTo("a60869f0dbcf1dc659c9cecbaf8050135ea9e8cdc487053f1dc6880949dc684c");
  }

  @Test
  void derivesLegacyP2pkhOnRequestFromAnXpub() {
    AccountKey key = AccountKey.parse(TestKeys.BIP84_XPUB, BitcoinNetwork.MAINNET);
    // The same public key as BIP84's 0/0: its P2PKH address is HASH160 of 0330d54f…, the P2WPKH program c0cebcd6….
    String legacy = key.address(AddressType.P2PKH, 0);
    assertThat(legacy).startsWith("1");
    byte[] decoded = Base58.decodeChecked(legacy);
    assertThat(HexFormat.of().formatHex(decoded)).isEqualTo("00c0cebcd6c3d3ca8c75dc5ec62ebe55330ef910e2");
  }

  @ParameterizedTest(name = "{1}")
  @CsvSource(delimiter = '|', value = {
      "xpub661MyMwAqRbcEYS8w7XLSVeEsBXy79zSzH1J8vCdxAZningWLdN3zgtU6LBpB85b3D2yc8sfvZU521AAwdZafEz7mnzBBsz4wKY5fTtTQBm"
          + "|pubkey version / prvkey mismatch",
      "xpub661MyMwAqRbcEYS8w7XLSVeEsBXy79zSzH1J8vCdxAZningWLdN3zgtU6Txnt3siSujt9RCVYsx4qHZGc62TG4McvMGcAUjeuwZdduYEvFn"
          + "|starts with 0x04",
      "xpub661MyMwAqRbcEYS8w7XLSVeEsBXy79zSzH1J8vCdxAZningWLdN3zgtU6N8ZMMXctdiCjxTNq964yKkwrkBJJwpzZS4HS2fxvyYUA4q2Xe4"
          + "|starts with 0x01",
      "xpub661no6RGEX3uJkY4bNnPcw4URcQTrSibUZ4NqJEw5eBkv7ovTwgiT91XX27VbEXGENhYRCf7hyEbWrR3FewATdCEebj6znwMfQkhRYHRLpJ"
          + "|non-zero parent fingerprint",
      "xpub661MyMwAuDcm6CRQ5N4qiHKrJ39Xe1R1NyfouMKTTWcguwVcfrZJaNvhpebzGerh7gucBvzEQWRugZDuDXjNDRmXzSZe4c7mnTK97pTvGS8"
          + "|non-zero child index",
      "DMwo58pR1QLEFihHiXPVykYB6fJmsTeHvyTp7hRThAtCX8CvYzgPcn8XnmdfHPmHJiEDXkTiJTVV9rHEBUem2mwVbbNfvT2MTcAqj3nesx8uBf9"
          + "|unknown version bytes"})
  void rejectsBip32Vector5KeysSayingWhy(String key, String reason) {
    assertThatThrownBy(() -> AccountKey.parse(key, BitcoinNetwork.MAINNET))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(reason)
        .hasMessageNotContaining(key);
  }

  @Test
  void rejectsAPrivateKeyWithoutRepeatingIt() {
    assertThatThrownBy(() -> AccountKey.parse(V1_MASTER_XPRV, BitcoinNetwork.MAINNET))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("extended private key (xprv)")
        .hasMessageContaining("watch-only")
        .hasMessageNotContaining(V1_MASTER_XPRV);
  }

  @Test
  void rejectsAZpubReadAsTestnetAndAVpubReadAsMainnet() {
    assertThatThrownBy(() -> AccountKey.parse(TestKeys.BIP84_ZPUB, BitcoinNetwork.TESTNET))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("mainnet key (zpub)")
        .hasMessageContaining("configured for testnet");
    assertThatThrownBy(() -> AccountKey.parse(TestKeys.BIP84_VPUB, BitcoinNetwork.MAINNET))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("testnet/signet/regtest key (vpub)")
        .hasMessageContaining("configured for mainnet");
  }

  @Test
  void rejectsATypoByItsChecksum() {
    String typo = TestKeys.BIP84_ZPUB.substring(0, 40) + (TestKeys.BIP84_ZPUB.charAt(40) == 'a' ? 'b' : 'a')
        + TestKeys.BIP84_ZPUB.substring(41);
    assertThatThrownBy(() -> AccountKey.parse(typo, BitcoinNetwork.MAINNET))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("checksum");
  }

  @Test
  void rejectsYpubKeysAsUnsupported() {
    // The BIP84 xpub re-encoded with BIP49's ypub version bytes 0x049d7cb2.
    String ypub = TestKeys.withVersion(TestKeys.BIP84_XPUB, 0x049D7CB2);
    assertThat(ypub).startsWith("ypub");
    assertThatThrownBy(() -> AccountKey.parse(ypub, BitcoinNetwork.MAINNET))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ypub keys")
        .hasMessageContaining("not supported");
  }

  @Test
  void aZpubGivesOnlyP2wpkhBecauseItsWalletWatchesNothingElse() {
    AccountKey zpub = AccountKey.parse(TestKeys.BIP84_ZPUB, BitcoinNetwork.MAINNET);
    assertThatThrownBy(() -> zpub.address(AddressType.P2TR, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("zpub key declares p2wpkh");
  }

  @Test
  void rejectsHardenedAndNegativeIndexes() {
    AccountKey key = AccountKey.parse(TestKeys.BIP84_ZPUB, BitcoinNetwork.MAINNET);
    assertThatThrownBy(() -> key.address(AddressType.P2WPKH, -1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> key.address(AddressType.P2WPKH, 1L << 31))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("non-hardened");
  }

  @Test
  void toStringShowsTheFingerprintNotTheKey() {
    AccountKey key = AccountKey.parse(TestKeys.BIP84_ZPUB, BitcoinNetwork.MAINNET);
    assertThat(key.toString()).contains(key.fingerprint()).doesNotContain(TestKeys.BIP84_ZPUB.substring(4, 30));
  }

  @Test
  void addressCheckPrintsTheFirstAddressesForAMerchantToCompare() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status = AddressCheck.run(new String[] {"mainnet", TestKeys.BIP84_ZPUB, "p2wpkh", "2"},
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    assertThat(status).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("0/0  bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu")
        .contains("0/1  bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g");

    ByteArrayOutputStream badErr = new ByteArrayOutputStream();
    int bad = AddressCheck.run(new String[] {"testnet", TestKeys.BIP84_ZPUB},
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
        new PrintStream(badErr, true, StandardCharsets.UTF_8));
    assertThat(bad).isEqualTo(2);
    assertThat(badErr.toString(StandardCharsets.UTF_8)).contains("configured for testnet");
  }
}
