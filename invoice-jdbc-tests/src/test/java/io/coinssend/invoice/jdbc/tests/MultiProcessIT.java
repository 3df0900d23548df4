package io.coinssend.invoice.jdbc.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.coinssend.invoice.Invoice;
import io.coinssend.invoice.InvoiceStatus;
import io.coinssend.invoice.Payment;
import io.coinssend.invoice.PaymentRef;
import io.coinssend.invoice.jdbc.JdbcInvoiceStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Three engine instances in three JVMs ({@link EngineWorker}) on one PostgreSQL schema: they create the same orders
 * at once and feed overlapping payments to the same invoices. Afterwards the log is consistent, every process got
 * the same invoice for each order, no derivation index was handed out twice, and each process's listener saw the
 * whole log once, in order.
 */
class MultiProcessIT {

  private static final int WORKERS = 3;
  private static final int ORDERS = 30;

  @Test
  void threeJvmsOnOneDatabaseLoseNothingAndSeeEverything() throws Exception {
    try (TestDatabase db = TestDatabase.postgres()) {
      JdbcInvoiceStore store = JdbcInvoiceStore.builder(db.dataSource()).createTablesIfMissing(true).build();
      List<ChildJvm> workers = new ArrayList<>();
      List<Path> outputs = new ArrayList<>();
      try {
        for (int i = 0; i < WORKERS; i++) {
          Path output = Path.of("target", "child-jvms", db.name() + "-worker-" + i + ".txt");
          outputs.add(output);
          workers.add(ChildJvm.start(EngineWorker.class, db.name() + "-worker-" + i,
              db.url(db.name() + "-worker-" + i), String.valueOf(i), String.valueOf(ORDERS), output.toString()));
        }
        for (ChildJvm worker : workers) {
          worker.await("READY", Duration.ofSeconds(60));
        }
        for (ChildJvm worker : workers) {
          worker.send("GO");
        }
        for (ChildJvm worker : workers) {
          worker.await("DONE", Duration.ofSeconds(120));
        }
        for (ChildJvm worker : workers) {
          worker.send("DRAIN");
        }
        for (ChildJvm worker : workers) {
          worker.await("DRAINED", Duration.ofSeconds(90));
          assertThat(worker.exitCode(Duration.ofSeconds(30))).isZero();
        }
      } finally {
        for (ChildJvm worker : workers) {
          worker.close();
        }
      }

      LogAudit audit = LogAudit.of(store).assertConsistent();
      assertThat(audit.invoices).hasSize(ORDERS);
      assertThat(audit.invoices.values().stream().map(Invoice::derivationIndex).toList())
          .as("no derivation index handed out twice across JVMs").doesNotHaveDuplicates();
      List<String> firstMapping = null;
      for (Path output : outputs) {
        List<String> lines = Files.readAllLines(output, StandardCharsets.UTF_8);
        int separator = lines.indexOf("--");
        List<String> mapping = lines.subList(0, separator);
        List<String> seen = lines.subList(separator + 1, lines.size());
        if (firstMapping == null) {
          firstMapping = mapping;
        }
        assertThat(mapping).as("the same invoice for each order in every JVM").isEqualTo(firstMapping)
            .hasSize(ORDERS);
        assertThat(seen).as("the listener of " + output.getFileName() + " saw the whole log once, in order")
            .isEqualTo(audit.ids());
      }
      for (String entry : firstMapping) {
        int k = Integer.parseInt(entry.substring("order-".length(), entry.indexOf('=')));
        Invoice invoice = audit.invoices.get(io.coinssend.invoice.InvoiceId.of(entry.substring(entry.indexOf('=')
            + 1)));
        Set<PaymentRef> expected = new HashSet<>();
        for (int j = 0; j < MultiEngineIT.payers(k); j++) {
          expected.add(MultiEngineIT.ref(k, j));
        }
        assertThat(invoice.payments().stream().map(Payment::ref).toList()).as("order " + k)
            .containsExactlyInAnyOrderElementsOf(expected);
        InvoiceStatus status = switch (MultiEngineIT.payers(k)) {
          case 0 -> InvoiceStatus.NEW;
          case 2 -> InvoiceStatus.PARTIALLY_PAID;
          default -> InvoiceStatus.PENDING;
        };
        assertThat(invoice.status()).as("order " + k).isEqualTo(status);
      }
    }
  }
}
