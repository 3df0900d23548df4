package io.coinssend.invoice.evm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.bitcoinj.base.BitcoinNetwork;
import org.bitcoinj.crypto.ChildNumber;
import org.bitcoinj.crypto.DeterministicKey;
import org.bitcoinj.crypto.HDKeyDerivation;
import org.bitcoinj.crypto.MnemonicCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Derivation at m/44'/60'/0'/0/i, against ../shared/vectors/VECTORS.md ("Ethereum derivation and EIP-55"). */
class EvmAccountKeyTest {

  /** VECTORS.md: account xpub m/44'/60'/0' of the mnemonic "abandon ×11 about". */
  static final String ACCOUNT_XPUB =
      "xpub6DCoCpSuQZB2jawqnGMEPS63ePKWkwWPH4TU45Q7LPXWuNd8TMtVxRrgjtEshuqpK3mdhaWHPFsBngh5GFZaM6si3yZdUsT8ddYM3PwnATt";
  /** VECTORS.md: its address 0/0. */
  static final String ADDRESS_0 = "0x9858EfFD232B4033E47d90003D41EC34EcaEda94";

  @Test
  void derivesTheVectorAddressInEip55Form() {
    EvmAccountKey key = EvmAccountKey.parse(ACCOUNT_XPUB);
    assertThat(key.address(0).toString()).isEqualTo(ADDRESS_0);
  }

  @Test
  void derivesDistinctAddressesPerIndexDeterministically() {
    EvmAccountKey key = EvmAccountKey.parse(ACCOUNT_XPUB);
    EvmAccountKey again = EvmAccountKey.parse(ACCOUNT_XPUB);
    assertThat(key.address(1)).isEqualTo(again.address(1)).isNotEqualTo(key.address(0));
    assertThat(key.address(EvmAccountKey.MAX_INDEX)).isNotNull();
    assertThatThrownBy(() -> key.address(-1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> key.address(EvmAccountKey.MAX_INDEX + 1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theVectorXpubIsTheAccountKeyOfTheMnemonic() throws Exception {
    // The test side derives from the seed with bitcoinj (a private key, test code only) to get a tpub and an xprv of
    // the same account; the library must accept the first and refuse the second.
    DeterministicKey account = accountFromMnemonic();
    assertThat(account.serializePubB58(BitcoinNetwork.MAINNET)).isEqualTo(ACCOUNT_XPUB);

    String tpub = account.serializePubB58(BitcoinNetwork.TESTNET);
    assertThat(EvmAccountKey.parse(tpub).address(0).toString()).isEqualTo(ADDRESS_0);

    String xprv = account.serializePrivB58(BitcoinNetwork.MAINNET);
    assertThatThrownBy(() -> EvmAccountKey.parse(xprv))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("private key")
        .hasMessageNotContaining(xprv.substring(4, 30));
  }

  @Test
  void refusesKeysThatAreNotAtTheAccountLevel() {
    // BIP32 test vector 1, m/0H: depth 1.
    assertThatThrownBy(() -> EvmAccountKey.parse("xpub68Gmy5EdvgibQVfPdqkBBCHxA5htiqg55crXYuXoQRKfDBFA1WEjWgP6LHhwB"
        + "ZeNK1VTsfTFUHCdrfp1bgwQ9xv5ski8PX9rL2dZXvgGDnw"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("depth 1");
    // BIP32 test vector 1, m/0H/1/2H/2: depth 4.
    assertThatThrownBy(() -> EvmAccountKey.parse("xpub6FHa3pjLCk84BayeJxFW2SP4XRrFd1JYnxeLeU8EqN3vDfZmbqBqaGJAyiLjTA"
        + "wm6ZLRQUMv1ZACTj37sR62cfN7fe5JnJ7dh8zL4fiyLHV"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("depth 4");
  }

  @Test
  void refusesBitcoinScriptTypeKeys() {
    // BIP84 zpub and vpub (VECTORS.md).
    assertThatThrownBy(() -> EvmAccountKey.parse("zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1AD"
        + "qtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("zpub");
    assertThatThrownBy(() -> EvmAccountKey.parse("vpub5Y6cjg78GGuNLsaPhmYsiw4gYX3HoQiRBiSwDaBXKUafCt9bNwWQiitDk5VZ5B"
        + "VxYnQdwoTyXSs2JHRPAgjAvtbBrf8ZhDYe2jWAqvZVnsc"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("vpub");
  }

  /** BIP32 test vector 5: every key must be refused. */
  @ParameterizedTest
  @ValueSource(strings = {
      "xpub661MyMwAqRbcEYS8w7XLSVeEsBXy79zSzH1J8vCdxAZningWLdN3zgtU6LBpB85b3D2yc8sfvZU521AAwdZafEz7mnzBBsz4wKY5fTtTQBm",
      "xpub661MyMwAqRbcEYS8w7XLSVeEsBXy79zSzH1J8vCdxAZningWLdN3zgtU6Txnt3siSujt9RCVYsx4qHZGc62TG4McvMGcAUjeuwZdduYEvFn",
      "xpub661MyMwAqRbcEYS8w7XLSVeEsBXy79zSzH1J8vCdxAZningWLdN3zgtU6N8ZMMXctdiCjxTNq964yKkwrkBJJwpzZS4HS2fxvyYUA4q2Xe4",
      "xpub661no6RGEX3uJkY4bNnPcw4URcQTrSibUZ4NqJEw5eBkv7ovTwgiT91XX27VbEXGENhYRCf7hyEbWrR3FewATdCEebj6znwMfQkhRYHRLpJ",
      "xpub661MyMwAuDcm6CRQ5N4qiHKrJ39Xe1R1NyfouMKTTWcguwVcfrZJaNvhpebzGerh7gucBvzEQWRugZDuDXjNDRmXzSZe4c7mnTK97pTvGS8",
      "DMwo58pR1QLEFihHiXPVykYB6fJmsTeHvyTp7hRThAtCX8CvYzgPcn8XnmdfHPmHJiEDXkTiJTVV9rHEBUem2mwVbbNfvT2MTcAqj3nesx8uBf9",
  })
  void refusesInvalidExtendedKeys(String key) {
    assertThatThrownBy(() -> EvmAccountKey.parse(key)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void showsOnlyItsFingerprint() {
    EvmAccountKey key = EvmAccountKey.parse(ACCOUNT_XPUB);
    assertThat(key.fingerprint()).matches("[0-9a-f]{8}");
    assertThat(key.toString()).contains(key.fingerprint()).doesNotContain("xpub");
  }

  private static DeterministicKey accountFromMnemonic() {
    List<String> words = List.of("abandon", "abandon", "abandon", "abandon", "abandon", "abandon", "abandon",
        "abandon", "abandon", "abandon", "abandon", "about");
    DeterministicKey key = HDKeyDerivation.createMasterPrivateKey(MnemonicCode.toSeed(words, ""));
    for (ChildNumber child : List.of(new ChildNumber(44, true), new ChildNumber(60, true), new ChildNumber(0, true))) {
      key = HDKeyDerivation.deriveChildKey(key, child);
    }
    return key;
  }
}
