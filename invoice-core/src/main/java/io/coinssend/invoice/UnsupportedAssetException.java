package io.coinssend.invoice;

/** No chain watcher configured in the engine serves the asset asked for. */
public class UnsupportedAssetException extends InvoiceException {

  private static final long serialVersionUID = 1L;

  private final transient Asset asset;

  public UnsupportedAssetException(Asset asset, java.util.Collection<Asset> supported) {
    super("no chain watcher serves " + asset.key() + "; this engine serves " + supported);
    this.asset = asset;
  }

  public Asset asset() {
    return asset;
  }
}
