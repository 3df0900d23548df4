package io.coinssend.invoice.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs benchmarks once, in this JVM, with one short measurement and no warm-up: it shows that they run and produce a
 * result, not how fast they are.
 */
final class Smoke {

  private Smoke() {}

  /** Every benchmark method the annotation processor registered, as {@code Class.method} (simple class names). */
  static List<String> registeredBenchmarks() throws IOException {
    TreeSet<String> names = new TreeSet<>();
    try (InputStream list = Smoke.class.getResourceAsStream(BenchmarkList.BENCHMARK_LIST)) {
      if (list == null) {
        throw new IllegalStateException("no " + BenchmarkList.BENCHMARK_LIST + ": was the JMH processor run?");
      }
      for (BenchmarkListEntry entry : BenchmarkList.readBenchmarkList(list)) {
        names.add(simpleName(entry.getUsername()));
      }
    }
    return List.copyOf(names);
  }

  /** Runs the benchmarks matching {@code include} once each, with {@code params} narrowing their parameters. */
  static Collection<RunResult> run(String include, Map<String, String> params) throws RunnerException {
    ChainedOptionsBuilder options = new OptionsBuilder()
        .include(include)
        .forks(0)
        .warmupIterations(0)
        .measurementIterations(1)
        .measurementTime(TimeValue.milliseconds(300))
        .shouldFailOnError(true)
        .verbosity(VerboseMode.SILENT);
    params.forEach(options::param);
    return new Runner(options.build()).run();
  }

  /** {@code Class.method} of a result, with its parameters: {@code Class.method{key=value, …}}. */
  static String label(RunResult result) {
    var params = result.getParams();
    List<String> values = new ArrayList<>();
    for (String key : params.getParamsKeys()) {
      values.add(key + "=" + params.getParam(key));
    }
    return simpleName(params.getBenchmark()) + (values.isEmpty() ? "" : values.toString());
  }

  /** {@code Class.method} of a benchmark's full name. */
  static String method(RunResult result) {
    return simpleName(result.getParams().getBenchmark());
  }

  private static String simpleName(String benchmark) {
    String[] parts = benchmark.split("\\.");
    return parts[parts.length - 2] + "." + parts[parts.length - 1];
  }
}
