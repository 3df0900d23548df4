package io.coinssend.invoice.bitcoin;

import java.io.PrintStream;
import java.util.List;

/**
 * A command-line check of an account key: prints the first receiving addresses it derives, to compare with the
 * merchant's wallet before any invoice is created.
 *
 * <pre>
 * java -cp invoice-chain-bitcoin.jar:... io.coinssend.invoice.bitcoin.AddressCheck \
 *     mainnet zpub6rFR7y... [p2wpkh|p2tr|p2pkh] [count]
 * </pre>
 *
 * <p>Exit status 0 on success, 2 on a usage error or an invalid key (the reason is printed).
 */
public final class AddressCheck {

  private AddressCheck() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs the check, printing to {@code out} and {@code err}; returns the exit status. */
  static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length < 2 || args.length > 4) {
      err.println("usage: AddressCheck <mainnet|testnet|signet|regtest> <xpub|zpub|tpub|vpub> "
          + "[p2wpkh|p2tr|p2pkh] [count, default 10]");
      return 2;
    }
    try {
      BitcoinNetwork network = BitcoinNetwork.of(args[0]);
      AccountKey key = AccountKey.parse(args[1], network);
      AddressType type = args.length > 2 ? AddressType.of(args[2]) : BitcoinWatcher.DEFAULT_ADDRESS_TYPE;
      int count = args.length > 3 ? Integer.parseInt(args[3]) : 10;
      List<String> addresses = key.firstAddresses(type, count);
      out.println(key + ", " + type.id() + " receive addresses:");
      for (int i = 0; i < addresses.size(); i++) {
        out.println("0/" + i + "  " + addresses.get(i));
      }
      return 0;
    } catch (IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      return 2;
    }
  }
}
