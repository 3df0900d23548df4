package io.coinssend.invoice;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Invoices and payments for rule tests: 100,000 sat due, created at T0, expiring 15 minutes later. */
final class Fixtures {

  static final Instant T0 = Instant.parse("2026-05-01T10:00:00Z");
  static final Instant EXPIRES = T0.plus(Duration.ofMinutes(15));
  static final long DUE = 100_000;

  private Fixtures() {}

  static Invoice invoice(PaymentPolicy policy, Payment... payments) {
    return invoice(policy, Optional.empty(), payments);
  }

  static Invoice invoice(PaymentPolicy policy, Optional<Resolution> resolution, Payment... payments) {
    return new Invoice(InvoiceId.of("inv_rules"), "order-1", Money.ofUnits(Asset.BTC, DUE), "bc1qrules", 0,
        "bitcoin:bc1qrules", T0, EXPIRES, policy, InvoiceStatus.NEW, StatusReason.AWAITING_PAYMENT, List.of(payments),
        resolution, Map.of(), List.of(), 1);
  }

  static BlockRef block(long height) {
    return new BlockRef(height, "hash-" + height, T0.plusSeconds(height));
  }

  static Optional<BlockRef> tip(long height) {
    return Optional.of(block(height));
  }

  /** An unconfirmed payment first seen at {@code seen}. */
  static Payment mempool(String txid, long sat, Instant seen) {
    return new Payment(new PaymentRef(txid, 0), Money.ofUnits(Asset.BTC, sat), seen, Optional.empty(),
        Optional.empty(), false, false, Optional.empty(), 1);
  }

  /** A payment in the block at {@code height}, first seen at {@code seen}. */
  static Payment mined(String txid, long sat, Instant seen, long height) {
    return new Payment(new PaymentRef(txid, 0), Money.ofUnits(Asset.BTC, sat), seen, Optional.of(block(height)),
        Optional.empty(), false, false, Optional.empty(), 1);
  }

  static Payment reversed(String txid, long sat, Instant seen, ReversalCause cause, long confirmationsBefore) {
    return new Payment(new PaymentRef(txid, 0), Money.ofUnits(Asset.BTC, sat), seen, Optional.empty(),
        Optional.of(new Reversal(cause, confirmationsBefore)), false, false, Optional.empty(), 1);
  }

  static Payment foreign(String txid, Instant seen) {
    Asset token = Asset.token("SIMX", "bitcoin", "mainnet", 6, "rune-1");
    return new Payment(new PaymentRef(txid, 0), Money.ofUnits(token, 5), seen, Optional.empty(), Optional.empty(),
        false, false, Optional.empty(), 1);
  }

  static Payment held(Payment payment, String reason) {
    return new Payment(payment.ref(), payment.amount(), payment.firstSeenAt(), payment.block(), payment.reversal(),
        false, false, Optional.of(reason), payment.sequence());
  }

  static Optional<Resolution> resolution(MerchantAction action, Payment... acknowledged) {
    Set<PaymentRef> refs = new java.util.LinkedHashSet<>();
    for (Payment payment : acknowledged) {
      refs.add(payment.ref());
    }
    return Optional.of(new Resolution(action, "alice", "checked", T0.plusSeconds(3600), refs));
  }
}
