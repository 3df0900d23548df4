package io.coinssend.invoice.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.coinssend.invoice.webhooks.WebhookVerificationException.Reason;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** v1 and v1a sign→verify round trips, key rotation, and the v1a key formats. */
class SignerRoundTripTest {

  // A v1a vector derived with an independent implementation (Python `cryptography`, i.e. OpenSSL), from the
  // RFC 8032 section 7.1 TEST 1 key and the Standard Webhooks id, timestamp and payload. Ed25519 is deterministic,
  // so the signature is exact.
  static final String RFC8032_SEED = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
  static final String RFC8032_PUBLIC = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
  static final String WHSK = "whsk_nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2DXWpgBgrEKt9VL/tPJZAc6DuFy89qmIyWvAhpo9wdRGg==";
  static final String WHPK = "whpk_11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
  static final String V1A_SIGNATURE =
      "v1a,fldxM4gAKugP6nnt1hdz3sgGfZ6d99nzrMFnZOELIxbzEHoVmAb2ADpkJK7zgPePmPsle0zV9jSeGlHFG2NVAw==";

  static final String ID = StandardWebhooksVectorTest.ID;
  static final long TIMESTAMP = StandardWebhooksVectorTest.TIMESTAMP;
  static final byte[] PAYLOAD = StandardWebhooksVectorTest.PAYLOAD;

  private static final Clock AT_TIMESTAMP = Clock.fixed(Instant.ofEpochSecond(TIMESTAMP), ZoneOffset.UTC);

  private static Map<String, List<String>> headers(String id, long timestamp, String signature) {
    return Map.of("webhook-id", List.of(id), "webhook-timestamp", List.of(Long.toString(timestamp)),
        "webhook-signature", List.of(signature));
  }

  @Test
  void theWhskKeyIsTheRfc8032SeedFollowedByItsPublicKey() {
    HexFormat hex = HexFormat.of();
    byte[] expected = hex.parseHex(RFC8032_SEED + RFC8032_PUBLIC);

    assertThat(Base64.getDecoder().decode(WHSK.substring(5))).isEqualTo(expected);
    Ed25519SigningKey key = Ed25519SigningKey.parse(WHSK);
    assertThat(key.publicKey().bytes()).isEqualTo(hex.parseHex(RFC8032_PUBLIC));
    assertThat(key.publicKey().encoded()).isEqualTo(WHPK);
    assertThat(key.reveal()).isEqualTo(WHSK);
  }

  @Test
  void v1aSignerProducesTheIndependentlyDerivedSignature() {
    WebhookSigner signer = WebhookSigner.v1a(Ed25519SigningKey.parse(WHSK));

    assertThat(signer.sign(ID, TIMESTAMP, PAYLOAD)).isEqualTo(V1A_SIGNATURE);
  }

  @Test
  void v1aVerifierAcceptsItAndRefusesAnyChange() {
    WebhookVerifier verifier = WebhookVerifier.builder().publicKey(WHPK).clock(AT_TIMESTAMP).build();

    assertThat(verifier.verifySignature(headers(ID, TIMESTAMP, V1A_SIGNATURE), PAYLOAD).scheme()).isEqualTo("v1a");
    for (int i = 0; i < PAYLOAD.length; i++) {
      byte[] tampered = PAYLOAD.clone();
      tampered[i] ^= 1;
      assertThat(refusal(verifier, headers(ID, TIMESTAMP, V1A_SIGNATURE), tampered)).as("byte %d", i)
          .isEqualTo(Reason.NO_MATCHING_SIGNATURE);
    }
    assertThat(refusal(verifier, headers("msg_p5jXN8AQM9LWM0D4loKWxJeK", TIMESTAMP, V1A_SIGNATURE), PAYLOAD))
        .isEqualTo(Reason.NO_MATCHING_SIGNATURE);
    assertThat(refusal(verifier, headers(ID, TIMESTAMP + 1, V1A_SIGNATURE), PAYLOAD))
        .isEqualTo(Reason.NO_MATCHING_SIGNATURE);
  }

  @Test
  void aV1aSignatureDoesNotPassAsV1OrTheOtherWayRound() {
    WebhookVerifier v1Only = WebhookVerifier.builder().secret(StandardWebhooksVectorTest.SECRET)
        .clock(AT_TIMESTAMP).build();
    WebhookVerifier v1aOnly = WebhookVerifier.builder().publicKey(WHPK).clock(AT_TIMESTAMP).build();

    assertThat(refusal(v1Only, headers(ID, TIMESTAMP, V1A_SIGNATURE), PAYLOAD))
        .isEqualTo(Reason.NO_MATCHING_SIGNATURE);
    assertThat(refusal(v1aOnly, headers(ID, TIMESTAMP, StandardWebhooksVectorTest.SIGNATURE), PAYLOAD))
        .isEqualTo(Reason.NO_MATCHING_SIGNATURE);
  }

  @Test
  void generatedV1SecretsRoundTrip() {
    WebhookSecret secret = WebhookSecret.generate();
    byte[] body = "{\"id\":\"evt_1\",\"amount\":\"0.0015\"}".getBytes(StandardCharsets.UTF_8);
    String signature = WebhookSigner.v1(secret).sign("evt_1", TIMESTAMP, body);
    WebhookVerifier verifier = WebhookVerifier.builder().secret(secret.reveal()).clock(AT_TIMESTAMP).build();

    assertThat(secret.reveal()).startsWith("whsec_");
    assertThat(Base64.getDecoder().decode(secret.reveal().substring(6))).hasSize(32);
    assertThat(verifier.verifySignature(headers("evt_1", TIMESTAMP, signature), body).id()).isEqualTo("evt_1");
    assertThat(WebhookSecret.parse(secret.reveal())).isEqualTo(secret);
  }

