package io.coinssend.invoice.bitcoin;

/** Public test keys from the published vectors (shared/vectors/VECTORS.md). */
final class TestKeys {

  private TestKeys() {}

  /** The same extended key re-encoded with other SLIP-132 version bytes (a test input, e.g. a vpub as tpub). */
  static String withVersion(String key, int version) {
    byte[] data = org.bitcoinj.base.Base58.decodeChecked(key);
    java.nio.ByteBuffer.wrap(data).putInt(version);
    byte[] checksum = org.bitcoinj.base.Sha256Hash.hashTwice(data);
    byte[] encoded = java.util.Arrays.copyOf(data, data.length + 4);
    System.arraycopy(checksum, 0, encoded, data.length, 4);
    return org.bitcoinj.base.Base58.encode(encoded);
  }

  /** BIP84 testnet account m/84'/1'/0' of "abandon ×11 about". */
  static final String BIP84_VPUB =
      "vpub5Y6cjg78GGuNLsaPhmYsiw4gYX3HoQiRBiSwDaBXKUafCt9bNwWQiitDk5VZ5BVxYnQdwoTyXSs2JHRPAgjAvtbBrf8ZhDYe2jWAqvZVnsc";
  /** BIP84 mainnet account m/84'/0'/0'. */
  static final String BIP84_ZPUB =
      "zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs";
  /** The same BIP84 account key as xpub. */
  static final String BIP84_XPUB =
      "xpub6CatWdiZiodmUeTDp8LT5or8nmbKNcuyvz7WyksVFkKB4RHwCD3XyuvPEbvqAQY3rAPshWcMLoP2fMFMKHPJ4ZeZXYVUhLv1VMrjPC7PW6V";
  /** BIP86 mainnet account m/86'/0'/0'. */
  static final String BIP86_XPUB =
      "xpub6BgBgsespWvERF3LHQu6CnqdvfEvtMcQjYrcRzx53QJjSxarj2afYWcLteoGVky7D3UKDP9QyrLprQ3VCECoY49yfdDEHGCtMMj92pReUsQ";
}
