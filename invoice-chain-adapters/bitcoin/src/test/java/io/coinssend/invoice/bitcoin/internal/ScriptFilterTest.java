package io.coinssend.invoice.bitcoin.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The Bloom filter in front of the script index: never a false negative, a bounded false-positive rate at every fill
 * it allows, a size that follows the number of scripts, and refusal (so the index builds a larger one) once full.
 */
class ScriptFilterTest {

  @Test
  void neverMissesAnAddedScriptAndLetsFewOthersThrough() {
    SplittableRandom random = new SplittableRandom(8);
    List<byte[]> added = randomScripts(random, 200_000);
    ScriptFilter filter = ScriptFilter.forScripts(added.size());
    for (byte[] script : added) {
      assertThat(filter.add(hash(script))).isTrue();
    }
    for (byte[] script : added) {
      assertThat(filter.mightContain(hash(script))).isTrue();
    }
    // Built with at least 32 bits per script: about 0.04 % in theory.
    assertThat(falsePositiveRate(filter, random)).isLessThan(0.002);
    assertThat(filter.bytes()).isLessThanOrEqualTo(8L * 200_000);
  }

  @Test
  void scriptsAddedAfterTheBuildAreFoundAndTheFilterRefusesThemOnlyWhenFull() {
    SplittableRandom random = new SplittableRandom(86);
    ScriptFilter filter = ScriptFilter.forScripts(1_000);
    List<byte[]> added = new ArrayList<>();
    // Built for 1,000, it takes more until fewer than 24 bits per script would be left.
    long room = 64 * filter.words.length / ScriptFilter.MIN_BITS_PER_SCRIPT;
    assertThat(room).isGreaterThan(1_300);
    while (true) {
      byte[] script = randomScript(random);
      if (!filter.add(hash(script))) {
        break;
      }
      added.add(script);
    }
    assertThat(filter.scripts()).isEqualTo((int) room);
    assertThat(added.size()).isBetween((int) room, (int) room + 50);
    for (byte[] script : added) {
      assertThat(filter.mightContain(hash(script))).isTrue();
    }
    // Full, at 24 bits per script: about 0.1 % in theory.
    assertThat(falsePositiveRate(filter, random)).isLessThan(0.004);
    // A refused script is not half added: the filter is unchanged by the refusal.
    long[] before = filter.words.clone();
    byte[] refused;
    do {
      refused = randomScript(random);
    } while (filter.mightContain(hash(refused)));
    assertThat(filter.add(hash(refused))).isFalse();
    assertThat(filter.words).isEqualTo(before);
    assertThat(filter.mightContain(hash(refused))).isFalse();
  }

  @Test
  void growsWithTheScriptsItIsBuiltFor() {
    assertThat(ScriptFilter.forScripts(0).bytes()).isEqualTo(8L * ScriptFilter.MIN_WORDS);
    assertThat(ScriptFilter.forScripts(1_000).bytes()).isEqualTo(4_096);
    assertThat(ScriptFilter.forScripts(1_000_000).bytes()).isEqualTo(4L << 20);
    assertThat(ScriptFilter.forScripts(1_048_576).bytes()).isEqualTo(4L << 20);
    assertThat(ScriptFilter.forScripts(1_048_577).bytes()).isEqualTo(8L << 20);
    assertThatThrownBy(() -> ScriptFilter.forScripts(-1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ScriptFilter.forScripts(Integer.MAX_VALUE)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("too many watched scripts");
  }

  @Test
  void hashesEveryByteOfScriptsOfEveryLength() {
    SplittableRandom random = new SplittableRandom(3);
    for (int length = 0; length < 80; length++) {
      byte[] script = new byte[length + 4];
      random.nextBytes(script);
      long whole = ScriptFilter.hash(script, 2, length);
      for (int i = 2; i < 2 + length; i++) {
        script[i] ^= 1;
        assertThat(ScriptFilter.hash(script, 2, length)).as("length %d, byte %d", length, i).isNotEqualTo(whole);
        script[i] ^= 1;
      }
      // The bytes around the script do not count.
      script[0] ^= 1;
      script[script.length - 1] ^= 1;
      assertThat(ScriptFilter.hash(script, 2, length)).isEqualTo(whole);
    }
  }

  @Test
  void setsTheSameNumberOfBitsOrFewerForEveryScript() {
    SplittableRandom random = new SplittableRandom(5);
    for (int i = 0; i < 10_000; i++) {
      int set = Long.bitCount(ScriptFilter.bitsOf(random.nextLong()));
      assertThat(set).isBetween(1, ScriptFilter.BITS_PER_SCRIPT);
    }
  }

  private static double falsePositiveRate(ScriptFilter filter, SplittableRandom random) {
    int trials = 1_000_000;
    int passed = 0;
    for (int i = 0; i < trials; i++) {
      // Scripts of 34 bytes: no script added (22, 25 or 34 bytes with other prefixes) collides with them.
      byte[] script = new byte[34];
      random.nextBytes(script);
      script[0] = (byte) 0x6a;
      if (filter.mightContain(hash(script))) {
        passed++;
      }
    }
    return (double) passed / trials;
  }

  private static List<byte[]> randomScripts(SplittableRandom random, int count) {
    List<byte[]> scripts = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      scripts.add(randomScript(random));
    }
    return scripts;
  }

  /** A random P2WPKH, P2TR or P2PKH output script. */
  private static byte[] randomScript(SplittableRandom random) {
    int kind = random.nextInt(3);
    byte[] script;
    if (kind == 0) {
      script = new byte[22];
      script[0] = 0x00;
      script[1] = 0x14;
      fill(random, script, 2, 20);
    } else if (kind == 1) {
      script = new byte[34];
      script[0] = 0x51;
      script[1] = 0x20;
      fill(random, script, 2, 32);
    } else {
      script = new byte[25];
      script[0] = 0x76;
      script[1] = (byte) 0xa9;
      script[2] = 0x14;
      fill(random, script, 3, 20);
      script[23] = (byte) 0x88;
      script[24] = (byte) 0xac;
    }
    return script;
  }

  private static void fill(SplittableRandom random, byte[] bytes, int offset, int length) {
    byte[] random20 = new byte[length];
    random.nextBytes(random20);
    System.arraycopy(random20, 0, bytes, offset, length);
  }

  private static long hash(byte[] script) {
    return ScriptFilter.hash(script, 0, script.length);
  }
}
