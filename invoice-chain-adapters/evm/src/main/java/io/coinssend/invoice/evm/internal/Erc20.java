package io.coinssend.invoice.evm.internal;

import static java.util.Objects.requireNonNull;

import java.math.BigInteger;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Pattern;
import org.web3j.abi.EventEncoder;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.Event;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.abi.datatypes.generated.Uint8;

/**
 * The parts of ERC-20 (EIP-20) the watcher reads, encoded and decoded with web3j's ABI codec: the
 * {@code Transfer(address,address,uint256)} event and the {@code decimals()} call.
 */
public final class Erc20 {

  private Erc20() {}

  /** {@code event Transfer(address indexed from, address indexed to, uint256 value)}. */
  public static final Event TRANSFER = new Event("Transfer", List.of(
      new TypeReference<Address>(true) {}, new TypeReference<Address>(true) {}, new TypeReference<Uint256>(false) {}));

  /** topic 0 of a Transfer log: Keccak-256 of {@code Transfer(address,address,uint256)}. */
  public static final String TRANSFER_TOPIC = EventEncoder.encode(TRANSFER);

  /** {@code function decimals() returns (uint8)}. */
  private static final Function DECIMALS = new Function("decimals", List.of(), List.of(new TypeReference<Uint8>() {}));

  /** The calldata of {@code decimals()}. */
  public static final String DECIMALS_CALL = FunctionEncoder.encode(DECIMALS);

  private static final Pattern ADDRESS_TOPIC = Pattern.compile("0x0{24}[0-9a-f]{40}");
  private static final Pattern WORD = Pattern.compile("0x[0-9a-f]{64}");

  /**
   * A decoded Transfer.
   *
   * @param contract the token contract, lower case
   * @param from the sender, lower case
   * @param to the recipient, lower case
   * @param value the amount in the token's base units
   */
  public record Transfer(String contract, String from, String to, BigInteger value) {}

  /** The topic that selects Transfers to {@code address} (lower- or mixed-case {@code 0x…}). */
  public static String addressTopic(String address) {
    requireNonNull(address, "address");
    return "0x" + "0".repeat(24) + address.substring(2).toLowerCase(Locale.ROOT);
  }

  /**
   * Decodes a standard ERC-20 Transfer log: three topics (signature, from, to) and a 32-byte value. Logs that merely
   * share the signature (ERC-721 has a fourth, indexed token id; some old tokens index the value) are not ERC-20
   * transfers: empty.
   */
  public static Optional<Transfer> decode(EvmRpc.Log log) {
    requireNonNull(log, "log");
    List<String> topics = log.topics();
    if (topics.size() != 3 || !topics.get(0).equals(TRANSFER_TOPIC)
        || !ADDRESS_TOPIC.matcher(topics.get(1)).matches() || !ADDRESS_TOPIC.matcher(topics.get(2)).matches()
        || !WORD.matcher(log.data()).matches()) {
      return Optional.empty();
    }
    String from = ((Address) FunctionReturnDecoder.decodeIndexedValue(topics.get(1), new TypeReference<Address>() {}))
        .getValue();
    String to = ((Address) FunctionReturnDecoder.decodeIndexedValue(topics.get(2), new TypeReference<Address>() {}))
        .getValue();
    var values = FunctionReturnDecoder.decode(log.data(), TRANSFER.getNonIndexedParameters());
    BigInteger value = (BigInteger) values.get(0).getValue();
    return Optional.of(new Transfer(log.contract(), from.toLowerCase(Locale.ROOT), to.toLowerCase(Locale.ROOT), value));
  }

  /**
   * Reads the answer of {@code decimals()}: a uint8 in one 32-byte word. Empty if the answer is not that (no such
   * function, no contract, or a value above 255).
   */
  public static OptionalInt decodeDecimals(String returned) {
    requireNonNull(returned, "returned");
    String hex = returned.toLowerCase(Locale.ROOT);
    if (!WORD.matcher(hex).matches() || new BigInteger(hex.substring(2), 16).bitLength() > 8) {
      return OptionalInt.empty();
    }
    var values = FunctionReturnDecoder.decode(hex, DECIMALS.getOutputParameters());
    if (values.size() != 1) {
      return OptionalInt.empty();
    }
    return OptionalInt.of(((BigInteger) values.get(0).getValue()).intValueExact());
  }
}
