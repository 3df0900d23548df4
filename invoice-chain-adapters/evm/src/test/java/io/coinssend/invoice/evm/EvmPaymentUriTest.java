package io.coinssend.invoice.evm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.coinssend.invoice.Money;
import java.math.BigInteger;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** EIP-681, against ../shared/vectors/VECTORS.md and the EIP's own examples (notes/chain.md §3.1). */
class EvmPaymentUriTest {

  /** VECTORS.md: 1 USDC on Base (chain 8453). */
  static final String USDC_ON_BASE = "ethereum:0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913@8453/transfer"
      + "?address=0x54235780057CC828C92aA40e3b02053881990153&uint256=1e6";

  @Test
  void readsTheVectorTokenRequest() {
    EvmPaymentUri uri = EvmPaymentUri.parse(USDC_ON_BASE);
    assertThat(uri.chainId()).isEqualTo(8453);
    assertThat(uri.token()).contains(new EvmAddress("0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"));
    assertThat(uri.recipient()).isEqualTo(new EvmAddress("0x54235780057CC828C92aA40e3b02053881990153"));
    assertThat(uri.units()).isEqualTo(BigInteger.valueOf(1_000_000));
  }

  @Test
  void writesTokenRequestsWithTheContractAsTargetAndPlainUnits() {
    Money oneUsdc = Money.parse(EvmAssets.USDC_BASE, "1");
    String written = EvmPaymentUri.of("0x54235780057CC828C92aA40e3b02053881990153", oneUsdc).toString();
    assertThat(written).isEqualTo("ethereum:0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913@8453/transfer"
        + "?address=0x54235780057CC828C92aA40e3b02053881990153&uint256=1000000");
    assertThat(EvmPaymentUri.parse(written)).isEqualTo(EvmPaymentUri.parse(USDC_ON_BASE));
  }

  @Test
  void writesTenUsdtOnMainnet() {
    // notes/chain.md §3.1, composed example: 10 USDT on Ethereum mainnet is uint256=1e7 base units.
    EvmPaymentUri uri = EvmPaymentUri.of("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
        Money.parse(EvmAssets.USDT, "10"));
    assertThat(uri.toString()).isEqualTo("ethereum:0xdAC17F958D2ee523a2206206994597C13D831ec7@1/transfer"
        + "?address=0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed&uint256=10000000");
    assertThat(EvmPaymentUri.parse("ethereum:0xdAC17F958D2ee523a2206206994597C13D831ec7@1/transfer"
        + "?address=0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed&uint256=1e7")).isEqualTo(uri);
  }

  @Test
  void writesNativeRequestsInWei() {
    // EIP-681's example amount: 2.014 ETH = value=2.014e18 wei.
    EvmPaymentUri uri = EvmPaymentUri.of("0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359", Money.parse(EvmAssets.ETH,
        "2.014"));
    assertThat(uri.toString()).isEqualTo("ethereum:0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359@1?value=2014000000000000000");
    assertThat(uri.token()).isEmpty();
  }

  @Test
  void readsTheEipExamplesOnceTheirAddressIsValid() {
    // EIP-681's first example writes the address in mixed case that is not EIP-55: refused, like any mistyped address.
    assertThatThrownBy(() -> EvmPaymentUri.parse("ethereum:0xfb6916095ca1df60bb79Ce92ce3ea74c37c5d359?value=2.014e18"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("checksum");
    EvmPaymentUri coin = EvmPaymentUri.parse("ethereum:0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359?value=2.014e18");
    assertThat(coin.chainId()).as("no @chainId means mainnet").isEqualTo(1);
    assertThat(coin.units()).isEqualTo(new BigInteger("2014000000000000000"));
    EvmPaymentUri token = EvmPaymentUri.parse("ethereum:0x89205a3a3b2a69de6dbf7f01ed13b2108b2c43e7/transfer"
        + "?address=0x8e23ee67d1332ad560396262c48ffbb01f93d052&uint256=1");
    assertThat(token.token()).isEqualTo(Optional.of(EvmAddress.parse("0x89205a3a3b2a69de6dbf7f01ed13b2108b2c43e7")));
    assertThat(token.recipient()).isEqualTo(EvmAddress.parse("0x8e23ee67d1332ad560396262c48ffbb01f93d052"));
    assertThat(token.units()).isEqualTo(BigInteger.ONE);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "bitcoin:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed?value=1",
      "ethereum:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
      "ethereum:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed?value=1.5",
      "ethereum:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed?value=0",
      "ethereum:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed?value=-1",
      "ethereum:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed?value=1&value=2",
      "ethereum:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed@0?value=1",
      "ethereum:0xdAC17F958D2ee523a2206206994597C13D831ec7/approve?address=0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed&uint256=1",
      "ethereum:0xdAC17F958D2ee523a2206206994597C13D831ec7/transfer?uint256=1",
      "ethereum:0xdAC17F958D2ee523a2206206994597C13D831ec7/transfer?address=0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed&uint256=1.5e0"})
  void refusesWhatIsNotAPaymentRequest(String uri) {
    assertThatThrownBy(() -> EvmPaymentUri.parse(uri)).isInstanceOf(IllegalArgumentException.class);
  }
}
