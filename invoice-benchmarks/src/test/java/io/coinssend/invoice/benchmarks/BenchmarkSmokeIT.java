package io.coinssend.invoice.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import io.coinssend.invoice.benchmarks.internal.Pgbench;
import io.coinssend.invoice.benchmarks.internal.Postgres;
import io.coinssend.invoice.testkit.ExternalServices;
import java.util.Collection;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;

/**
 * The benchmarks on PostgreSQL, and the pgbench reference beside them, run once each and produce a positive score.
 * Skips without PostgreSQL or pgbench (fails under {@code CI=true}).
 */
class BenchmarkSmokeIT {

  @Test
  void postgresqlBenchmarksAndPgbenchRunOnce() throws Exception {
    ExternalServices.require(Postgres.answers(),
        Postgres.describe() + " is not answering (start it with .ci/setup/10-databases.sh)");
    ExternalServices.require(Pgbench.available(),
        "pgbench (" + Pgbench.executable() + ") does not run (install it with .ci/setup/40-pgbench.sh)");

    Collection<RunResult> results = Smoke.run(
        "io\\.coinssend\\.invoice\\.benchmarks\\.(EngineLifecycleBenchmark|BlockApplyBenchmark"
            + "|WebhookDeliveryBenchmark\\.dispatcher|PgbenchReference).*",
        Map.of("store", "postgresql", "deliveryStore", "postgresql", "inFlight", "4", "seconds", "1"));

    assertThat(results).allSatisfy(result -> assertThat(result.getPrimaryResult().getScore())
        .as(Smoke.label(result)).isPositive());
    assertThat(results.stream().map(Smoke::label)).containsExactlyInAnyOrder(
        "EngineLifecycleBenchmark.oneClient[store=postgresql]",
        "EngineLifecycleBenchmark.fourClients[store=postgresql]",
        "BlockApplyBenchmark.applyBlock[store=postgresql]",
        "WebhookDeliveryBenchmark.dispatcher[deliveryStore=postgresql, inFlight=4]",
        "PgbenchReference.oneClient[seconds=1]",
        "PgbenchReference.fourClients[seconds=1]");
    // pgbench's own count is the figure that matters for the reference, not the number of pgbench runs.
    for (RunResult result : results) {
      if (Smoke.method(result).startsWith("PgbenchReference")) {
        assertThat(result.getSecondaryResults()).containsKey("transactions");
        assertThat(result.getSecondaryResults().get("transactions").getScore()).as(Smoke.label(result)).isPositive();
      }
    }
  }
}
