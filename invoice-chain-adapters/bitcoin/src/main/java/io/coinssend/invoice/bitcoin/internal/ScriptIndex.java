package io.coinssend.invoice.bitcoin.internal;

import static java.util.Objects.requireNonNull;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The watched output scripts, and the matching of raw blocks and transactions against them.
 *
 * <p>Each output's scriptPubKey is looked up by a hash of its bytes, so the cost of matching a block depends on the
 * block's size, not on how many scripts are watched. The raw serialisation is walked in place: no object is built per
 * transaction or output, and a transaction id is computed only for a transaction that pays a watched script. A block
 * is matched in three passes so that a large watched set costs no more than a small one: the walk hashes every
 * output script; then one load per output reads a {@link ScriptFilter}, a Bloom filter of 3 to 8 bytes per watched
 * script that stays in the CPU's caches and TLB reach (independent loads the CPU overlaps, where a hash map costs a
 * dependent cache miss or two per output once it outgrows the caches); then only outputs the filter lets through are
 * confirmed in the hash map that maps scripts to addresses. Scripts may be
 * added and removed from any thread while a block is matched; a match reflects the scripts watched when the match
 * began, or later.
 *
 * <p>Malformed data (truncated, trailing bytes, impossible lengths) throws {@link IllegalArgumentException}; nothing
 * is returned for it. Thread-safe.
 */
public final class ScriptIndex {

  /** A block header's size in bytes. */
  public static final int HEADER_SIZE = 80;

  private final ConcurrentHashMap<ScriptKey, String> addressByScript = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, ScriptKey> scriptByAddress = new ConcurrentHashMap<>();
  /**
   * Every watched script (and some no longer watched, until the next rebuild). Changed only under the
   * {@code scriptByAddress} lock; re-assigned after every change, so that a matcher that reads it sees every change
   * made before. A script it lets through is confirmed in {@link #addressByScript}; one it stops is not watched.
   */
  private volatile ScriptFilter filter = ScriptFilter.forScripts(0);
  /** Scripts removed since the filter was last rebuilt (it may still let them through). */
  private int removedSinceRebuild;
  /** The arrays of the last block's walk, for the next block; taken by one matcher at a time. */
  private final AtomicReference<Walk> spareWalk = new AtomicReference<>();
  /** Removals that never cause a rebuild on their own, however few scripts are left. */
  private static final int MIN_REMOVALS_BEFORE_REBUILD = 1024;

  /**
   * One output paying a watched script.
   *
   * @param txid the transaction id, as explorers print it
   * @param index the output index
   * @param address the watched address the script belongs to
   * @param value the amount in satoshis
   */
  public record Match(String txid, int index, String address, long value) {
    public Match {
      requireNonNull(txid, "txid");
      requireNonNull(address, "address");
    }
  }

  /**
   * The outputs of one transaction, without its id.
   *
   * @param values the amounts in satoshis, by output index
   * @param scripts the output scripts, by output index
   */
  public record Outputs(long[] values, byte[][] scripts) {
    public Outputs {
      requireNonNull(values, "values");
      requireNonNull(scripts, "scripts");
      if (values.length != scripts.length) {
        throw new IllegalArgumentException("one value per script");
      }
    }
  }

  /** Watches {@code script} as the output script of {@code address}; replaces an earlier script of that address. */
  public void add(String address, byte[] script) {
    requireNonNull(address, "address");
    requireNonNull(script, "script");
    ScriptKey key = ScriptKey.copyOf(script);
    long hash = ScriptFilter.hash(script, 0, script.length);
    synchronized (scriptByAddress) {
      ScriptKey old = scriptByAddress.put(address, key);
      if (old != null && !old.equals(key)) {
        addressByScript.remove(old, address);
        removedSinceRebuild++;
      }
      // The filter first: a matcher that finds the script in the map must not have been stopped by the filter.
      ScriptFilter current = filter;
      if (!current.add(hash)) {
        current = rebuilt(Math.max(scriptByAddress.size(), addressByScript.size() + 1));
        added(current, hash);
      }
      addressByScript.put(key, address);
      filter = current;
    }
  }

