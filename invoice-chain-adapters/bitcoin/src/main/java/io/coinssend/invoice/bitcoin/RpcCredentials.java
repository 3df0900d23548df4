package io.coinssend.invoice.bitcoin;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

/**
 * How to authenticate to Bitcoin Core's JSON-RPC: a user and password ({@code rpcuser}/{@code rpcpassword} or
 * {@code rpcauth}), or the node's cookie file ({@code <datadir>/.cookie}, re-read when the node restarts and refuses
 * the old one).
 *
 * <p>Immutable and thread-safe. The password never appears in {@link #toString()}, logs or exception messages.
 */
public final class RpcCredentials {

  private final String user;
  private final String password;
  private final Path cookieFile;

  private RpcCredentials(String user, String password, Path cookieFile) {
    this.user = user;
    this.password = password;
    this.cookieFile = cookieFile;
  }

  /** A fixed user and password. */
  public static RpcCredentials userPassword(String user, String password) {
    requireNonNull(user, "user");
    requireNonNull(password, "password");
    if (user.isEmpty() || user.contains(":")) {
      throw new IllegalArgumentException("RPC user must be non-empty and must not contain ':'");
    }
    return new RpcCredentials(user, password, null);
  }

  /** The node's cookie file, for example {@code ~/.bitcoin/.cookie} or {@code ~/.bitcoin/regtest/.cookie}. */
  public static RpcCredentials cookieFile(Path cookieFile) {
    return new RpcCredentials(null, null, requireNonNull(cookieFile, "cookieFile"));
  }

  /**
   * The HTTP {@code Authorization} header value.
   *
   * @throws UncheckedIOException if the cookie file cannot be read (the message names the file, not its content)
   */
  String authorization() {
    String pair;
    if (cookieFile != null) {
      try {
        pair = Files.readString(cookieFile, StandardCharsets.UTF_8).strip();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the Bitcoin Core cookie file " + cookieFile, e);
      }
      if (!pair.contains(":")) {
        throw new IllegalStateException("the Bitcoin Core cookie file " + cookieFile + " does not hold user:password");
      }
    } else {
      pair = user + ":" + password;
    }
    return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public String toString() {
    return cookieFile != null ? "RpcCredentials[cookie file " + cookieFile + "]"
        : "RpcCredentials[user " + user + ", password ****]";
  }
}
