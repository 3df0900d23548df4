package io.coinssend.invoice.webhooks;

import static java.util.Objects.requireNonNull;

import io.coinssend.invoice.Event;
import io.coinssend.invoice.json.InvoiceJson;
import io.coinssend.invoice.webhooks.WebhookVerificationException.Reason;
import io.coinssend.invoice.webhooks.internal.Ed25519;
import io.coinssend.invoice.webhooks.internal.HmacKey;
import io.coinssend.invoice.webhooks.internal.SignedContent;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Verifies Standard Webhooks requests on the receiving side: any JVM, no engine needed.
 *
 * <p>Give it the trusted keys (v1 {@link WebhookSecret}s and/or v1a {@link Ed25519PublicKey}s), then call
 * {@link #verify(Map, byte[])} with the request headers and the <em>raw body bytes exactly as received</em>: a body
 * re-read as lines, decoded and re-encoded, or parsed and re-serialised no longer matches its signature. A request
 * passes if any signature in {@code webhook-signature} matches any trusted key (so keys can be rotated) and its
 * {@code webhook-timestamp} is within the tolerance of the clock ({@link #DEFAULT_TOLERANCE} either way). Header
 * names match in any letter case. HMAC signatures are compared in constant time.
 *
 * <p>Immutable and thread-safe; build one and share it. Failures throw {@link WebhookVerificationException} with a
 * {@link Reason}; null arguments throw {@link NullPointerException}. Messages never contain keys or the expected
 * signature.
 */
public final class WebhookVerifier {

  /** How far {@code webhook-timestamp} may be from the clock, either way, by default: 5 minutes. */
  public static final Duration DEFAULT_TOLERANCE = Duration.ofMinutes(5);

  private static final int MAX_TIMESTAMP_DIGITS = 15;
  /** Base64 characters of an HMAC-SHA256 before its one character of padding. */
  private static final int ENCODED_MAC_UNPADDED = 43;
  private static final Base64.Encoder BASE64 = Base64.getEncoder();
  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  private final List<WebhookSecret> secrets;
  private final List<Ed25519PublicKey> publicKeys;
  private final Duration tolerance;
  private final Clock clock;

  private WebhookVerifier(Builder builder) {
    this.secrets = List.copyOf(builder.secrets);
    this.publicKeys = List.copyOf(builder.publicKeys);
    this.tolerance = builder.tolerance;
    this.clock = builder.clock;
  }

  /** A builder with the defaults (tolerance 5 minutes, the UTC system clock) and no keys yet. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A verifier for one v1 secret ({@code whsec_…}, the prefix may be left out) with the defaults.
   *
   * @throws IllegalArgumentException if the secret is malformed (the message does not repeat it)
   */
  public static WebhookVerifier forSecret(String secret) {
    return builder().secret(WebhookSecret.parse(secret)).build();
  }

  /**
   * Checks a request and returns the event in its body.
   *
   * @param headers the request headers (names in any case), as most HTTP stacks expose them
   * @param body the raw body bytes as received
   * @return the event, whose {@link Event#id()} equals {@code webhook-id}
   * @throws WebhookVerificationException if a header is missing or malformed, no signature matches, the timestamp is
   *     outside the tolerance, or the body is not an event
   */
  public Event verify(Map<String, ? extends Collection<String>> headers, byte[] body) {
    VerifiedWebhook verified = verifySignature(headers, body);
    return event(verified, body);
  }

  /** {@link #verify(Map, byte[])} for the JDK's {@link HttpHeaders}. */
  public Event verify(HttpHeaders headers, byte[] body) {
    return verify(requireNonNull(headers, "headers").map(), body);
  }

  /**
   * Checks the signature and timestamp of a request without reading the body as an event (for payloads that are
   * not this library's events).
   *
   * @throws WebhookVerificationException if a header is missing or malformed, no signature matches or the timestamp
   *     is outside the tolerance
   */
  public VerifiedWebhook verifySignature(Map<String, ? extends Collection<String>> headers, byte[] body) {
    requireNonNull(headers, "headers");
    requireNonNull(body, "body");
    // One pass, no copy: names compare ignoring case, and a name may appear under several spellings.
    String id = null;
    String timestamp = null;
    String signature = null;
    for (Map.Entry<String, ? extends Collection<String>> entry : headers.entrySet()) {
      String name = entry.getKey();
      // By length and first letter first, then exact lower case (what most HTTP stacks give) before any case-folding
      // compare: a request carries a dozen headers and this runs for each (User-Agent and Connection have the length
      // of webhook-id).
      if (name == null) {
        continue;
      }
      int length = name.length();
      if (length != WebhookHeaders.ID.length() && length != WebhookHeaders.TIMESTAMP.length()
          || (name.charAt(0) | 0x20) != 'w') {
        continue;
      }
      Collection<String> values = entry.getValue();
      if (values == null || values.isEmpty()) {
        continue;
      }
      if (sameName(name, WebhookHeaders.ID)) {
        id = single(id, values, WebhookHeaders.ID);
      } else if (sameName(name, WebhookHeaders.TIMESTAMP)) {
        timestamp = single(timestamp, values, WebhookHeaders.TIMESTAMP);
      } else if (sameName(name, WebhookHeaders.SIGNATURE)) {
        String joined = values.size() == 1 ? values.iterator().next() : String.join(" ", values);
        signature = signature == null ? joined : signature + " " + joined;
      }
    }
    return verifySignature(id, timestamp, signature, body);
  }

  /** {@link #verifySignature(Map, byte[])} for the JDK's {@link HttpHeaders}. */
  public VerifiedWebhook verifySignature(HttpHeaders headers, byte[] body) {
    return verifySignature(requireNonNull(headers, "headers").map(), body);
  }

  /**
   * Checks the three header values and the raw body, for HTTP stacks that look headers up one by one.
   *
   * @param id the {@code webhook-id} value, or null if the header is absent
   * @param timestamp the {@code webhook-timestamp} value, or null if absent
   * @param signature the {@code webhook-signature} value, or null if absent
   * @param body the raw body bytes as received (not null)
   * @throws WebhookVerificationException as {@link #verifySignature(Map, byte[])}
   */
  public VerifiedWebhook verifySignature(String id, String timestamp, String signature, byte[] body) {
    requireNonNull(body, "body");
    require(id, WebhookHeaders.ID);
    require(timestamp, WebhookHeaders.TIMESTAMP);
    require(signature, WebhookHeaders.SIGNATURE);
    String webhookId = id.strip();
    String time = timestamp.strip();
    // The signed content's header part, "id.timestamp.", is written once into a per-thread buffer as it is checked:
    // this runs on every request, and at 1 KiB its allocations and copies are a measurable share of the cost.
    Scratch scratch = SCRATCH.get();
    byte[] signed = scratch.signed;
    int idLength = webhookId.length();
    if (idLength == 0 || idLength > SignedContent.MAX_ID_LENGTH) {
      throw malformedId();
    }
    for (int i = 0; i < idLength; i++) {
      char c = webhookId.charAt(i);
      if (c <= ' ' || c >= 0x7f || c == '.') {
        throw malformedId();
      }
      signed[i] = (byte) c;
    }
    signed[idLength] = '.';
    int timeLength = time.length();
    if (timeLength == 0 || timeLength > MAX_TIMESTAMP_DIGITS) {
      throw malformedTimestamp();
    }
    long seconds = 0;
    for (int i = 0; i < timeLength; i++) {
      char c = time.charAt(i);
      if (c < '0' || c > '9') {
        throw malformedTimestamp();
      }
      seconds = seconds * 10 + (c - '0');
      signed[idLength + 1 + i] = (byte) c;
    }
    int signedLength = idLength + 1 + timeLength + 1;
    signed[signedLength - 1] = '.';
    String scheme = match(signature, scratch, idLength, signedLength, body);
    Instant now = clock.instant();
    // now - at and at - now as (seconds, nanoseconds) against the tolerance, without Instant arithmetic.
    long nowSeconds = now.getEpochSecond();
    int nowNanos = now.getNano();
    if (exceeds(nowSeconds - seconds, nowNanos)) {
      Instant at = Instant.ofEpochSecond(seconds);
      throw new WebhookVerificationException(Reason.TIMESTAMP_TOO_OLD, WebhookHeaders.TIMESTAMP + " " + seconds
          + " is " + Duration.between(at, now).toSeconds() + " s before now; the tolerance is "
          + tolerance.toSeconds() + " s (a replayed request, or this machine's clock is wrong)");
    }
    if (nowNanos == 0 ? exceeds(seconds - nowSeconds, 0) : exceeds(seconds - nowSeconds - 1, 1_000_000_000 - nowNanos)) {
      Instant at = Instant.ofEpochSecond(seconds);
      throw new WebhookVerificationException(Reason.TIMESTAMP_TOO_NEW, WebhookHeaders.TIMESTAMP + " " + seconds
          + " is " + Duration.between(now, at).toSeconds() + " s after now; the tolerance is "
          + tolerance.toSeconds() + " s (the sender's or this machine's clock is wrong)");
    }
    return new VerifiedWebhook(webhookId, Instant.ofEpochSecond(seconds), scheme);
  }

  /** Whether the duration {@code seconds} s + {@code nanos} ns ({@code 0 <= nanos < 10^9}) exceeds the tolerance. */
  private boolean exceeds(long seconds, int nanos) {
    long limit = tolerance.getSeconds();
    return seconds > limit || (seconds == limit && nanos > tolerance.getNano());
  }

  /**
   * The scheme of the first token of {@code header} that matches a trusted key over {@code signed[0, signedLength)}
   * (the id, its dot, the timestamp and its dot) followed by {@code body}.
   */
  private String match(String header, Scratch scratch, int idLength, int signedLength, byte[] body) {
    int computed = 0;
    int wellFormed = 0;
    int length = header.length();
    int start = 0;
    while (start < length) {
      while (start < length && isSpace(header.charAt(start))) {
        start++;
      }
      int end = start;
      while (end < length && !isSpace(header.charAt(end))) {
        end++;
      }
      if (end == start) {
        break;
      }
      int comma = header.indexOf(',', start);
      if (comma > start && comma < end) {
        wellFormed++;
        // No substring per token on this path: it runs on every request.
        boolean v1 = comma - start == 2 && header.startsWith("v1", start);
        boolean v1a = comma - start == 3 && header.startsWith("v1a", start);
        if (v1 && !secrets.isEmpty() && isMacLength(header, comma + 1, end)) {
          // Each secret's MAC is computed once per request, on demand, and compared in its base64 form (the form the
          // sender wrote), which needs no decoding of the candidate.
          byte[][] encoded = scratch.encoded(secrets.size());
          for (int i = 0; i < secrets.size(); i++) {
            if (i == computed) {
              secrets.get(i).hmac().mac(scratch.signed, signedLength, body, scratch.mac);
              BASE64.encode(scratch.mac, encoded[i]);
              computed++;
            }
            if (sameBase64(encoded[i], header, comma + 1)) {
              return "v1";
            }
          }
        } else if (v1a && !publicKeys.isEmpty()) {
          byte[] candidate = decode(Base64.getDecoder(), header, comma + 1, end);
          if (candidate != null && candidate.length == Ed25519.SIGNATURE_LENGTH) {
            byte[] id = Arrays.copyOfRange(scratch.signed, 0, idLength);
            byte[] time = Arrays.copyOfRange(scratch.signed, idLength + 1, signedLength - 1);
            for (Ed25519PublicKey key : publicKeys) {
              if (Ed25519.verify(key.jdkKey(), id, time, body, candidate)) {
                return "v1a";
              }
            }
          }
        }
      }
      start = end;
    }
    if (wellFormed == 0) {
      throw new WebhookVerificationException(Reason.MALFORMED_HEADER,
          WebhookHeaders.SIGNATURE + " has no token of the form version,signature");
    }
    throw new WebhookVerificationException(Reason.NO_MATCHING_SIGNATURE, "none of the " + wellFormed
        + " signature(s) (versions " + versions(header) + ") matches a trusted key over these exact body bytes (trusting "
        + secrets.size() + " v1 secret(s) and " + publicKeys.size() + " v1a key(s)); was the body re-read or "
        + "re-serialised before verifying?");
  }

  /**
   * Whether {@code header[from, to)} has the length of a base64 HMAC-SHA256: 44 characters ending in the one
   * {@code '='} of padding, or the 43 before it (padding left out, which the base64 decoders of most stacks accept).
   */
  private static boolean isMacLength(String header, int from, int to) {
    int length = to - from;
    return length == ENCODED_MAC_UNPADDED
        || (length == ENCODED_MAC_UNPADDED + 1 && header.charAt(to - 1) == '=');
  }

  /**
   * Whether {@code header} holds, from {@code from}, the first 43 characters of {@code expected}, compared in
   * constant time: every character is compared whatever the earlier ones were.
   */
  private static boolean sameBase64(byte[] expected, String header, int from) {
    int difference = 0;
    for (int i = 0; i < ENCODED_MAC_UNPADDED; i++) {
      difference |= expected[i] ^ header.charAt(from + i);
    }
    return difference == 0;
  }

  private static WebhookVerificationException malformedId() {
    return new WebhookVerificationException(Reason.MALFORMED_HEADER,
        WebhookHeaders.ID + " must be 1 to 256 printable ASCII characters without spaces or dots");
  }

  /**
   * {@code name.equalsIgnoreCase(lowerCase)} for a lower-case ASCII {@code lowerCase}, without case-folding calls for
   * the ASCII names HTTP allows (the JDK's server hands them over as {@code Webhook-id}); a name with other characters
   * takes {@link String#equalsIgnoreCase}.
   */
  private static boolean sameName(String name, String lowerCase) {
    int length = lowerCase.length();
    if (name.length() != length) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      char c = name.charAt(i);
      char expected = lowerCase.charAt(i);
      if (c != expected) {
        if (c >= 0x80) {
          return name.equalsIgnoreCase(lowerCase);
        }
        if (expected < 'a' || expected > 'z' || (c | 0x20) != expected) {
          return false;
        }
      }
    }
    return true;
  }

  /** {@link Character#isWhitespace}, answered without a call for the printable ASCII a signature is made of. */
  private static boolean isSpace(char c) {
    return c <= ' ' ? Character.isWhitespace(c) : c >= 0x80 && Character.isWhitespace(c);
  }

  /** The distinct versions of the well-formed tokens of {@code header} (at most 8), for an error message. */
  private static List<String> versions(String header) {
    List<String> versions = new ArrayList<>(2);
    for (String token : header.strip().split("\\s+")) {
      int comma = token.indexOf(',');
      if (comma > 0) {
        String version = token.substring(0, comma);
        if (!versions.contains(version) && versions.size() < 8) {
          versions.add(version);
        }
      }
    }
    return versions;
  }

  private static byte[] decode(Base64.Decoder base64, String header, int from, int to) {
    if (from >= to) {
      return null;
    }
    try {
      return base64.decode(header.substring(from, to));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static Event event(VerifiedWebhook verified, byte[] body) {
    Event event;
    try {
      event = InvoiceJson.readEvent(body);
    } catch (IllegalArgumentException e) {
      throw new WebhookVerificationException(Reason.MALFORMED_PAYLOAD,
          "the body is authentic but not an invoice event: " + e.getMessage(), e);
    }
    if (!event.id().equals(verified.id())) {
      throw new WebhookVerificationException(Reason.MALFORMED_PAYLOAD,
          WebhookHeaders.ID + " " + verified.id() + " differs from the event id " + event.id() + " in the body");
    }
    return event;
  }

  /** The one value of a header that must not vary; repeats of the same value are tolerated. */
  private static String single(String seen, Collection<String> values, String name) {
    String value = seen;
    for (String candidate : values) {
      if (candidate == null || (value != null && !value.equals(candidate))) {
        throw new WebhookVerificationException(Reason.MALFORMED_HEADER, name + " appears more than once");
      }
      value = candidate;
    }
    return value;
  }

  private static void require(String value, String name) {
    if (value == null || value.isBlank()) {
      throw new WebhookVerificationException(Reason.MISSING_HEADER, "the " + name + " header is missing or empty");
    }
  }

  private static WebhookVerificationException malformedTimestamp() {
    return new WebhookVerificationException(Reason.MALFORMED_HEADER,
        WebhookHeaders.TIMESTAMP + " must be Unix seconds (up to 15 digits)");
  }

  @Override
  public String toString() {
    return "WebhookVerifier[" + secrets.size() + " v1 secret(s) " + secrets.stream().map(WebhookSecret::fingerprint)
        .toList() + ", " + publicKeys.size() + " v1a key(s), tolerance " + tolerance + "]";
  }

  /**
   * A thread's buffers for verifying: the signed content's header part, one MAC and each secret's MAC in base64.
   * Shared by every verifier on the thread, which is safe because a verification never calls out before it is done.
   */
  private static final class Scratch {
    final byte[] signed = new byte[SignedContent.MAX_ID_LENGTH + 1 + MAX_TIMESTAMP_DIGITS + 1];
    final byte[] mac = new byte[HmacKey.MAC_LENGTH];
    private byte[][] encoded = new byte[1][ENCODED_MAC_UNPADDED + 1];

    /** At least {@code count} buffers of a base64 MAC. */
    byte[][] encoded(int count) {
      if (encoded.length < count) {
        encoded = new byte[count][ENCODED_MAC_UNPADDED + 1];
      }
      return encoded;
    }
  }

  /**
   * Builds a {@link WebhookVerifier}. Not thread-safe; {@link #build()} checks that at least one key was given.
   */
  public static final class Builder {
    private final List<WebhookSecret> secrets = new ArrayList<>();
    private final List<Ed25519PublicKey> publicKeys = new ArrayList<>();
    private Duration tolerance = DEFAULT_TOLERANCE;
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    /** Trusts a v1 secret (call again for each key during a rotation). */
    public Builder secret(WebhookSecret secret) {
      secrets.add(requireNonNull(secret, "secret"));
      return this;
    }

    /**
     * Trusts a v1 secret given as text, {@code whsec_<base64>} or the base64 alone.
     *
     * @throws IllegalArgumentException if malformed or empty (the message does not repeat it)
     */
    public Builder secret(String secret) {
      return secret(WebhookSecret.parse(secret));
    }

    /** Trusts a v1a public key. */
    public Builder publicKey(Ed25519PublicKey key) {
      publicKeys.add(requireNonNull(key, "key"));
      return this;
    }

    /** Trusts a v1a public key given as text, {@code whpk_<base64>}. */
    public Builder publicKey(String key) {
      return publicKey(Ed25519PublicKey.parse(key));
    }

    /**
     * How far the timestamp may be from the clock, either way. Default {@link #DEFAULT_TOLERANCE}.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder tolerance(Duration tolerance) {
      requireNonNull(tolerance, "tolerance");
      if (tolerance.isNegative()) {
        throw new IllegalArgumentException("tolerance must not be negative, but was " + tolerance);
      }
      this.tolerance = tolerance;
      return this;
    }

    /** The clock timestamps are compared with. Default: {@link Clock#systemUTC()}. */
    public Builder clock(Clock clock) {
      this.clock = requireNonNull(clock, "clock");
      return this;
    }

    /**
     * The verifier.
     *
     * @throws IllegalStateException if no key was given
     */
    public WebhookVerifier build() {
      if (secrets.isEmpty() && publicKeys.isEmpty()) {
        throw new IllegalStateException("a webhook verifier needs at least one secret or public key");
      }
      return new WebhookVerifier(this);
    }
  }
}
