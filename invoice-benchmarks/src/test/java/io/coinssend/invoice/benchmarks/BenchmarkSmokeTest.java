package io.coinssend.invoice.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;

/**
 * Every benchmark that needs no server runs once and produces a positive score, with the smallest watched set and
 * the in-memory stores. The PostgreSQL variants and pgbench run in {@link BenchmarkSmokeIT}.
 */
class BenchmarkSmokeTest {

  /** The benchmarks {@link BenchmarkSmokeIT} covers instead: they need PostgreSQL and pgbench. */
  static final List<String> SERVER_ONLY = List.of("PgbenchReference.oneClient", "PgbenchReference.fourClients");

  @Test
  void everyBenchmarkRunsOnceInMemory() throws Exception {
    List<String> registered = Smoke.registeredBenchmarks();
    assertThat(registered).hasSizeGreaterThanOrEqualTo(20).containsAll(SERVER_ONLY);

    Collection<RunResult> results = Smoke.run("io\\.coinssend\\.invoice\\.benchmarks\\.(?!PgbenchReference).*",
        Map.of("watched", "1000", "store", "memory", "deliveryStore", "memory"));

    assertThat(results).allSatisfy(result -> assertThat(result.getPrimaryResult().getScore())
        .as(Smoke.label(result)).isPositive());
    assertThat(results.stream().map(Smoke::method).distinct())
        .containsExactlyInAnyOrderElementsOf(registered.stream().filter(name -> !SERVER_ONLY.contains(name))
            .toList());
    // Both body sizes, both levels of concurrency: each parameter value of these ran, not only one.
    assertThat(results.stream().map(Smoke::label)).contains(
        "WebhookVerifyBenchmark.coinssend[bodySize=1024]", "WebhookVerifyBenchmark.coinssend[bodySize=65536]",
        "WebhookDeliveryBenchmark.dispatcher[deliveryStore=memory, inFlight=4]",
        "WebhookDeliveryBenchmark.plainLoop[inFlight=1]", "BlockMatchBenchmark.bitcoinjWallet[watched=1000]");
  }
}
