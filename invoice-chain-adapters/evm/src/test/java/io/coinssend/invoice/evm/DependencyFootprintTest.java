package io.coinssend.invoice.evm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.coinssend.invoice.Money;
import io.coinssend.invoice.evm.internal.Erc20;
import io.coinssend.invoice.evm.internal.EvmRpc;
import java.io.File;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Proves the exclusions on web3j crypto (pom.xml): its KZG natives and the tuweni byte types, with kotlin-stdlib and
 * connid, are not on the classpath, and every code path of this module that uses web3j (Keccak, EIP-55, public key
 * to address, ABI decoding of Transfer logs and decimals(), ABI encoding of calls) still gives the vectors' answers.
 */
class DependencyFootprintTest {

  private static final List<String> EXCLUDED_CLASSES = List.of(
      "org.apache.tuweni.bytes.Bytes",
      "org.apache.tuweni.units.bigints.UInt256",
      "ethereum.ckzg4844.CKZG4844JNI",
      "kotlin.Unit",
      "org.identityconnectors.common.StringUtil",
      "io.vertx.core.Vertx",
      "io.netty.buffer.ByteBuf",
      "org.bouncycastle.jce.provider.BouncyCastleProvider$BouncyCastleProviderLoader");
  private static final List<String> EXCLUDED_JARS = List.of("tuweni", "jc-kzg", "kotlin-stdlib", "connid",
      "framework-1.3", "vertx", "netty", "bcprov-jdk15to18");

  @Test
  void theExcludedLibrariesAreNotOnTheClasspath() {
    for (String name : EXCLUDED_CLASSES) {
      assertThatThrownBy(() -> Class.forName(name), name).isInstanceOf(ClassNotFoundException.class);
    }
    List<String> jars = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .map(path -> new File(path).getName()).toList();
    assertThat(jars).as("web3j's runtime jars").anyMatch(j -> j.startsWith("crypto-4.13.0"))
        .anyMatch(j -> j.startsWith("abi-4.13.0")).anyMatch(j -> j.startsWith("utils-4.13.0"));
    for (String excluded : EXCLUDED_JARS) {
      assertThat(jars).as("no " + excluded + " jar").noneMatch(j -> j.contains(excluded));
    }
  }

  @Test
  void everyWeb3jCodePathWorksWithoutThem() {
    // Keccak-256 (Hash) through the event signature.
    assertThat(Erc20.TRANSFER_TOPIC).isEqualTo(Erc20Vectors.TRANSFER_TOPIC);
    // EIP-55 (Keys.toChecksumAddress) and public key -> address (Keys.getAddress) through derivation.
    assertThat(EvmAccountKey.parse(EvmAccountKeyTest.ACCOUNT_XPUB).address(0).toString())
        .isEqualTo(EvmAccountKeyTest.ADDRESS_0);
    assertThat(EvmAddress.parse("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed").toString())
        .isEqualTo("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
    // ABI decoding (FunctionReturnDecoder) of the real USDT log, and of decimals().
    Erc20.Transfer transfer = Erc20.decode(Erc20Vectors.USDT_LOG).orElseThrow();
    assertThat(Money.ofUnits(EvmAssets.USDT, transfer.value()))
        .isEqualTo(Money.of(EvmAssets.USDT, new BigDecimal("200.000000")));
    assertThat(Erc20.decodeDecimals("0x" + "0".repeat(62) + "06")).hasValue(6);
    // ABI encoding (FunctionEncoder) of decimals().
    assertThat(Erc20.DECIMALS_CALL).isEqualTo("0x313ce567");
  }

  /** The vectors of Erc20Test, reachable from this package. */
  static final class Erc20Vectors {
    static final String TRANSFER_TOPIC = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef";
    static final EvmRpc.Log USDT_LOG = new EvmRpc.Log("0xdac17f958d2ee523a2206206994597c13d831ec7",
        List.of(TRANSFER_TOPIC,
            "0x000000000000000000000000d8a7346ffef357542857ab5fcf7ed1baed08680f",
            "0x00000000000000000000000031c43e2be5bcd4edb512ad47a0f1a93aa22941b9"),
        "0x000000000000000000000000000000000000000000000000000000000bebc200", 16_569_423,
        "0x" + "ab".repeat(32), "0x37eeb55eab329c73aeac6a172faa6c77e7013cd0cda0fc472274c5faf0df7003", 191, false);
  }
}
