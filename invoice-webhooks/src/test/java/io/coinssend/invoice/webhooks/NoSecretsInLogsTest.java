package io.coinssend.invoice.webhooks;

import static io.coinssend.invoice.webhooks.TestReceiver.status;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import io.coinssend.invoice.testkit.ManualClock;
import io.coinssend.invoice.webhooks.memory.InMemoryDeliveryStore;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Captures every log event (TRACE and up, all loggers) while deliveries succeed and fail in every way, plus the
 * exception messages and {@code toString()} of everything holding a key, and checks that no secret appears: not the
 * {@code whsec_}/{@code whsk_} texts, not their base64 or hex bodies, not any 12-character piece of them, and not
 * the token in an endpoint URL's query.
 */
class NoSecretsInLogsTest {

  private static final int WINDOW = 12;

  @Test
  void noSecretReachesLogsExceptionsOrToString() throws Exception {
    WebhookSecret secret = WebhookSecret.generate();
    WebhookSecret rotated = WebhookSecret.generate();
    Ed25519SigningKey signingKey = Ed25519SigningKey.generate();
    String queryToken = "qtok" + WebhookSecret.generate().reveal().substring(6, 30);

    List<String> seen = new ArrayList<>();
    List<ILoggingEvent> events = captureLogs(() -> seen.addAll(runEverything(secret, rotated, signingKey,
        queryToken)));

    for (ILoggingEvent event : events) {
      seen.add(event.getLoggerName());
      seen.add(event.getMessage());
      seen.add(event.getFormattedMessage());
      if (event.getArgumentArray() != null) {
        Arrays.stream(event.getArgumentArray()).forEach(argument -> seen.add(String.valueOf(argument)));
      }
      seen.add(String.valueOf(event.getMDCPropertyMap()));
      for (IThrowableProxy thrown = event.getThrowableProxy(); thrown != null; thrown = thrown.getCause()) {
        seen.add(thrown.getClassName() + ": " + thrown.getMessage());
      }
    }
    assertThat(events).as("the scenario must log its failures to make this test meaningful")
        .extracting(ILoggingEvent::getFormattedMessage)
        .anySatisfy(m -> assertThat(m).contains("is dead after"))
        .anySatisfy(m -> assertThat(m).contains("410 Gone"))
        .anySatisfy(m -> assertThat(m).contains("HTTP 500"))
        .anySatisfy(m -> assertThat(m).contains("timeout"))
        .anySatisfy(m -> assertThat(m).contains("connection"))
        .anySatisfy(m -> assertThat(m).startsWith("Webhook dispatcher").contains("started"));

    List<String> secrets = new ArrayList<>();
    for (WebhookSecret s : List.of(secret, rotated)) {
      String body = s.reveal().substring("whsec_".length());
      secrets.add(body);
      secrets.add(urlSafe(body));
      secrets.add(HexFormat.of().formatHex(Base64.getDecoder().decode(body)));
    }
    String skBody = signingKey.reveal().substring("whsk_".length());
    byte[] seed = Arrays.copyOf(Base64.getDecoder().decode(skBody), 32);
    secrets.add(skBody);
    secrets.add(Base64.getEncoder().encodeToString(seed));
    secrets.add(HexFormat.of().formatHex(seed));
    secrets.add(queryToken);

    for (String text : seen) {
      if (text == null) {
        continue;
      }
      assertThat(text).as("a key in text form").doesNotContainPattern("whs(ec|k)_[A-Za-z0-9+/]");
      for (String secretText : secrets) {
        for (int i = 0; i + WINDOW <= secretText.length(); i++) {
          String piece = secretText.substring(i, i + WINDOW);
          assertThat(text).as("a %d-character piece of a secret", WINDOW).doesNotContain(piece);
        }
      }
    }
  }

