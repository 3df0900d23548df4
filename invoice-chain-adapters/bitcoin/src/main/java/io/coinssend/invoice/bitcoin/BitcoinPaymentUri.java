package io.coinssend.invoice.bitcoin;

import static java.util.Objects.requireNonNull;

import io.coinssend.invoice.Money;
import io.coinssend.invoice.bitcoin.internal.Networks;
import java.util.Optional;
import org.bitcoinj.base.Address;
import org.bitcoinj.base.AddressParser;
import org.bitcoinj.base.Coin;
import org.bitcoinj.base.exceptions.AddressFormatException;
import org.bitcoinj.uri.BitcoinURI;
import org.bitcoinj.uri.BitcoinURIParseException;

/**
 * A BIP21 payment URI, {@code bitcoin:<address>?amount=<BTC>&label=<label>&message=<message>}, built and parsed with
 * bitcoinj.
 *
 * <p>Parsing follows BIP21: the scheme is case-insensitive, an upper-case bech32 address is valid, {@code amount} is
 * decimal BTC with at most 8 decimals, and an unknown {@code req-} parameter makes the URI invalid. Immutable and
 * thread-safe.
 *
 * @param network the network of the address
 * @param address the address, normalised (bech32 in lower case)
 * @param amount the amount requested, if any, in the network's asset
 * @param label a label for the recipient, if any
 * @param message a message describing the payment, if any
 */
public record BitcoinPaymentUri(
    BitcoinNetwork network, String address, Optional<Money> amount, Optional<String> label, Optional<String> message) {

  private static final java.math.BigInteger MAX_SATOSHIS = java.math.BigInteger.valueOf(2_100_000_000_000_000L);

  public BitcoinPaymentUri {
    requireNonNull(network, "network");
    requireNonNull(address, "address");
    requireNonNull(amount, "amount");
    requireNonNull(label, "label");
    requireNonNull(message, "message");
    address = parseAddress(address, network).toString();
    amount.ifPresent(a -> {
      if (!a.asset().equals(network.asset())) {
        throw new IllegalArgumentException(
            "amount must be in " + network.asset().key() + ", but was " + a.asset().key());
      }
      if (!a.isPositive()) {
        throw new IllegalArgumentException("amount must be positive, but was " + a);
      }
      if (a.units().compareTo(MAX_SATOSHIS) > 0) {
        throw new IllegalArgumentException("amount must be at most 21000000 BTC, but was " + a);
      }
    });
  }

  /** A URI for {@code amount} to {@code address} with an optional label and message. */
  public static BitcoinPaymentUri of(
      BitcoinNetwork network, String address, Money amount, Optional<String> label, Optional<String> message) {
    return new BitcoinPaymentUri(network, address, Optional.of(requireNonNull(amount, "amount")), label, message);
  }

  /**
   * Parses a BIP21 URI whose address must belong to {@code network}.
   *
   * @throws IllegalArgumentException if it is not a valid BIP21 URI for that network, saying why
   */
  public static BitcoinPaymentUri parse(String uri, BitcoinNetwork network) {
    requireNonNull(uri, "uri");
    requireNonNull(network, "network");
    BitcoinURI parsed;
    try {
      parsed = BitcoinURI.of(uri.strip(), Networks.bitcoinj(network));
    } catch (BitcoinURIParseException e) {
      throw new IllegalArgumentException("not a valid BIP21 URI for bitcoin " + network.id() + ": " + e.getMessage());
    }
    if (parsed.getAddress() == null) {
      throw new IllegalArgumentException("not a payable BIP21 URI for bitcoin " + network.id() + ": it has no address");
    }
    Coin coin = parsed.getAmount();
    Optional<Money> amount = Optional.ofNullable(coin).map(c -> Money.ofUnits(network.asset(), c.value));
    return new BitcoinPaymentUri(network, parsed.getAddress().toString(), amount,
        Optional.ofNullable(parsed.getLabel()), Optional.ofNullable(parsed.getMessage()));
  }

  /** The URI text, for a link or a QR code. */
  public String toUri() {
    Coin coin = amount.map(a -> Coin.valueOf(a.units().longValueExact())).orElse(null);
    return BitcoinURI.convertToBitcoinURI(parseAddress(address, network), coin, label.orElse(null),
        message.orElse(null));
  }

  @Override
  public String toString() {
    return toUri();
  }

  static Address parseAddress(String address, BitcoinNetwork network) {
    try {
      return AddressParser.getDefault(Networks.bitcoinj(network)).parseAddress(address.strip());
    } catch (AddressFormatException e) {
      throw new IllegalArgumentException("'" + address + "' is not a valid bitcoin " + network.id() + " address");
    }
  }
}
