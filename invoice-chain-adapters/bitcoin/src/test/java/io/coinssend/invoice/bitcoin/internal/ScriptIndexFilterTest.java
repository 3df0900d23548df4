package io.coinssend.invoice.bitcoin.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The script index keeps its filter holding every watched script, and sized by how many are watched. */
class ScriptIndexFilterTest {

  @Test
  void theFilterGrowsWithAddsAndShrinksAfterRemovalsWithoutLosingAWatchedScript() {
    SplittableRandom random = new SplittableRandom(34);
    ScriptIndex index = new ScriptIndex();
    List<byte[]> scripts = new ArrayList<>();
    long smallest = index.filter().bytes();
    for (int i = 0; i < 100_000; i++) {
      byte[] script = new byte[22];
      random.nextBytes(script);
      script[0] = 0x00;
      script[1] = 0x14;
      scripts.add(script);
      index.add("address-" + i, script);
    }
    assertAllPass(index, scripts);
    // Between 24 and 64 bits per script, whichever size the adds stopped at.
    assertThat(index.filter().bytes()).isBetween(100_000L * 24 / 8, 100_000L * 64 / 8);
    assertThat(index.filter().bytes()).isGreaterThan(smallest);

    // A new script for an address replaces its old one.
    byte[] replacement = HexFormat.of().parseHex("0014" + "ab".repeat(20));
    index.add("address-0", replacement);
    scripts.set(0, replacement);
    assertAllPass(index, scripts);

    // Remove 90 %: the filter is rebuilt for what is left, which it still holds.
    List<byte[]> left = new ArrayList<>();
    for (int i = 0; i < scripts.size(); i++) {
      if (i % 10 == 0) {
        left.add(scripts.get(i));
      } else {
        assertThat(index.remove("address-" + i)).isTrue();
      }
    }
    assertThat(index.size()).isEqualTo(10_000);
    assertAllPass(index, left);
    assertThat(index.filter().bytes()).isLessThanOrEqualTo(10_000L * 64 / 8);
  }

  private static void assertAllPass(ScriptIndex index, List<byte[]> scripts) {
    ScriptFilter filter = index.filter();
    for (byte[] script : scripts) {
      assertThat(filter.mightContain(ScriptFilter.hash(script, 0, script.length))).isTrue();
      assertThat(index.find(script)).isPresent();
    }
  }
}