  /** Stops watching {@code address}; returns whether it was watched. */
  public boolean remove(String address) {
    requireNonNull(address, "address");
    synchronized (scriptByAddress) {
      ScriptKey key = scriptByAddress.remove(address);
      if (key == null) {
        return false;
      }
      addressByScript.remove(key, address);
      // The script stays in the filter until a rebuild (it only costs a map lookup when that script is paid);
      // rebuild once as many scripts were removed as are watched, so the filter's size follows the watched set.
      if (++removedSinceRebuild > Math.max(MIN_REMOVALS_BEFORE_REBUILD, addressByScript.size())) {
        filter = rebuilt(addressByScript.size());
      }
      return true;
    }
  }

  /** A new filter holding every watched script, with room for {@code expected} and more; under the lock. */
  private ScriptFilter rebuilt(int expected) {
    ScriptFilter rebuilt = ScriptFilter.forScripts(expected);
    for (ScriptKey key : addressByScript.keySet()) {
      added(rebuilt, ScriptFilter.hash(key.bytes, key.offset, key.length));
    }
    removedSinceRebuild = 0;
    return rebuilt;
  }

  /** Adds to a filter built with room for every watched script; it refusing one would be a bug here. */
  private static void added(ScriptFilter filter, long hash) {
    if (!filter.add(hash)) {
      throw new IllegalStateException("a filter built for the watched scripts has no room for them");
    }
  }

  /** The filter matchers read now: for tests. */
  ScriptFilter filter() {
    return filter;
  }

  /** How many scripts are watched. */
  public int size() {
    return scriptByAddress.size();
  }

  /** The watched addresses. */
  public List<String> addresses() {
    return List.copyOf(scriptByAddress.keySet());
  }

  /** The watched address whose output script is {@code script}, if any. */
  public Optional<String> find(byte[] script) {
    return Optional.ofNullable(addressByScript.get(ScriptKey.probe(script, 0, script.length)));
  }

  /**
   * The outputs of raw block {@code block} (header, transaction count, transactions, segwit or not) that pay a
   * watched script, in block order.
   *
   * @throws IllegalArgumentException if the bytes are not a well-formed block
   */
  public List<Match> matchBlock(byte[] block) {
    requireNonNull(block, "block");
    Reader reader = new Reader(block, 0);
    reader.skip(HEADER_SIZE, "block header");
    long count = reader.varInt("transaction count");
    // Every transaction takes at least 10 bytes; anything claiming more is malformed.
    if (count < 1 || count > (block.length - reader.pos) / 10) {
      throw new IllegalArgumentException("malformed block: impossible transaction count " + count);
    }
    ScriptFilter table = filter;
    // The walk's arrays (about 300 KB for a full block) are reused from one block to the next rather than allocated:
    // fresh memory for every block would push the filter out of the caches it is sized to stay in.
    Walk walk = spareWalk.getAndSet(null);
    if (walk == null) {
      walk = new Walk((int) Math.min(count * 3 + 16, block.length / 9 + 1), (int) count);
    } else {
      walk.reset((int) count);
    }
    for (long i = 0; i < count; i++) {
      walkTransaction(reader, table, walk);
    }
    if (reader.pos != block.length) {
      throw new IllegalArgumentException(
          "malformed block: " + (block.length - reader.pos) + " bytes after the last transaction");
    }
    // One independent load per output, in a loop with no data-dependent branch: the CPU keeps many of these cache
    // misses in flight at once, which is what keeps a large watched set as cheap as a small one.
    int outputs = walk.outputs;
    int[] slots = walk.slot;
    long[] found = walk.found();
    long[] words = table.words;
    for (int k = 0; k < outputs; k++) {
      found[k] = words[slots[k]];
    }
    int passed = 0;
    int[] candidates = new int[Math.min(outputs, 64)];
    long[] bits = walk.bits;
    for (int k = 0; k < outputs; k++) {
      if ((found[k] & bits[k]) == bits[k]) {
        if (passed == candidates.length) {
          candidates = Arrays.copyOf(candidates, passed * 2);
        }
        candidates[passed++] = k;
      }
    }
    // The map lookups in a loop of their own: with a large watched set each is a chain of dependent cache misses, and
    // the CPU overlaps the chains of different outputs only when nothing heavier (a transaction id) runs between them.
    String[] addresses = new String[passed];
    ScriptKey probe = ScriptKey.probe(block, 0, 0);
    for (int c = 0; c < passed; c++) {
      int k = candidates[c];
      probe.set(block, walk.scriptStart[k], walk.scriptLength[k]);
      addresses[c] = addressByScript.get(probe);
    }
    List<Match> matches = new ArrayList<>();
    int lastTx = -1;
    String txid = null;
    for (int c = 0; c < passed; c++) {
      if (addresses[c] == null) {
        continue;
      }
      int k = candidates[c];
      int tx = walk.transaction[k];
      if (tx != lastTx) {
        txid = txid(block, walk.txStart[tx], walk.txBodyStart[tx], walk.txBodyEnd[tx], walk.txEnd[tx]);
        lastTx = tx;
      }
      matches.add(new Match(txid, walk.index[k], addresses[c], littleEndianLong(block, walk.valueStart[k])));
    }
    if (walk.worthKeeping()) {
      spareWalk.set(walk);
    }
    return matches;
  }