  @Test
  void generatedV1aKeysRoundTrip() {
    Ed25519SigningKey key = Ed25519SigningKey.generate();
    byte[] body = "{\"id\":\"evt_2\"}".getBytes(StandardCharsets.UTF_8);
    String signature = WebhookSigner.v1a(key).sign("evt_2", TIMESTAMP, body);
    WebhookVerifier verifier = WebhookVerifier.builder().publicKey(key.publicKey().encoded()).clock(AT_TIMESTAMP)
        .build();

    assertThat(signature).startsWith("v1a,");
    assertThat(verifier.verifySignature(headers("evt_2", TIMESTAMP, signature), body).scheme()).isEqualTo("v1a");
    assertThat(Ed25519SigningKey.parse(key.reveal())).isEqualTo(key);
  }

  @Test
  void rotationSendsOneSignaturePerKeyAndEitherKeyVerifies() {
    WebhookSecret old = WebhookSecret.generate();
    WebhookSecret fresh = WebhookSecret.generate();
    Ed25519SigningKey asymmetric = Ed25519SigningKey.generate();
    WebhookSigner signer = WebhookSigner.allOf(WebhookSigner.v1(old, fresh), WebhookSigner.v1a(asymmetric));
    byte[] body = "{}".getBytes(StandardCharsets.UTF_8);

    String header = signer.sign("evt_3", TIMESTAMP, body);

    assertThat(header.split(" ")).hasSize(3);
    assertThat(header.split(" ")[0]).startsWith("v1,");
    assertThat(header.split(" ")[2]).startsWith("v1a,");
    for (WebhookVerifier verifier : List.of(
        WebhookVerifier.builder().secret(old).clock(AT_TIMESTAMP).build(),
        WebhookVerifier.builder().secret(fresh).clock(AT_TIMESTAMP).build(),
        WebhookVerifier.builder().publicKey(asymmetric.publicKey()).clock(AT_TIMESTAMP).build())) {
      assertThat(verifier.verifySignature(headers("evt_3", TIMESTAMP, header), body).id()).isEqualTo("evt_3");
    }
    WebhookVerifier stranger = WebhookVerifier.builder().secret(WebhookSecret.generate()).clock(AT_TIMESTAMP).build();
    assertThat(refusal(stranger, headers("evt_3", TIMESTAMP, header), body)).isEqualTo(Reason.NO_MATCHING_SIGNATURE);
  }

  @Test
  void aSigningKeyWhosePublicHalfIsAnotherKeysIsRejected() {
    byte[] mixed = new byte[64];
    byte[] seed = HexFormat.of().parseHex(RFC8032_SEED);
    byte[] otherPublic = Ed25519SigningKey.generate().publicKey().bytes();
    System.arraycopy(seed, 0, mixed, 0, 32);
    System.arraycopy(otherPublic, 0, mixed, 32, 32);
    String text = "whsk_" + Base64.getEncoder().encodeToString(mixed);

    assertThatThrownBy(() -> Ed25519SigningKey.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not match")
        .message().doesNotContain(text.substring(5));
  }

  @Test
  void malformedKeysAreRejectedWithoutRepeatingThem() {
    String notBase64 = "whsec_this is *not* base64!!";
    String tooShort = "whsec_" + Base64.getEncoder().encodeToString(new byte[16]);
    assertThatThrownBy(() -> WebhookSecret.parse(notBase64)).isInstanceOf(IllegalArgumentException.class)
        .message().doesNotContain("not* base64");
    assertThatThrownBy(() -> WebhookSecret.parse(tooShort)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("16");
    assertThatThrownBy(() -> Ed25519SigningKey.parse("whsk_")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Ed25519SigningKey.parse(WHPK)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Ed25519PublicKey.parse("whpk_AAAA")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void signersRefuseIdsThatWouldMakeTheSignedContentAmbiguous() {
    WebhookSigner signer = WebhookSigner.v1(WebhookSecret.generate());

    assertThatThrownBy(() -> signer.sign("evt.1", TIMESTAMP, PAYLOAD)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> signer.sign("", TIMESTAMP, PAYLOAD)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> signer.sign("evt_1", -1, PAYLOAD)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void signingFromManyThreadsGivesTheSameSignatures() throws Exception {
    WebhookSigner signer = WebhookSigner.v1(WebhookSecret.parse(StandardWebhooksVectorTest.SECRET));
    var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      List<java.util.concurrent.Future<String>> results = new java.util.ArrayList<>();
      for (int i = 0; i < 200; i++) {
        results.add(pool.submit(() -> signer.sign(ID, TIMESTAMP, PAYLOAD)));
      }
      for (var result : results) {
        assertThat(result.get()).isEqualTo(StandardWebhooksVectorTest.SIGNATURE);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static Reason refusal(WebhookVerifier verifier, Map<String, List<String>> headers, byte[] body) {
    WebhookVerificationException e = catchThrowableOfType(WebhookVerificationException.class,
        () -> verifier.verifySignature(headers, body));
    assertThat(e).as("verification must fail").isNotNull();
    return e.reason();
  }
}
