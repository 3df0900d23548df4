package io.coinssend.invoice.benchmarks.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a JMH JSON result file and prints, in Markdown, each figure beside its peers and each target with whether
 * it was met. {@code java -cp benchmarks.jar io.coinssend.invoice.benchmarks.internal.Summary result.json}. A figure
 * missing from the file (a benchmark not run) is shown as such; nothing is guessed.
 */
public final class Summary {

  private final Map<String, Figure> figures = new LinkedHashMap<>();
  private final PrintStream out;

  /** One benchmark's score with its 99.9 % error, in its unit. */
  record Figure(double score, double error, String unit) {
    String show() {
      return format(score) + " ± " + format(error) + " " + unit;
    }
  }

  private Summary(JsonNode results, PrintStream out) {
    this.out = out;
    for (JsonNode run : results) {
      String name = run.get("benchmark").asText();
      name = name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1);
      List<String> params = new ArrayList<>();
      JsonNode values = run.get("params");
      if (values != null) {
        values.properties().forEach(entry -> params.add(entry.getKey() + "=" + entry.getValue().asText()));
      }
      String key = name + params;
      JsonNode primary = run.get("primaryMetric");
      figures.put(key, figure(primary));
      JsonNode secondary = run.get("secondaryMetrics");
      if (secondary != null) {
        secondary.properties().forEach(entry -> figures.put(key + ":" + entry.getKey(), figure(entry.getValue())));
      }
    }
  }

  private static Figure figure(JsonNode metric) {
    double error = metric.get("scoreError").isNumber() ? metric.get("scoreError").asDouble() : Double.NaN;
    return new Figure(metric.get("score").asDouble(), error, metric.get("scoreUnit").asText());
  }

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: Summary <jmh-result.json>");
      System.exit(2);
    }
    JsonNode results = new ObjectMapper().readTree(Files.readString(Path.of(args[0]), StandardCharsets.UTF_8));
    new Summary(results, new PrintStream(System.out, true, StandardCharsets.UTF_8)).print();
  }

  private void print() {
    out.println("## 1. Webhook verification (ops/s, higher is better)");
    out.println();
    out.println("| body | coinssend | rawHmac | standardwebhooks | stripe | coinssend / raw | target | met |");
    out.println("|---|---|---|---|---|---|---|---|");
    for (String size : List.of("1024", "65536")) {
      String p = "[bodySize=" + size + "]";
      Optional<Figure> ours = find("WebhookVerifyBenchmark.coinssend" + p);
      Optional<Figure> raw = find("WebhookVerifyBenchmark.rawHmac" + p);
      double target = size.equals("1024") ? 0.90 : 0.95;
      out.println("| " + size + " B | " + show(ours) + " | " + show(raw) + " | "
          + show(find("WebhookVerifyBenchmark.standardwebhooks" + p)) + " | " + show(find("WebhookVerifyBenchmark.stripe" + p))
          + " | " + ratio(ours, raw) + " | ≥ " + target + " | " + atLeast(ours, raw, target) + " |");
    }
    out.println();
    out.println("With the three header values instead of the header map (coinssendHeaderValues):");
    for (String size : List.of("1024", "65536")) {
      String p = "[bodySize=" + size + "]";
      Optional<Figure> values = find("WebhookVerifyBenchmark.coinssendHeaderValues" + p);
      out.println("- " + size + " B: " + show(values) + ", / raw " + ratio(values, find("WebhookVerifyBenchmark.rawHmac" + p)));
    }
    out.println();
    out.println("Signing (ops/s): ");
    for (String size : List.of("1024", "65536")) {
      String p = "[bodySize=" + size + "]";
      out.println("- " + size + " B: coinssend " + show(find("WebhookSignBenchmark.coinssend" + p)) + ", rawHmac "
          + show(find("WebhookSignBenchmark.rawHmac" + p)) + ", standardwebhooks "
          + show(find("WebhookSignBenchmark.standardwebhooks" + p)));
    }
    out.println();
    out.println("## 2. Block matching (µs per block, lower is better)");
    out.println();
    out.println("| watched | coinssend | bitcoinjHashSet | bitcoinjWallet | bitcoinjParse |");
    out.println("|---|---|---|---|---|");
    Optional<Figure> parse = find("BlockMatchBenchmark.bitcoinjParse[]");
    for (String n : List.of("1000", "100000", "1000000")) {
      String p = "[watched=" + n + "]";
      out.println("| " + n + " | " + show(find("BlockMatchBenchmark.coinssend" + p)) + " | "
          + show(find("BlockMatchBenchmark.bitcoinjHashSet" + p)) + " | "
          + show(find("BlockMatchBenchmark.bitcoinjWallet" + p)) + " | " + show(parse) + " |");
    }
    Optional<Figure> small = find("BlockMatchBenchmark.coinssend[watched=1000]");
    Optional<Figure> large = find("BlockMatchBenchmark.coinssend[watched=1000000]");
    Optional<Figure> wallet = find("BlockMatchBenchmark.bitcoinjWallet[watched=1000000]");
    out.println();
    out.println("- flat: coinssend at 1,000,000 / at 1,000 = " + ratio(large, small) + " (target ≤ 1.2): "
        + atMost(large, small, 1.2));
    out.println("- vs Wallet at 1,000,000: Wallet / coinssend = " + ratio(wallet, large) + " (target ≥ 2): "
        + atLeast(wallet, large, 2.0));
    out.println("- stretch, below parse alone at 1,000,000: coinssend / parse = " + ratio(large, parse) + ": "
        + atMost(large, parse, 1.0));
    out.println();
    out.println("## 3. Engine throughput");
    out.println();
    out.println("| clients | memory lifecycles/s | PostgreSQL lifecycles/s | pgbench -N TPS | PG / pgbench | target | met |");
    out.println("|---|---|---|---|---|---|---|");
    for (String clients : List.of("oneClient", "fourClients")) {
      Optional<Figure> pg = find("EngineLifecycleBenchmark." + clients + "[store=postgresql]");
      Optional<Figure> pgbench = figures.entrySet().stream()
          .filter(e -> e.getKey().startsWith("PgbenchReference." + clients + "[") && e.getKey().endsWith(":transactions"))
          .map(Map.Entry::getValue).findFirst();
      out.println("| " + (clients.equals("oneClient") ? 1 : 4) + " | "
          + show(find("EngineLifecycleBenchmark." + clients + "[store=memory]")) + " | " + show(pg) + " | "
          + show(pgbench) + " | " + ratio(pg, pgbench) + " | ≥ 0.333 | " + atLeast(pg, pgbench, 1.0 / 3) + " |");
    }
    Optional<Figure> block = find("BlockApplyBenchmark.applyBlock[store=postgresql]");
    out.println();
    out.println("- 1,000-payment block: memory " + show(find("BlockApplyBenchmark.applyBlock[store=memory]"))
        + ", PostgreSQL " + show(block) + " (target ≤ 250 ms): "
        + block.map(f -> f.score() <= 250 ? "met" : "MISSED").orElse("not run"));
    out.println();
    out.println("## 4. Webhook delivery (deliveries/s, higher is better)");
    out.println();
    out.println("| in flight | dispatcher, memory store | dispatcher, PostgreSQL store | plain loop | memory / plain | "
        + "PostgreSQL / plain | target | met (memory, PostgreSQL) |");
    out.println("|---|---|---|---|---|---|---|---|");
    for (String inFlight : List.of("1", "4")) {
      Optional<Figure> memory = find("WebhookDeliveryBenchmark.dispatcher[deliveryStore=memory, inFlight=" + inFlight + "]");
      Optional<Figure> pg = find("WebhookDeliveryBenchmark.dispatcher[deliveryStore=postgresql, inFlight=" + inFlight + "]");
      Optional<Figure> plain = find("WebhookDeliveryBenchmark.plainLoop[inFlight=" + inFlight + "]");
      out.println("| " + inFlight + " | " + show(memory) + " | " + show(pg) + " | " + show(plain) + " | "
          + ratio(memory, plain) + " | " + ratio(pg, plain) + " | ≥ 0.7 | " + atLeast(memory, plain, 0.7) + ", "
          + atLeast(pg, plain, 0.7) + " |");
    }
    out.println();
    out.println("## 5. Address derivation (addresses/s, higher is better)");
    out.println();
    Optional<Figure> ours = find("AddressDerivationBenchmark.coinssend[]");
    Optional<Figure> direct = find("AddressDerivationBenchmark.bitcoinjDirect[]");
    out.println("- coinssend " + show(ours) + ", bitcoinj HDKeyDerivation " + show(direct) + ", ratio "
        + ratio(ours, direct) + " (target: no slower, within the error bars): " + noSlower(ours, direct));
    out.println("- coinssend P2TR (BIP86 tweak, no peer): " + show(find("AddressDerivationBenchmark.coinssendTaproot[]")));
    out.println();
    out.println("## 6. Engine tick (µs per tick with nothing due, lower is better)");
    out.println();
    Optional<Figure> fewWatched = find("EngineTickBenchmark.tick[watched=1000]");
    Optional<Figure> manyWatched = find("EngineTickBenchmark.tick[watched=100000]");
    out.println("- 1,000 watched " + show(fewWatched) + ", 100,000 watched " + show(manyWatched) + ", ratio "
        + ratio(manyWatched, fewWatched) + " (target ≤ 1.2): " + atMost(manyWatched, fewWatched, 1.2));
  }

  private Optional<Figure> find(String key) {
    return Optional.ofNullable(figures.get(key));
  }

  private static String show(Optional<Figure> figure) {
    return figure.map(Figure::show).orElse("not run");
  }

  private static String ratio(Optional<Figure> a, Optional<Figure> b) {
    if (a.isEmpty() || b.isEmpty()) {
      return "–";
    }
    return String.format(Locale.ROOT, "%.2f", a.get().score() / b.get().score());
  }

  private static String atLeast(Optional<Figure> a, Optional<Figure> b, double target) {
    if (a.isEmpty() || b.isEmpty()) {
      return "not run";
    }
    return a.get().score() / b.get().score() >= target ? "met" : "MISSED";
  }

  private static String atMost(Optional<Figure> a, Optional<Figure> b, double target) {
    if (a.isEmpty() || b.isEmpty()) {
      return "not run";
    }
    return a.get().score() / b.get().score() <= target ? "met" : "MISSED";
  }

  private static String noSlower(Optional<Figure> ours, Optional<Figure> theirs) {
    if (ours.isEmpty() || theirs.isEmpty()) {
      return "not run";
    }
    Figure a = ours.get();
    Figure b = theirs.get();
    return a.score() + a.error() >= b.score() - b.error() ? "met" : "MISSED";
  }

  private static String format(double value) {
    if (Double.isNaN(value)) {
      return "?";
    }
    if (Math.abs(value) >= 100) {
      return String.format(Locale.ROOT, "%,.0f", value);
    }
    return String.format(Locale.ROOT, "%.2f", value);
  }
}