  /** Runs deliveries that succeed and fail in every way, and returns texts made outside the log. */
  private static List<String> runEverything(WebhookSecret secret, WebhookSecret rotated, Ed25519SigningKey key,
      String queryToken) throws Exception {
    List<String> texts = new ArrayList<>();
    ManualClock clock = ManualClock.startingAt2026();
    CountDownLatch release = new CountDownLatch(1);
    try (Shop shop = new Shop(clock);
        TestReceiver v1 = TestReceiver.start()
            .then(status(500), new TestReceiver.Drop(), new TestReceiver.Hang(release), status(429, "Retry-After",
                "10"));
        TestReceiver v1a = TestReceiver.start().then(status(410))) {
      URI tokenUrl = URI.create(v1.url("/hooks") + "?token=" + queryToken);
      WebhookSigner v1Signer = WebhookSigner.v1(secret, rotated);
      WebhookSigner v1aSigner = WebhookSigner.v1a(key);
      WebhookEndpoint first = WebhookEndpoint.of("v1", tokenUrl, v1Signer).withMaxConcurrentRequests(1);
      WebhookEndpoint second = WebhookEndpoint.of("v1a", v1a.url("/"), WebhookSigner.allOf(v1aSigner, v1Signer));
      WebhookEndpoint down = WebhookEndpoint.of("down",
          URI.create(TestReceiver.url(TestReceiver.freePort(), "/x") + "?token=" + queryToken), v1Signer);
      InMemoryDeliveryStore store = new InMemoryDeliveryStore();
      WebhookDispatcher dispatcher = WebhookDispatcher.builder()
          .invoiceStore(shop.store)
          .deliveryStore(store)
          .endpoint(first)
          .endpoint(second)
          .endpoint(down)
          .clock(clock)
          .requestTimeout(Duration.ofMillis(300))
          .schedule(RetrySchedule.of(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1),
              Duration.ofSeconds(10)).withJitterPercent(0))
          .pollInterval(Duration.ofHours(1))
          .build();
      shop.createInvoices(4);
      for (int round = 0; round < 6; round++) {
        dispatcher.runDue();
        clock.advance(Duration.ofSeconds(10));
      }
      release.countDown();
      dispatcher.redeliverDead("down");
      dispatcher.runDue();
      dispatcher.enableEndpoint("v1a");
      dispatcher.runDue();

      for (Object holder : List.of(secret, rotated, key, key.publicKey(), v1Signer, v1aSigner, first, second, down,
          dispatcher, store, WebhookVerifier.builder().secret(secret).publicKey(key.publicKey()).build())) {
        texts.add(holder.toString());
      }
      for (Delivery delivery : store.deliveriesOfEndpoint("down", java.util.Optional.empty(), 0, 100)) {
        texts.add(delivery.toString());
        delivery.lastError().ifPresent(texts::add);
      }
      store.attemptsOfEndpoint("v1", java.time.Instant.EPOCH, 100).forEach(a -> texts.add(a.toString()));
      store.attemptsOfEndpoint("down", java.time.Instant.EPOCH, 100).forEach(a -> texts.add(a.toString()));
      dispatcher.start();
      dispatcher.close();

      texts.addAll(refusals(secret, key));
    }
    return texts;
  }

  /**
   * A secret's base64 as it can stand in a URL's user info: a '/' there would end the authority, so the URL would
   * have no user info to refuse (the test failed whenever the random secret held one).
   */
  private static String urlSafe(String base64) {
    return base64.replace('/', '_').replace('+', '-').replace("=", "");
  }

  /** Exception messages from keys and verification, each failing near a secret. */
  private static List<String> refusals(WebhookSecret secret, Ed25519SigningKey key) {
    List<String> messages = new ArrayList<>();
    String body = secret.reveal().substring(6);
    for (Runnable failing : List.<Runnable>of(
        () -> WebhookSecret.parse(secret.reveal() + "!"),
        () -> WebhookSecret.parse("whsec_" + body.substring(0, 20)),
        () -> Ed25519SigningKey.parse(key.reveal().replace("whsk_", "whsk_!")),
        () -> Ed25519SigningKey.parse(secret.reveal()),
        () -> Ed25519PublicKey.parse(key.reveal()),
        () -> WebhookEndpoint.of("x", "https://user:" + urlSafe(body) + "@example.com/", WebhookSigner.v1(secret)),
        () -> WebhookVerifier.builder().secret(secret).build().verify(Map.of(
            "webhook-id", List.of("evt_1"), "webhook-timestamp", List.of("1"),
            "webhook-signature", List.of("v1," + body + " v1a,AAAA")), "{}".getBytes(StandardCharsets.UTF_8)),
        () -> WebhookVerifier.builder().publicKey(key.publicKey()).build().verify(Map.of(
            "webhook-id", List.of("evt_1"), "webhook-timestamp", List.of("x"),
            "webhook-signature", List.of("v1a,AAAA")), new byte[0]))) {
      try {
        failing.run();
        messages.add("did not fail");
      } catch (RuntimeException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
          messages.add(t.toString());
        }
      }
    }
    assertThat(messages).doesNotContain("did not fail");
    return messages;
  }

  @FunctionalInterface
  private interface Scenario {
    void run() throws Exception;
  }

  private static List<ILoggingEvent> captureLogs(Scenario scenario) throws Exception {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.setContext(context);
    appender.start();
    Level previous = root.getLevel();
    root.setLevel(Level.TRACE);
    root.addAppender(appender);
    try {
      scenario.run();
    } finally {
      root.detachAppender(appender);
      root.setLevel(previous);
      appender.stop();
    }
    synchronized (appender) {
      return List.copyOf(appender.list);
    }
  }
}