  /**
   * Walks one transaction of a block, recording where each output script is, its word and bits in the filter, and
   * where the transaction's id is computed from.
   */
  private static void walkTransaction(Reader reader, ScriptFilter table, Walk walk) {
    byte[] data = reader.data;
    int start = reader.pos;
    reader.skip(4, "version");
    boolean segwit = reader.segwitMarker();
    int bodyStart = reader.pos;
    long inputs = reader.varInt("input count");
    skipInputs(reader, inputs);
    long outputs = reader.varInt("output count");
    if (outputs > (data.length - reader.pos) / 9) {
      throw new IllegalArgumentException("malformed transaction: impossible output count " + outputs);
    }
    int tx = walk.transactions++;
    for (int i = 0; i < outputs; i++) {
      int valueStart = reader.pos;
      reader.value();
      int length = reader.length("output script");
      long hash = ScriptFilter.hash(data, reader.pos, length);
      walk.add(tx, i, valueStart, reader.pos, length, table.wordOf(hash), ScriptFilter.bitsOf(hash));
      reader.pos += length;
    }
    int bodyEnd = reader.pos;
    if (segwit) {
      skipWitnesses(reader, inputs);
    }
    reader.skip(4, "lock time");
    walk.transaction(tx, start, bodyStart, bodyEnd, reader.pos);
  }

  private static long littleEndianLong(byte[] data, int offset) {
    long value = 0;
    for (int i = 7; i >= 0; i--) {
      value = value << 8 | (data[offset + i] & 0xff);
    }
    return value;
  }

  /**
   * The outputs of raw transaction {@code transaction} that pay a watched script.
   *
   * @throws IllegalArgumentException if the bytes are not one well-formed transaction
   */
  public List<Match> matchTransaction(byte[] transaction) {
    requireNonNull(transaction, "transaction");
    Reader reader = new Reader(transaction, 0);
    List<Match> matches = new ArrayList<>();
    matchTransaction(reader, ScriptKey.probe(transaction, 0, 0), matches);
    if (reader.pos != transaction.length) {
      throw new IllegalArgumentException(
          "malformed transaction: " + (transaction.length - reader.pos) + " bytes after its end");
    }
    return matches;
  }

  /**
   * The outputs of raw transaction {@code transaction}, to keep and match later with {@link #match(String, Outputs)}.
   *
   * @throws IllegalArgumentException if the bytes are not one well-formed transaction
   */
  public static Outputs outputsOf(byte[] transaction) {
    requireNonNull(transaction, "transaction");
    Reader reader = new Reader(transaction, 0);
    reader.skip(4, "version");
    boolean segwit = reader.segwitMarker();
    long inputs = reader.varInt("input count");
    skipInputs(reader, inputs);
    long outputs = reader.varInt("output count");
    if (outputs > transaction.length / 9) {
      throw new IllegalArgumentException("malformed transaction: impossible output count " + outputs);
    }
    long[] values = new long[(int) outputs];
    byte[][] scripts = new byte[(int) outputs][];
    for (int i = 0; i < outputs; i++) {
      values[i] = reader.value();
      int length = reader.length("output script");
      scripts[i] = Arrays.copyOfRange(transaction, reader.pos, reader.pos + length);
      reader.pos += length;
    }
    if (segwit) {
      skipWitnesses(reader, inputs);
    }
    reader.skip(4, "lock time");
    if (reader.pos != transaction.length) {
      throw new IllegalArgumentException(
          "malformed transaction: " + (transaction.length - reader.pos) + " bytes after its end");
    }
    return new Outputs(values, scripts);
  }

