package io.coinssend.invoice.jdbc.tests;

import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.coinssend.invoice.InvoiceEngine;
import io.coinssend.invoice.InvoiceId;
import io.coinssend.invoice.InvoiceRequest;
import io.coinssend.invoice.Money;
import io.coinssend.invoice.jdbc.JdbcInvoiceStore;
import io.coinssend.invoice.spi.ChainFact;
import io.coinssend.invoice.spi.PaymentSeen;
import io.coinssend.invoice.testkit.ManualClock;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One engine instance in its own JVM, for {@link MultiProcessIT}: on "GO" it creates every order and reports its
 * own payment to each invoice that the plan has it pay ({@link MultiEngineIT#payers}); on "DRAIN" it waits until
 * its listener has seen the whole log and writes what it saw to a file. Arguments: JDBC URL, worker index, number
 * of orders, output file.
 */
public final class EngineWorker {

  static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");

  private EngineWorker() {}

  public static void main(String[] args) throws Exception {
    String url = args[0];
    int index = Integer.parseInt(args[1]);
    int orders = Integer.parseInt(args[2]);
    Path output = Path.of(args[3]);
    BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));

    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setMaximumPoolSize(3);
    List<String> seen = Collections.synchronizedList(new ArrayList<>());
    ScriptedWatcher watcher = new ScriptedWatcher();
    try (HikariDataSource pool = new HikariDataSource(config);
        InvoiceEngine engine = InvoiceEngine.builder()
            .store(JdbcInvoiceStore.builder(pool).build())
            .watcher(watcher)
            .clock(ManualClock.at(T0.plusSeconds(60)))
            .tickInterval(Duration.ZERO)
            .listener("worker-" + index, event -> seen.add(event.id()))
            .build()
            .start()) {
      say("READY");
      expect(commands, "GO");

      Map<String, InvoiceId> ids = new LinkedHashMap<>();
      Map<String, String> addresses = new LinkedHashMap<>();
      for (int k = 0; k < orders; k++) {
        String order = String.format("order-%02d", k);
        var invoice = engine.createInvoice(InvoiceRequest.of(order, Money.ofUnits(ScriptedWatcher.BTC, 1000)));
        ids.put(order, invoice.id());
        addresses.put(order, invoice.address());
      }
      for (int from = 0; from < orders; from += 5) {
        List<ChainFact> facts = new ArrayList<>();
        for (int k = from; k < Math.min(orders, from + 5); k++) {
          if (index < MultiEngineIT.payers(k)) {
            facts.add(PaymentSeen.inMempool(addresses.get(String.format("order-%02d", k)), MultiEngineIT.ref(k, index),
                Money.ofUnits(ScriptedWatcher.BTC, MultiEngineIT.AMOUNTS[index]), T0.plusSeconds(60)));
          }
        }
        if (!facts.isEmpty()) {
          watcher.report(facts);
        }
      }
      say("DONE");
      expect(commands, "DRAIN");

      engine.tick();
      long last = engine.store().lastEventSequence();
      await().atMost(Duration.ofSeconds(60)).until(() -> seen.size() >= last);
      List<String> report = new ArrayList<>();
      ids.forEach((order, id) -> report.add(order + "=" + id));
      report.add("--");
      report.addAll(List.copyOf(seen));
      Files.write(output, report, StandardCharsets.UTF_8);
      say("DRAINED");
    }
  }

  private static void say(String line) {
    System.out.println(line);
    System.out.flush();
  }

  private static void expect(BufferedReader commands, String command) throws java.io.IOException {
    String line = commands.readLine();
    if (!command.equals(line)) {
      throw new IllegalStateException("expected '" + command + "' from the test, but got '" + line + "'");
    }
  }
}
