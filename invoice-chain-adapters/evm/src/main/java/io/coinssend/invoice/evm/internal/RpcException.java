package io.coinssend.invoice.evm.internal;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Optional;

/**
 * A node call that failed, and whether trying again may help. Messages name the method and the endpoint's host,
 * never its path or query (which often carry an API key).
 */
public final class RpcException extends Exception {

  private static final long serialVersionUID = 1L;

  /** Why a call failed. */
  public enum Kind {
    /** The connection failed or timed out. */
    TRANSPORT(true),
    /** HTTP 408 or 5xx. */
    SERVER(true),
    /** HTTP 429, or a JSON-RPC error saying the request rate or a limit was exceeded. */
    RATE_LIMITED(true),
    /** The response was not the JSON-RPC answer expected (not JSON, wrong id, a field of the wrong form). */
    MALFORMED(true),
    /** The node answers, but what it says does not fit together yet (a lagging node, a reorg under the scan). */
    INCONSISTENT(true),
    /** Another HTTP status (401, 403, 404...): a configuration error; retrying the call will not help. */
    HTTP(false),
    /** A JSON-RPC error object other than a rate limit. */
    RPC_ERROR(false);

    private final boolean retryable;

    Kind(boolean retryable) {
      this.retryable = retryable;
    }
  }

  private final transient Kind kind;
  private final transient Optional<Duration> retryAfter;
  private final int code;

  public RpcException(Kind kind, String message) {
    this(kind, message, 0, Optional.empty(), null);
  }

  public RpcException(Kind kind, String message, Throwable cause) {
    this(kind, message, 0, Optional.empty(), cause);
  }

  /**
   * @param code the HTTP status or JSON-RPC error code, 0 if none
   * @param retryAfter how long the server asked to wait (HTTP {@code Retry-After}), if it did
   */
  public RpcException(Kind kind, String message, int code, Optional<Duration> retryAfter, Throwable cause) {
    super(message, cause);
    this.kind = requireNonNull(kind, "kind");
    this.retryAfter = requireNonNull(retryAfter, "retryAfter");
    this.code = code;
  }

  public Kind kind() {
    return kind;
  }

  /** Whether the same call may succeed later. */
  public boolean retryable() {
    return kind.retryable;
  }

  /** The HTTP status or JSON-RPC error code, 0 if none. */
  public int code() {
    return code;
  }

  /** How long the server asked to wait before the next request, if it did. */
  public Optional<Duration> retryAfter() {
    return retryAfter;
  }
}
