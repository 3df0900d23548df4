package io.coinssend.invoice.benchmarks.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs PostgreSQL's {@code pgbench} on {@link Postgres#PGBENCH_DATABASE}: the physical reference for the engine's
 * throughput on the same server. The executable is {@code pgbench} on the PATH unless the system property
 * {@code coinssend.bench.pgbench} names another. Thread-safe (stateless).
 */
public final class Pgbench {

  private static final Pattern PROCESSED = Pattern.compile("number of transactions actually processed: (\\d+)");
  private static final Pattern FAILED = Pattern.compile("number of failed transactions: (\\d+)");

  private Pgbench() {}

  /** The pgbench executable. */
  public static String executable() {
    return System.getProperty("coinssend.bench.pgbench", "pgbench");
  }

  /** Whether the pgbench executable runs. */
  public static boolean available() {
    try {
      return run(List.of(executable(), "--version"), 30).contains("pgbench");
    } catch (IllegalStateException e) {
      return false;
    }
  }

  /** Creates the database if needed and loads pgbench's tables at scale factor 1 (100,000 accounts), afresh. */
  public static void initialise() {
    Postgres.ensureDatabase(Postgres.PGBENCH_DATABASE);
    List<String> command = connection("-i");
    command.add("-q");
    command.add("-s");
    command.add("1");
    command.add(Postgres.PGBENCH_DATABASE);
    run(command, 300);
  }

  /**
   * Runs the built-in simple-update script ({@code -N}: three statements and an insert per transaction, in one
   * transaction) with {@code clients} clients for {@code seconds} seconds.
   *
   * @return how many transactions completed
   * @throws IllegalStateException if pgbench fails or reports failed transactions
   */
  public static long simpleUpdate(int clients, int seconds) {
    List<String> command = connection("-n");
    command.add("-N");
    command.add("-c");
    command.add(Integer.toString(clients));
    command.add("-j");
    command.add(Integer.toString(clients));
    command.add("-T");
    command.add(Integer.toString(seconds));
    command.add(Postgres.PGBENCH_DATABASE);
    String output = run(command, seconds + 60L);
    Matcher processed = PROCESSED.matcher(output);
    if (!processed.find()) {
      throw new IllegalStateException("pgbench printed no transaction count:\n" + output);
    }
    Matcher failed = FAILED.matcher(output);
    if (failed.find() && Long.parseLong(failed.group(1)) > 0) {
      throw new IllegalStateException("pgbench reported failed transactions:\n" + output);
    }
    return Long.parseLong(processed.group(1));
  }

  private static List<String> connection(String first) {
    List<String> command = new ArrayList<>();
    command.add(executable());
    command.add(first);
    command.add("-h");
    command.add(Postgres.host());
    command.add("-p");
    command.add(Integer.toString(Postgres.port()));
    command.add("-U");
    command.add(Postgres.user());
    return command;
  }

  private static String run(List<String> command, long timeoutSeconds) {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    if (!Postgres.password().isEmpty()) {
      builder.environment().put("PGPASSWORD", Postgres.password());
    }
    try {
      Process process = builder.start();
      byte[] output = process.getInputStream().readAllBytes();
      if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(command.get(0) + " did not finish within " + timeoutSeconds + " s");
      }
      String text = new String(output, StandardCharsets.UTF_8);
      if (process.exitValue() != 0) {
        throw new IllegalStateException(command.get(0) + " exited with " + process.exitValue() + ":\n" + text);
      }
      return text;
    } catch (IOException e) {
      throw new IllegalStateException("could not run " + command.get(0) + " (" + e.getMessage() + ")", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while " + command.get(0) + " ran", e);
    }
  }
}
