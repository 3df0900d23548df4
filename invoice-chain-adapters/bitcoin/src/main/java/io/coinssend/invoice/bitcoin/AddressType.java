package io.coinssend.invoice.bitcoin;

import static java.util.Objects.requireNonNull;

import java.util.Locale;

/** The kind of address (output script) derived for each invoice. */
public enum AddressType {
  /** Native segwit v0, pay-to-witness-public-key-hash (BIP84, {@code bc1q…}); the default. */
  P2WPKH,
  /** Taproot key-path only, with the BIP86 key tweak ({@code bc1p…}). */
  P2TR,
  /** Legacy pay-to-public-key-hash (BIP44, {@code 1…}). */
  P2PKH;

  /** The lower-case name used in derivation keys and configuration, such as {@code p2wpkh}. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The type named {@code id} ({@code p2wpkh}, {@code p2tr} or {@code p2pkh}, in any case).
   *
   * @throws IllegalArgumentException for any other name
   */
  public static AddressType of(String id) {
    requireNonNull(id, "id");
    for (AddressType type : values()) {
      if (type.id().equalsIgnoreCase(id.trim())) {
        return type;
      }
    }
    throw new IllegalArgumentException("address type must be p2wpkh, p2tr or p2pkh, but was '" + id + "'");
  }
}
