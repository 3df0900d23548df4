package io.coinssend.invoice.jdbc.tests;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A JVM started with this test's class path running one {@code main}, spoken to by lines on its standard input and
 * output; its standard error goes to a log file under {@code target/child-jvms/}.
 */
final class ChildJvm implements AutoCloseable {

  private final Process process;
  private final Writer input;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final List<String> all = new ArrayList<>();
  private final Thread reader;

  private ChildJvm(Process process) {
    this.process = process;
    this.input = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    this.reader = new Thread(() -> {
      try (BufferedReader output = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = output.readLine()) != null) {
          synchronized (all) {
            all.add(line);
          }
          lines.add(line);
        }
      } catch (IOException e) {
        // the child died; its lines so far are kept
      }
    }, "child-jvm-output");
    reader.setDaemon(true);
    reader.start();
  }

  static ChildJvm start(Class<?> main, String name, String... args) throws IOException {
    Path logs = Path.of("target", "child-jvms");
    Files.createDirectories(logs);
    String java = ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp",
        System.getProperty("java.class.path"), main.getName()));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command)
        .redirectError(logs.resolve(name + ".log").toFile())
        .start();
    return new ChildJvm(process);
  }

  /** Waits for the next line from the child that starts with {@code prefix}, skipping others. */
  String await(String prefix, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (line == null) {
        throw new AssertionError("the child printed no line starting with '" + prefix + "' within " + timeout
            + " (alive: " + process.isAlive() + "; see target/child-jvms/)");
      }
      if (line.startsWith(prefix)) {
        return line;
      }
    }
  }

  void send(String line) throws IOException {
    input.write(line + "\n");
    input.flush();
  }

  /** Waits for the child to exit by itself and returns its exit code. */
  int exitCode(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("the child did not exit within " + timeout);
    }
    return process.exitValue();
  }

  /** Kills the child with SIGKILL (kill -9), waits until it is gone and its output is read to the end. */
  void killHard() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new AssertionError("the child survived SIGKILL");
    }
    reader.join(TimeUnit.SECONDS.toMillis(10));
  }

  /** Every line the child printed so far. */
  List<String> lines() {
    synchronized (all) {
      return List.copyOf(all);
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      try {
        killHard();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