  /**
   * The outputs raw transaction {@code transaction} spends, as {@code txid:index} of the previous outputs.
   *
   * @throws IllegalArgumentException if the bytes are not one well-formed transaction
   */
  public static List<String> inputsOf(byte[] transaction) {
    requireNonNull(transaction, "transaction");
    Reader reader = new Reader(transaction, 0);
    reader.skip(4, "version");
    reader.segwitMarker();
    long inputs = reader.varInt("input count");
    if (inputs > (transaction.length - reader.pos) / 41) {
      throw new IllegalArgumentException("malformed transaction: impossible input count " + inputs);
    }
    List<String> spent = new ArrayList<>((int) inputs);
    for (long i = 0; i < inputs; i++) {
      reader.skip(36, "previous output");
      byte[] hash = Arrays.copyOfRange(transaction, reader.pos - 36, reader.pos - 4);
      long index = (transaction[reader.pos - 4] & 0xffL) | (transaction[reader.pos - 3] & 0xffL) << 8
          | (transaction[reader.pos - 2] & 0xffL) << 16 | (transaction[reader.pos - 1] & 0xffL) << 24;
      spent.add(reversedHex(hash) + ":" + index);
      reader.skip(reader.length("input script"), "input script");
      reader.skip(4, "sequence");
    }
    return spent;
  }

  /** The outputs among {@code outputs} of transaction {@code txid} that pay a watched script. */
  public List<Match> match(String txid, Outputs outputs) {
    List<Match> matches = new ArrayList<>(0);
    for (int i = 0; i < outputs.scripts().length; i++) {
      byte[] script = outputs.scripts()[i];
      String address = addressByScript.get(ScriptKey.probe(script, 0, script.length));
      if (address != null) {
        matches.add(new Match(txid, i, address, outputs.values()[i]));
      }
    }
    return matches;
  }

  private void matchTransaction(Reader reader, ScriptKey probe, List<Match> matches) {
    byte[] data = reader.data;
    int start = reader.pos;
    reader.skip(4, "version");
    boolean segwit = reader.segwitMarker();
    int bodyStart = reader.pos;
    long inputs = reader.varInt("input count");
    skipInputs(reader, inputs);
    long outputs = reader.varInt("output count");
    if (outputs > (data.length - reader.pos) / 9) {
      throw new IllegalArgumentException("malformed transaction: impossible output count " + outputs);
    }
    int firstMatch = matches.size();
    for (int i = 0; i < outputs; i++) {
      long value = reader.value();
      int length = reader.length("output script");
      probe.set(data, reader.pos, length);
      String address = addressByScript.get(probe);
      if (address != null) {
        matches.add(new Match("", i, address, value));
      }
      reader.pos += length;
    }
    int bodyEnd = reader.pos;
    if (segwit) {
      skipWitnesses(reader, inputs);
    }
    reader.skip(4, "lock time");
    if (matches.size() > firstMatch) {
      String txid = txid(data, start, bodyStart, bodyEnd, reader.pos);
      for (int i = firstMatch; i < matches.size(); i++) {
        Match m = matches.get(i);
        matches.set(i, new Match(txid, m.index(), m.address(), m.value()));
      }
    }
  }

  private static void skipInputs(Reader reader, long inputs) {
    if (inputs > (reader.data.length - reader.pos) / 41) {
      throw new IllegalArgumentException("malformed transaction: impossible input count " + inputs);
    }
    for (long i = 0; i < inputs; i++) {
      reader.skip(36, "previous output");
      reader.skip(reader.length("input script"), "input script");
      reader.skip(4, "sequence");
    }
  }

