package io.coinssend.invoice.bitcoin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.coinssend.invoice.Asset;
import io.coinssend.invoice.Money;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** BIP21 cases of shared/vectors/VECTORS.md. */
class BitcoinPaymentUriTest {

  private static final String LUKE = "1JaUQDVNRdhfNsVncGkXedaPSM5Gc54Hso";
  private static final String LUKE_URI =
      "bitcoin:1JaUQDVNRdhfNsVncGkXedaPSM5Gc54Hso?amount=20.3&label=Luke-Jr&message=Donation%20for%20project%20xyz";

  @Test
  void buildsTheBip21ExampleWithAmountLabelAndMessage() {
    BitcoinPaymentUri uri = BitcoinPaymentUri.of(BitcoinNetwork.MAINNET, LUKE, Money.parse(Asset.BTC, "20.3"),
        Optional.of("Luke-Jr"), Optional.of("Donation for project xyz"));
    assertThat(uri.toUri()).isEqualTo(LUKE_URI);
  }

  @Test
  void keepsABech32AddressInLowerCase() {
    BitcoinPaymentUri uri = BitcoinPaymentUri.of(BitcoinNetwork.MAINNET, "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu",
        Money.ofUnits(Asset.BTC, 12_345), Optional.empty(), Optional.empty());
    assertThat(uri.toUri()).isEqualTo("bitcoin:bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu?amount=0.00012345");
  }

  @Test
  void parsesTheBip21Example() {
    BitcoinPaymentUri uri = BitcoinPaymentUri.parse(LUKE_URI, BitcoinNetwork.MAINNET);
    assertThat(uri.address()).isEqualTo(LUKE);
    assertThat(uri.amount()).contains(Money.ofUnits(Asset.BTC, 2_030_000_000L));
    assertThat(uri.label()).contains("Luke-Jr");
    assertThat(uri.message()).contains("Donation for project xyz");
  }

  @Test
  void theSchemeIsCaseInsensitiveAndAnUpperCaseBech32AddressIsValid() {
    BitcoinPaymentUri uri =
        BitcoinPaymentUri.parse("BITCOIN:BC1QCR8TE4KR609GCAWUTMRZA0J4XV80JY8Z306FYU?amount=1", BitcoinNetwork.MAINNET);
    assertThat(uri.address()).isEqualTo("bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu");
    assertThat(uri.amount()).contains(Money.ofUnits(Asset.BTC, 100_000_000));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "bitcoin:1JaUQDVNRdhfNsVncGkXedaPSM5Gc54Hso?amount=0.000000001",
      "bitcoin:1JaUQDVNRdhfNsVncGkXedaPSM5Gc54Hso?req-somethingyoudontunderstand=50",
      "bitcoin:175tWpb8K1S7NmH4Zx6rewF9WQrcZv245W?amount=50",
      "bitcoin:tb1q6rz28mcfaxtmd6v789l9rrlrusdprr9pqcpvkl",
      "ethereum:0xfb6916095ca1df60bb79Ce92ce3ea74c37c5d359"})
  void rejectsInvalidUris(String text) {
    assertThatThrownBy(() -> BitcoinPaymentUri.parse(text, BitcoinNetwork.MAINNET))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a valid BIP21 URI for bitcoin mainnet");
  }

  @Test
  void ignoresAnUnknownOptionalParameter() {
    BitcoinPaymentUri uri = BitcoinPaymentUri.parse(LUKE_URI + "&somethingyoudontunderstand=50",
        BitcoinNetwork.MAINNET);
    assertThat(uri.address()).isEqualTo(LUKE);
  }

  @Test
  void refusesAnAmountOfAnotherNetworkOrAnAddressOfAnotherNetwork() {
    assertThatThrownBy(() -> BitcoinPaymentUri.of(BitcoinNetwork.MAINNET, LUKE, Money.ofUnits(Asset.BTC_TESTNET, 1),
        Optional.empty(), Optional.empty())).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> BitcoinPaymentUri.of(BitcoinNetwork.MAINNET, "tb1q6rz28mcfaxtmd6v789l9rrlrusdprr9pqcpvkl",
        Money.ofUnits(Asset.BTC, 1), Optional.empty(), Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a valid bitcoin mainnet address");
  }

  @Test
  void theWatcherUsesItForCheckoutLinks() {
    BitcoinWatcher watcher = BitcoinWatcher.builder(AccountKey.parse(TestKeys.BIP84_ZPUB, BitcoinNetwork.MAINNET))
        .esplora(java.net.URI.create("http://127.0.0.1:9/api/")).build();
    String address = watcher.deriveAddress(Asset.BTC, 0);
    assertThat(watcher.paymentUri(Asset.BTC, address, Money.parse(Asset.BTC, "0.0005"), Optional.of("Shop & Co"),
        Optional.of("Order 7")))
        .isEqualTo("bitcoin:bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu?amount=0.0005&label=Shop%20%26%20Co"
            + "&message=Order%207");
  }
}
