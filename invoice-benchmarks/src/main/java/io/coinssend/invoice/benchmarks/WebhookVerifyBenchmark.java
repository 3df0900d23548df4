package io.coinssend.invoice.benchmarks;

import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.WebhookVerificationException;
import com.stripe.exception.SignatureVerificationException;
import io.coinssend.invoice.benchmarks.internal.WebhookFixture;
import io.coinssend.invoice.webhooks.VerifiedWebhook;
import io.coinssend.invoice.webhooks.WebhookVerifier;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Verifying one Standard Webhooks request (headers plus raw body), per second, with a 1 KiB and a 64 KiB body.
 *
 * <ul>
 *   <li>{@code coinssend}: {@link WebhookVerifier#verifySignature(java.util.Map, byte[])}: header lookup in any
 *       case, id and timestamp checks, base64, HMAC-SHA256 with a per-thread reused {@code Mac}, constant-time compare,
 *       timestamp within 5 minutes of a fixed clock.
 *   <li>{@code coinssendHeaderValues}: {@link WebhookVerifier#verifySignature(String, String, String, byte[])} with the
 *       three header values, as a receiver on an HTTP stack that looks headers up one by one (a servlet's
 *       {@code getHeader}) calls it; the same checks without the walk over the header map.
 *   <li>{@code standardwebhooks}: {@code com.standardwebhooks:standardwebhooks:1.1.0} {@code Webhook.verify(String,
 *       Map)} over the same headers and the body as a string (its API takes one); its clock is the system's.
 *   <li>{@code stripe}: {@code com.stripe:stripe-java:31.0.0} {@code Webhook.Signature.verifyHeader} over the same
 *       body with Stripe's header ({@code t=…,v1=<hex>}) and a fixed clock.
 *   <li>{@code rawHmac}: the physical floor: HMAC-SHA256 of {@code id.timestamp.body} with a reused {@code Mac}, the
 *       base64 decoding of the signature and a constant-time compare, with no header parsing or timestamp check.
 * </ul>
 *
 * <p>Target: {@code coinssend} at least 90 % of {@code rawHmac} at 1 KiB and 95 % at 64 KiB.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
public class WebhookVerifyBenchmark {

  @Param({"1024", "65536"})
  public int bodySize;

  private WebhookFixture fixture;
  private WebhookVerifier verifier;
  private Webhook standardWebhook;
  private Clock stripeClock;
  private Mac rawMac;
  private byte[] rawId;
  private byte[] rawTimestamp;
  private String rawSignature;
  private String timestampHeader;

  @Setup
  public void setUp() throws Exception {
    long now = Instant.now().getEpochSecond();
    fixture = new WebhookFixture(bodySize, now);
    Clock fixed = Clock.fixed(Instant.ofEpochSecond(now + 1), ZoneOffset.UTC);
    verifier = WebhookVerifier.builder().secret(fixture.secret).clock(fixed).build();
    standardWebhook = new Webhook(fixture.secret);
    stripeClock = fixed;
    rawMac = WebhookFixture.newMac(fixture.keyBytes);
    rawId = fixture.webhookId.getBytes(StandardCharsets.US_ASCII);
    rawTimestamp = Long.toString(fixture.timestamp).getBytes(StandardCharsets.US_ASCII);
    rawSignature = fixture.signatureHeader.substring("v1,".length());
    timestampHeader = Long.toString(fixture.timestamp);
    // Every contender must accept the request, or the comparison is meaningless.
    coinssend();
    coinssendHeaderValues();
    standardwebhooks();
    if (!stripe() || !rawHmac()) {
      throw new IllegalStateException("a verifier rejected the benchmark's request");
    }
  }

  @Benchmark
  public VerifiedWebhook coinssend() {
    return verifier.verifySignature(fixture.headers, fixture.body);
  }

  @Benchmark
  public VerifiedWebhook coinssendHeaderValues() {
    return verifier.verifySignature(fixture.webhookId, timestampHeader, fixture.signatureHeader, fixture.body);
  }

  @Benchmark
  public String standardwebhooks() throws WebhookVerificationException {
    standardWebhook.verify(fixture.payload, fixture.headers);
    return fixture.payload;
  }

  @Benchmark
  public boolean stripe() throws SignatureVerificationException {
    return com.stripe.net.Webhook.Signature.verifyHeader(fixture.payload, fixture.stripeHeader, fixture.secret, 300,
        stripeClock);
  }

  @Benchmark
  public boolean rawHmac() {
    Mac mac = rawMac;
    mac.update(rawId);
    mac.update((byte) '.');
    mac.update(rawTimestamp);
    mac.update((byte) '.');
    mac.update(fixture.body);
    byte[] expected = mac.doFinal();
    return MessageDigest.isEqual(expected, Base64.getDecoder().decode(rawSignature));
  }
}
