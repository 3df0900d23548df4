package io.coinssend.invoice.testkit;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import org.junit.jupiter.api.Assumptions;

/**
 * For tests that need a real server (PostgreSQL, MariaDB, anvil, Chromium): such a test skips with a clear message
 * when the server is absent, and fails instead when the environment variable {@code CI} is {@code true}, so a CI run
 * can never pass by skipping.
 */
public final class ExternalServices {

  private ExternalServices() {}

  /** Whether this run is a CI run ({@code CI=true}). */
  public static boolean inCi() {
    return "true".equalsIgnoreCase(System.getenv("CI"));
  }

  /**
   * Continues if {@code available}; otherwise skips the test with {@code why} (or fails it under {@code CI=true}).
   *
   * @param why what is missing and how to provide it, for example "PostgreSQL is not answering on 127.0.0.1:5432
   *     (start it with .ci/setup/10-databases.sh)"
   */
  public static void require(boolean available, String why) {
    requireNonNull(why, "why");
    if (available) {
      return;
    }
    if (inCi()) {
      throw new AssertionError("CI=true but a required service is missing: " + why);
    }
    Assumptions.abort("skipped: " + why);
  }

  /** Whether something accepts TCP connections on {@code host:port} within a second. */
  public static boolean answers(String host, int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), 1000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
