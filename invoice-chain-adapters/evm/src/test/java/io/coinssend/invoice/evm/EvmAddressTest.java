package io.coinssend.invoice.evm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Locale;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** EIP-55, against the checksummed addresses of ../shared/vectors/VECTORS.md. */
class EvmAddressTest {

  @ParameterizedTest
  @ValueSource(strings = {
      "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
      "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
      "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
      "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb"})
  void checksumsAddressesAsEip55Says(String checksummed) {
    String lower = "0x" + checksummed.substring(2).toLowerCase(Locale.ROOT);
    String upper = "0x" + checksummed.substring(2).toUpperCase(Locale.ROOT);
    assertThat(EvmAddress.parse(lower).toString()).isEqualTo(checksummed);
    assertThat(EvmAddress.parse(upper).toString()).isEqualTo(checksummed);
    assertThat(EvmAddress.parse(checksummed).toString()).isEqualTo(checksummed);
    assertThat(new EvmAddress(checksummed).toLowerCase()).isEqualTo(lower);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", // last letter's case flipped
      "0xFb6916095ca1df60bB79Ce92cE3Ea74c37c5d359", // first letter's case flipped
      "0xfb6916095ca1df60bb79Ce92ce3ea74c37c5d359"})  // EIP-681's own example: mixed case, not EIP-55
  void refusesMixedCaseWithAWrongChecksum(String mistyped) {
    assertThatThrownBy(() -> EvmAddress.parse(mistyped))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("checksum");
    assertThat(EvmAddress.isValid(mistyped)).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "0x", "5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe",
      "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAedd", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeg",
      " 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0X5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED"})
  void refusesWhatIsNotAnAddress(String text) {
    assertThatThrownBy(() -> EvmAddress.parse(text)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theRecordHoldsOnlyTheChecksummedForm() {
    assertThatThrownBy(() -> new EvmAddress("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"))
        .isInstanceOf(IllegalArgumentException.class);
    byte[] bytes = new EvmAddress("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed").toBytes();
    assertThat(EvmAddress.ofBytes(bytes).toString()).isEqualTo("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
    assertThatThrownBy(() -> EvmAddress.ofBytes(new byte[19])).isInstanceOf(IllegalArgumentException.class);
  }
}
