package io.coinssend.invoice.examples.checkout;

import io.coinssend.invoice.Asset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** The assets the demo sells in, on two simulated chains. */
public final class DemoAssets {

  public static final Asset BTC = Asset.BTC_REGTEST;
  public static final Asset ETH = Asset.nativeCoin("ETH", "ethereum", "sim", 18);
  public static final Asset USDT = Asset.token("USDT", "ethereum", "sim", 6, "0x5151515151515151515151515151515151515151");

  private static final Map<String, Asset> BY_CODE = new LinkedHashMap<>();

  static {
    BY_CODE.put("BTC", BTC);
    BY_CODE.put("ETH", ETH);
    BY_CODE.put("USDT", USDT);
  }

  private DemoAssets() {}

  /** The asset with ticker {@code code} (case-insensitive). */
  public static Optional<Asset> byCode(String code) {
    return code == null ? Optional.empty() : Optional.ofNullable(BY_CODE.get(code.toUpperCase(java.util.Locale.ROOT)));
  }

  public static Map<String, Asset> all() {
    return BY_CODE;
  }
}
