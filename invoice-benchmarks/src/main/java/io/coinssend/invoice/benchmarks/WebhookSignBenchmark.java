package io.coinssend.invoice.benchmarks;

import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.WebhookSigningException;
import io.coinssend.invoice.benchmarks.internal.WebhookFixture;
import io.coinssend.invoice.webhooks.WebhookSecret;
import io.coinssend.invoice.webhooks.WebhookSigner;
import java.nio.charset.StandardCharsets;
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
 * Signing one webhook request (the {@code webhook-signature} value over {@code id.timestamp.body}), per second, with
 * a 1 KiB and a 64 KiB body: {@link WebhookSigner#v1} against standardwebhooks 1.1.0 {@code Webhook.sign} (which
 * takes the body as a string) and the raw floor (a reused {@code Mac} and base64). stripe-java only verifies, so it
 * has no entry here. No stated target; the sender's side of benchmark 1.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
public class WebhookSignBenchmark {

  @Param({"1024", "65536"})
  public int bodySize;

  private WebhookFixture fixture;
  private WebhookSigner signer;
  private Webhook standardWebhook;
  private Mac rawMac;
  private byte[] rawId;
  private byte[] rawTimestamp;

  @Setup
  public void setUp() throws Exception {
    fixture = new WebhookFixture(bodySize, 1_764_000_000L);
    signer = WebhookSigner.v1(WebhookSecret.parse(fixture.secret));
    standardWebhook = new Webhook(fixture.secret);
    rawMac = WebhookFixture.newMac(fixture.keyBytes);
    rawId = fixture.webhookId.getBytes(StandardCharsets.US_ASCII);
    rawTimestamp = Long.toString(fixture.timestamp).getBytes(StandardCharsets.US_ASCII);
    // All three must produce the same header, or they are not doing the same work.
    String expected = fixture.signatureHeader;
    if (!coinssend().equals(expected) || !standardwebhooks().equals(expected) || !rawHmac().equals(expected)) {
      throw new IllegalStateException("the signers disagree on the benchmark's request");
    }
  }

  @Benchmark
  public String coinssend() {
    return signer.sign(fixture.webhookId, fixture.timestamp, fixture.body);
  }

  @Benchmark
  public String standardwebhooks() throws WebhookSigningException {
    return standardWebhook.sign(fixture.webhookId, fixture.timestamp, fixture.payload);
  }

  @Benchmark
  public String rawHmac() {
    Mac mac = rawMac;
    mac.update(rawId);
    mac.update((byte) '.');
    mac.update(rawTimestamp);
    mac.update((byte) '.');
    mac.update(fixture.body);
    return "v1," + Base64.getEncoder().encodeToString(mac.doFinal());
  }
}