  private static void skipWitnesses(Reader reader, long inputs) {
    for (long i = 0; i < inputs; i++) {
      long items = reader.varInt("witness item count");
      if (items > reader.data.length - reader.pos) {
        throw new IllegalArgumentException("malformed transaction: impossible witness item count " + items);
      }
      for (long j = 0; j < items; j++) {
        reader.skip(reader.length("witness item"), "witness item");
      }
    }
  }

  /** The id of the transaction at [start, end): double SHA-256 of it without marker, flag and witnesses, reversed. */
  private static String txid(byte[] data, int start, int bodyStart, int bodyEnd, int end) {
    MessageDigest digest = sha256();
    digest.update(data, start, 4);
    digest.update(data, bodyStart, bodyEnd - bodyStart);
    digest.update(data, end - 4, 4);
    return reversedHex(digest.digest(digest.digest()));
  }

  /** The hash of the block whose raw bytes are {@code block}, as explorers print it. */
  public static String blockHash(byte[] block) {
    if (block.length < HEADER_SIZE) {
      throw new IllegalArgumentException("malformed block: " + block.length + " bytes, shorter than a header");
    }
    MessageDigest digest = sha256();
    digest.update(block, 0, HEADER_SIZE);
    return reversedHex(digest.digest(digest.digest()));
  }

  private static String reversedHex(byte[] hash) {
    byte[] reversed = new byte[hash.length];
    for (int i = 0; i < hash.length; i++) {
      reversed[i] = hash[hash.length - 1 - i];
    }
    return HexFormat.of().formatHex(reversed);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }

  /** A bounds-checked cursor over raw bytes. */
  private static final class Reader {
    final byte[] data;
    int pos;

    Reader(byte[] data, int pos) {
      this.data = data;
      this.pos = pos;
    }

    void skip(long count, String what) {
      skip(count, what, "");
    }

    /** Skips {@code count} bytes of {@code what + suffix}: two parts, so that the name is only joined on an error. */
    private void skip(long count, String what, String suffix) {
      if (count < 0 || count > data.length - pos) {
        throw new IllegalArgumentException(
            "malformed data: " + what + suffix + " runs past the end at offset " + pos);
      }
      pos += (int) count;
    }

    boolean segwitMarker() {
      if (data.length - pos >= 2 && data[pos] == 0 && data[pos + 1] != 0) {
        if (data[pos + 1] != 1) {
          throw new IllegalArgumentException("malformed transaction: unknown segwit flag " + data[pos + 1]);
        }
        pos += 2;
        return true;
      }
      return false;
    }

    long varInt(String what) {
      return varInt(what, "");
    }

    /**
     * A varint naming itself {@code what + suffix} in errors. The name is joined only when one is thrown: this runs for
     * every script and witness item of a block, and joining it on every call allocated about 1 MB per block, which
     * streamed through the caches the block's match relies on.
     */
    private long varInt(String what, String suffix) {
      skip(1, what, suffix);
      int first = data[pos - 1] & 0xff;
      if (first < 0xfd) {
        return first;
      }
      int size = first == 0xfd ? 2 : first == 0xfe ? 4 : 8;
      skip(size, what, suffix);
      long value = 0;
      for (int i = size - 1; i >= 0; i--) {
        value = value << 8 | (data[pos - size + i] & 0xff);
      }
      if (value < 0) {
        throw new IllegalArgumentException("malformed data: " + what + suffix + " is out of range");
      }
      return value;
    }

    int length(String what) {
      long length = varInt(what, " length");
      if (length > data.length - pos) {
        throw new IllegalArgumentException(
            "malformed data: " + what + " of " + length + " bytes runs past the end at offset " + pos);
      }
      return (int) length;
    }

    long value() {
      skip(8, "output value");
      long value = 0;
      for (int i = 7; i >= 0; i--) {
        value = value << 8 | (data[pos - 8 + i] & 0xff);
      }
      if (value < 0 || value > 2_100_000_000_000_000L) {
        throw new IllegalArgumentException("malformed transaction: output value " + Long.toUnsignedString(value)
            + " satoshis is more than 21 million BTC");
      }
      return value;
    }
  }

