package io.coinssend.invoice.examples.checkout;

import io.coinssend.invoice.Asset;
import io.coinssend.invoice.Deposit;
import io.coinssend.invoice.DepositAddress;
import io.coinssend.invoice.InvoiceEngine;
import io.coinssend.invoice.json.InvoiceJson;
import io.coinssend.invoice.spi.DepositQuery;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** A customer's wallet: their static deposit address for an asset, their deposits and totals. */
@RestController
@RequestMapping("/api/customers")
public class WalletApi {

  private final InvoiceEngine engine;

  public WalletApi(InvoiceEngine engine) {
    this.engine = engine;
  }

  @GetMapping("/{customer}/wallet")
  public Map<String, Object> wallet(@PathVariable("customer") String customer,
      @RequestParam(name = "asset", defaultValue = "BTC") String assetCode) {
    Asset asset = DemoAssets.byCode(assetCode).orElseThrow(() -> new ApiException(HttpStatus.BAD_REQUEST, "asset",
        "unknown asset '" + assetCode + "'; use one of " + DemoAssets.all().keySet()));
    DepositAddress address;
    try {
      address = engine.depositAddress(customer, asset);
    } catch (IllegalArgumentException e) {
      throw new ApiException(HttpStatus.BAD_REQUEST, "customer", e.getMessage());
    }
    List<Object> deposits = new ArrayList<>();
    for (Deposit deposit : engine.listDeposits(DepositQuery.all().withCustomer(customer))) {
      deposits.add(0, InvoiceJson.toNode(deposit));
    }
    List<Object> totals = new ArrayList<>();
    engine.depositTotals(customer).forEach(t -> totals.add(Map.of("asset", t.asset().code(),
        "confirmed", t.confirmed().toPlainString(), "pending", t.pending().toPlainString())));
    Map<String, Object> wallet = new LinkedHashMap<>();
    wallet.put("customer", customer);
    wallet.put("asset", asset.code());
    wallet.put("network", address.network());
    wallet.put("address", address.address());
    wallet.put("paymentUri", address.paymentUri());
    wallet.put("qrSvg", QrCodes.svg(address.paymentUri()));
    wallet.put("deposits", deposits);
    wallet.put("totals", totals);
    return wallet;
  }
}
