package io.coinssend.invoice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class MoneyTest {

  private static final Asset ETH = Asset.nativeCoin("ETH", "ethereum", "mainnet", 18);
  private static final Asset USDT = Asset.token("USDT", "ethereum", "mainnet", 6,
      "0xdAC17F958D2ee523a2206206994597C13D831ec7");

  @ParameterizedTest
  @CsvSource({
      "0.00012345, 12345",
      "20.3, 2030000000",
      "1, 100000000",
      "0.00000001, 1",
      "21000000, 2100000000000000",
      "007.50, 750000000"
  })
  void parsesBitcoinAmountsExactly(String text, long satoshi) {
    assertThat(Money.parse(Asset.BTC, text).units()).isEqualTo(BigInteger.valueOf(satoshi));
  }

  @Test
  void parsesTheSmallestUnitOfEighteenDecimals() {
    assertThat(Money.parse(ETH, "0.000000000000000001").units()).isEqualTo(BigInteger.ONE);
    assertThat(Money.parse(ETH, "1.5").units()).isEqualTo(new BigInteger("1500000000000000000"));
    assertThat(Money.parse(USDT, "200.000000").units()).isEqualTo(BigInteger.valueOf(200_000_000));
  }

  @ParameterizedTest
  @CsvSource({"12345, 0.00012345", "2030000000, 20.3", "100000000, 1", "1, 0.00000001", "0, 0"})
  void formatsTheShortestExactDecimal(long satoshi, String text) {
    assertThat(Money.ofUnits(Asset.BTC, satoshi).toPlainString()).isEqualTo(text);
  }

  @Test
  void rejectsMoreDecimalsThanTheAssetHas() {
    assertThatThrownBy(() -> Money.parse(Asset.BTC, "0.000000001"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("more decimals than BTC allows (8)");
    assertThatThrownBy(() -> Money.parse(USDT, "1.0000001"))
        .hasMessageContaining("more decimals than USDT allows (6)");
    assertThat(Money.parse(Asset.BTC, "0.100000000").units()).as("trailing zeros are not extra decimals")
        .isEqualTo(BigInteger.valueOf(10_000_000));
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "0.0", "0.00000000"})
  void rejectsZero(String text) {
    assertThatThrownBy(() -> Money.parse(Asset.BTC, text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be positive");
  }

  @ParameterizedTest
  @ValueSource(strings = {"-1", "-0.5", "+1", "1e5", "1E-3", " 1", "1 ", "1,5", "1.", ".5", "", "abc", "0x10",
      "１", "1_000"})
  void rejectsWhatIsNotAPlainDecimal(String text) {
    assertThatThrownBy(() -> Money.parse(Asset.BTC, text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("amount must be a decimal number");
  }

  @Test
  void rejectsAbsurdlyLargeAmounts() {
    assertThatThrownBy(() -> Money.parse(Asset.BTC, "1000000000000001"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("larger than the maximum");
    assertThatThrownBy(() -> Money.parse(Asset.BTC, "9".repeat(99)))
        .hasMessageContaining("larger than the maximum");
    assertThatThrownBy(() -> Money.of(Asset.BTC, new BigDecimal("1E+1000000")))
        .hasMessageContaining("larger than the maximum");
    assertThat(Money.parse(Asset.BTC, "1000000000000000").units())
        .isEqualTo(new BigInteger("100000000000000000000000"));
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 6, 8, 18, 36})
  void theLargestAmountIsTenToTheFifteenWholeUnitsWhateverTheDecimals(int decimals) {
    Asset asset = Asset.nativeCoin("X", "test", "net", decimals);
    BigInteger max = BigInteger.TEN.pow(15 + decimals); // 10^15 whole units, in base units
    assertThat(Money.ofUnits(asset, max).units()).isEqualTo(max);
    assertThat(Money.maxUnits(asset)).isEqualTo(max);
    assertThatThrownBy(() -> Money.ofUnits(asset, max.add(BigInteger.ONE)))
        .hasMessageContaining("larger than the maximum");
    // Amounts just below and above 2^49 and 2^50 (10^15 lies between them) with no decimals.
    if (decimals == 0) {
      for (BigInteger units : List.of(BigInteger.TWO.pow(49).subtract(BigInteger.ONE), BigInteger.TWO.pow(49),
          max.subtract(BigInteger.ONE))) {
        assertThat(Money.ofUnits(asset, units).units()).isEqualTo(units);
      }
      assertThatThrownBy(() -> Money.ofUnits(asset, BigInteger.TWO.pow(50)))
          .hasMessageContaining("larger than the maximum");
    }
  }

  @Test
  void rejectsNegativeBaseUnitsAndMixedAssets() {
    assertThatThrownBy(() -> Money.ofUnits(Asset.BTC, -1))
        .hasMessage("amount must not be negative, but was -1 base units");
    Money btc = Money.ofUnits(Asset.BTC, 5);
    assertThatThrownBy(() -> btc.plus(Money.ofUnits(ETH, 5)))
        .hasMessageContaining("different assets: BTC@bitcoin:mainnet and ETH@ethereum:mainnet");
    assertThatThrownBy(() -> btc.minus(Money.ofUnits(Asset.BTC, 6)))
        .hasMessageContaining("must not be negative");
    assertThat(btc.minusOrZero(Money.ofUnits(Asset.BTC, 6)).isZero()).isTrue();
  }

  @Test
  void convertsDecimalsExactlyBothWays() {
    Money money = Money.of(Asset.BTC, new BigDecimal("0.1"));
    assertThat(money.units()).isEqualTo(BigInteger.valueOf(10_000_000));
    assertThat(money.toDecimal()).isEqualByComparingTo("0.1");
    assertThat(money.toDecimal().scale()).isEqualTo(8);
    assertThat(money).hasToString("0.1 BTC");
  }
}