  /** What the walk of a block records per output and per transaction, in growing parallel arrays. */
  private static final class Walk {
    /** The most outputs or transactions a walk kept for the next block may have room for: about 3 MB of arrays. */
    static final int MAX_KEPT_OUTPUTS = 1 << 16;

    int outputs;
    int[] transaction;
    int[] index;
    int[] valueStart;
    int[] scriptStart;
    int[] scriptLength;
    int[] slot;
    long[] bits;
    int transactions;
    int[] txStart;
    int[] txBodyStart;
    int[] txBodyEnd;
    int[] txEnd;

    long[] found = new long[0];

    Walk(int outputCapacity, int transactionCount) {
      allocateOutputs(Math.max(16, outputCapacity));
      allocateTransactions(transactionCount);
    }

    /** Empties the walk for a block of {@code transactionCount} transactions, keeping its arrays where large enough. */
    void reset(int transactionCount) {
      outputs = 0;
      transactions = 0;
      if (txStart.length < transactionCount) {
        allocateTransactions(transactionCount);
      }
    }

    /** Whether the walk is small enough to keep for the next block. */
    boolean worthKeeping() {
      return transaction.length <= MAX_KEPT_OUTPUTS && txStart.length <= MAX_KEPT_OUTPUTS;
    }

    /** An array of at least {@link #outputs} entries for the filter's words, its contents undefined. */
    long[] found() {
      if (found.length < outputs) {
        found = new long[transaction.length];
      }
      return found;
    }

    private void allocateOutputs(int capacity) {
      transaction = new int[capacity];
      index = new int[capacity];
      valueStart = new int[capacity];
      scriptStart = new int[capacity];
      scriptLength = new int[capacity];
      slot = new int[capacity];
      bits = new long[capacity];
    }

    private void allocateTransactions(int transactionCount) {
      txStart = new int[transactionCount];
      txBodyStart = new int[transactionCount];
      txBodyEnd = new int[transactionCount];
      txEnd = new int[transactionCount];
    }

    void add(int tx, int outputIndex, int value, int start, int length, int word, long wordBits) {
      if (outputs == transaction.length) {
        int capacity = outputs * 2;
        transaction = Arrays.copyOf(transaction, capacity);
        index = Arrays.copyOf(index, capacity);
        valueStart = Arrays.copyOf(valueStart, capacity);
        scriptStart = Arrays.copyOf(scriptStart, capacity);
        scriptLength = Arrays.copyOf(scriptLength, capacity);
        slot = Arrays.copyOf(slot, capacity);
        bits = Arrays.copyOf(bits, capacity);
      }
      transaction[outputs] = tx;
      index[outputs] = outputIndex;
      valueStart[outputs] = value;
      scriptStart[outputs] = start;
      scriptLength[outputs] = length;
      slot[outputs] = word;
      bits[outputs] = wordBits;
      outputs++;
    }

    void transaction(int tx, int start, int bodyStart, int bodyEnd, int end) {
      txStart[tx] = start;
      txBodyStart[tx] = bodyStart;
      txBodyEnd[tx] = bodyEnd;
      txEnd[tx] = end;
    }
  }

  /** Script bytes as a hash key; a probe is re-pointed at each output's bytes for lookups without copying. */
  private static final class ScriptKey {
    private byte[] bytes;
    private int offset;
    private int length;
    private int hash;

    static ScriptKey copyOf(byte[] script) {
      ScriptKey key = new ScriptKey();
      key.set(script.clone(), 0, script.length);
      return key;
    }

    static ScriptKey probe(byte[] bytes, int offset, int length) {
      ScriptKey key = new ScriptKey();
      key.set(bytes, offset, length);
      return key;
    }

    void set(byte[] bytes, int offset, int length) {
      this.bytes = bytes;
      this.offset = offset;
      this.length = length;
      int h = 1;
      for (int i = offset; i < offset + length; i++) {
        h = 31 * h + bytes[i];
      }
      this.hash = h;
    }

    @Override
    public int hashCode() {
      return hash;
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof ScriptKey k && k.hash == hash
          && Arrays.equals(bytes, offset, offset + length, k.bytes, k.offset, k.offset + k.length);
    }
  }
}
