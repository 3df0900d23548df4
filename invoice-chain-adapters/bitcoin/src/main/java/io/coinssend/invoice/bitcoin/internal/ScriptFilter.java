package io.coinssend.invoice.bitcoin.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * A register-blocked Bloom filter over output scripts: each script sets {@value #BITS_PER_SCRIPT} bits of one 64-bit
 * word, so a lookup is one load, and the whole filter is small enough (3 to 8 bytes per script, 4 MB at 1,000,000
 * scripts) to stay in the CPU's caches and within the reach of its TLB, where a table of full fingerprints does not.
 * It never says no for a script added to it; it says yes for about 0.01-0.1 % of other scripts (more the fuller it
 * is), which the caller confirms in its map of watched scripts. Scripts cannot be taken out: a caller that stops
 * watching scripts builds a new filter.
 *
 * <p>Sized by the number of scripts expected: built with about {@value #BUILD_BITS_PER_SCRIPT} bits per script, and
 * {@link #add(long)} refuses a script (the caller builds a larger filter) once fewer than
 * {@value #MIN_BITS_PER_SCRIPT} bits per script would be left, which bounds the false-positive rate.
 *
 * <p>Writers must be serialised ({@link #add(long)} runs under the index's lock); readers may run concurrently with a
 * writer. Bits are only ever set, so a reader sees every script added before the filter was last published to it
 * (safely, through a volatile field): even a 64-bit word read in two halves only ever gains bits. A script added while
 * a reader runs may or may not be seen by it.
 */
final class ScriptFilter {

  /** Bits set per script, all in one word. */
  static final int BITS_PER_SCRIPT = 6;
  /** Bits per script a filter is built with, at least (its size is rounded up to a power of two). */
  static final int BUILD_BITS_PER_SCRIPT = 32;
  /** Bits per script below which the filter refuses more scripts. */
  static final int MIN_BITS_PER_SCRIPT = 24;
  /** The smallest filter: 64 words, 512 bytes. */
  static final int MIN_WORDS = 64;
  /** The largest filter: 2^27 words, 1 GiB. */
  static final int MAX_WORDS = 1 << 27;

  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  final long[] words;
  private final int shift;
  private int scripts;

  private ScriptFilter(int wordCount) {
    words = new long[wordCount];
    shift = 64 - Integer.numberOfTrailingZeros(wordCount);
  }

  /** An empty filter with room for {@code expected} scripts and more. */
  static ScriptFilter forScripts(int expected) {
    if (expected < 0) {
      throw new IllegalArgumentException("expected must not be negative, but was " + expected);
    }
    long wanted = Math.max(MIN_WORDS, ((long) expected * BUILD_BITS_PER_SCRIPT + 63) / 64);
    if (wanted > MAX_WORDS) {
      throw new IllegalStateException("too many watched scripts: " + expected);
    }
    return new ScriptFilter(Integer.highestOneBit((int) wanted - 1) << 1);
  }

  /**
   * A 64-bit hash of the script bytes, not cryptographic: the high bits choose the word, the low bits the bits in it.
   */
  static long hash(byte[] data, int offset, int length) {
    long h = 0x9E3779B97F4A7C15L ^ length;
    int i = offset;
    int end = offset + length;
    for (; i + 8 <= end; i += 8) {
      h = (h ^ (long) LONGS.get(data, i)) * 0xBF58476D1CE4E5B9L;
      h ^= h >>> 31;
    }
    for (; i < end; i++) {
      h = (h ^ (data[i] & 0xffL)) * 0x94D049BB133111EBL;
    }
    h ^= h >>> 33;
    h *= 0xFF51AFD7ED558CCDL;
    h ^= h >>> 33;
    h *= 0xC4CEB9FE1A85EC53L;
    return h ^ (h >>> 33);
  }

  /** The bits of its word that the script of {@code hash} sets: taken from the low 36 bits, which no word index uses. */
  static long bitsOf(long hash) {
    long bits = 0;
    for (int i = 0; i < BITS_PER_SCRIPT; i++) {
      bits |= 1L << (int) (hash >>> (6 * i));
    }
    return bits;
  }

  /** The index of the word the script of {@code hash} sets bits in. */
  int wordOf(long hash) {
    return (int) (hash >>> shift);
  }

  /** Whether the script of {@code hash} may have been added: certainly not if false. */
  boolean mightContain(long hash) {
    long bits = bitsOf(hash);
    return (words[wordOf(hash)] & bits) == bits;
  }

  /** Adds the script of {@code hash}; false, adding nothing, if the filter is too full for it (build a larger one). */
  boolean add(long hash) {
    long bits = bitsOf(hash);
    int word = wordOf(hash);
    long old = words[word];
    if ((old & bits) == bits) {
      return true;
    }
    if ((long) (scripts + 1) * MIN_BITS_PER_SCRIPT > 64L * words.length) {
      return false;
    }
    words[word] = old | bits;
    scripts++;
    return true;
  }

  /** How many scripts were added (an added script whose bits were all set already is not counted). */
  int scripts() {
    return scripts;
  }

  /** The filter's size in bytes. */
  long bytes() {
    return 8L * words.length;
  }
}
