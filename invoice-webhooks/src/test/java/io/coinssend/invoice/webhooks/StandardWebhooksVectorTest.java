package io.coinssend.invoice.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.coinssend.invoice.webhooks.WebhookVerificationException.Reason;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Standard Webhooks v1 vector and every negative case of shared/vectors/VECTORS.md, copied as published (the
 * specification's shared test scenario), never recomputed with the code under test.
 */
class StandardWebhooksVectorTest {

  static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  static final String SECRET_BASE64 = "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  static final String ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
  static final long TIMESTAMP = 1614265330L;
  static final byte[] PAYLOAD = "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8);
  static final String SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
  static final String OTHER_V1 = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=";
  static final String OTHER_V2 = "v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=";

  private static WebhookVerifier verifierAt(long epochSecond) {
    return WebhookVerifier.builder().secret(SECRET)
        .clock(Clock.fixed(Instant.ofEpochSecond(epochSecond), ZoneOffset.UTC)).build();
  }

  private static final WebhookVerifier VERIFIER = verifierAt(TIMESTAMP);

  private static Map<String, List<String>> headers(String id, String timestamp, String signature) {
    Map<String, List<String>> headers = new LinkedHashMap<>();
    if (id != null) {
      headers.put("webhook-id", List.of(id));
    }
    if (timestamp != null) {
      headers.put("webhook-timestamp", List.of(timestamp));
    }
    if (signature != null) {
      headers.put("webhook-signature", List.of(signature));
    }
    return headers;
  }

  private static Map<String, List<String>> valid(String signature) {
    return headers(ID, Long.toString(TIMESTAMP), signature);
  }

  private static Reason refusal(WebhookVerifier verifier, Map<String, List<String>> headers, byte[] body) {
    WebhookVerificationException e = catchThrowableOfType(WebhookVerificationException.class,
        () -> verifier.verifySignature(headers, body));
    assertThat(e).as("verification must fail").isNotNull();
    return e.reason();
  }

  @Test
  void thePayloadIsTheTwentyPublishedBytes() {
    assertThat(PAYLOAD).hasSize(20);
  }

  @Test
  void v1SignerProducesThePublishedSignature() {
    WebhookSigner signer = WebhookSigner.v1(WebhookSecret.parse(SECRET));

    assertThat(signer.sign(ID, TIMESTAMP, PAYLOAD)).isEqualTo(SIGNATURE);
  }

  @Test
  void theSecretWorksWithOrWithoutItsPrefix() {
    assertThat(WebhookSigner.v1(WebhookSecret.parse(SECRET_BASE64)).sign(ID, TIMESTAMP, PAYLOAD))
        .isEqualTo(SIGNATURE);
    WebhookVerifier unprefixed = WebhookVerifier.builder().secret(SECRET_BASE64)
        .clock(Clock.fixed(Instant.ofEpochSecond(TIMESTAMP), ZoneOffset.UTC)).build();
    assertThat(unprefixed.verifySignature(valid(SIGNATURE), PAYLOAD).id()).isEqualTo(ID);
  }

  @Test
  void anEmptySecretIsRejected() {
    assertThatThrownBy(() -> WebhookSecret.parse("whsec_"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("empty");
    assertThatThrownBy(() -> WebhookVerifier.forSecret("whsec_")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theVectorVerifies() {
    VerifiedWebhook verified = VERIFIER.verifySignature(valid(SIGNATURE), PAYLOAD);

    assertThat(verified.id()).isEqualTo(ID);
    assertThat(verified.timestamp()).isEqualTo(Instant.ofEpochSecond(TIMESTAMP));
    assertThat(verified.scheme()).isEqualTo("v1");
  }

  @Test
  void theValidSignatureAmongOthersVerifies() {
    for (String header : List.of(
        OTHER_V1 + " " + SIGNATURE + " " + OTHER_V2,
        SIGNATURE + " " + OTHER_V1 + " " + OTHER_V2,
        OTHER_V2 + " " + OTHER_V1 + " " + SIGNATURE)) {
      assertThat(VERIFIER.verifySignature(valid(header), PAYLOAD).id()).as(header).isEqualTo(ID);
    }
  }

  @Test
  void headerNamesMatchInAnyCase() {
    Map<String, List<String>> headers = Map.of(
        "Webhook-Id", List.of(ID),
        "WEBHOOK-TIMESTAMP", List.of(Long.toString(TIMESTAMP)),
        "webhook-SIGNATURE", List.of(SIGNATURE));

    assertThat(VERIFIER.verifySignature(headers, PAYLOAD).id()).isEqualTo(ID);
  }

  @Test
  void namesThatOnlyLookAlikeAreOtherHeaders() {
    for (String idName : List.of("webhook_id", "webhook-id ", "webhookid", "webhook-iD2", "WEBHOOK\u2010ID")) {
      Map<String, List<String>> headers = Map.of(
          idName, List.of(ID),
          "Webhook-Timestamp", List.of(Long.toString(TIMESTAMP)),
          "Webhook-Signature", List.of(SIGNATURE));

      assertThat(refusal(VERIFIER, headers, PAYLOAD)).as(idName).isEqualTo(Reason.MISSING_HEADER);
    }
  }

  @Test
  void aNameUnderASecondSpellingAfterTheThreeIsStillSeen() {
    // A map that keeps names as given may hold one header twice; the verifier reads it to the end.
    Map<String, List<String>> headers = valid(SIGNATURE);
    headers.put("Content-Type", List.of("application/json"));
    headers.put("Webhook-Id", List.of("msg_other"));

    assertThat(refusal(VERIFIER, headers, PAYLOAD)).isEqualTo(Reason.MALFORMED_HEADER);
  }

  @Test
  void theJdkServersHeadersAndACaseInsensitiveTreeMapAreAccepted() {
    // Both keep one key per name, whatever its case; the verifier may stop once it has the three headers.
    com.sun.net.httpserver.Headers server = new com.sun.net.httpserver.Headers();
    java.util.TreeMap<String, List<String>> tree = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (Map<String, List<String>> headers : List.<Map<String, List<String>>>of(server, tree)) {
      headers.put("Host", List.of("shop.example"));
      headers.put("webhook-id", List.of(ID));
      headers.put("WEBHOOK-TIMESTAMP", List.of(Long.toString(TIMESTAMP)));
      headers.put("Webhook-Signature", List.of(SIGNATURE));
      headers.put("User-Agent", List.of("CoinsSend-Webhooks"));
      headers.put("Content-Type", List.of("application/json"));

      assertThat(VERIFIER.verifySignature(headers, PAYLOAD).id()).as(headers.getClass().getName()).isEqualTo(ID);
      headers.put("Webhook-ID", List.of(ID, "msg_other"));
      assertThat(refusal(VERIFIER, headers, PAYLOAD)).isEqualTo(Reason.MALFORMED_HEADER);
    }
  }

  @Test
  void theJdkHttpHeadersAreAccepted() {
    HttpHeaders headers = HttpHeaders.of(valid(SIGNATURE), (name, value) -> true);

    assertThat(VERIFIER.verifySignature(headers, PAYLOAD).id()).isEqualTo(ID);
  }

  @Test
  void aWrongVersionFails() {
    assertThat(refusal(VERIFIER, valid("v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="), PAYLOAD))
        .isEqualTo(Reason.NO_MATCHING_SIGNATURE);
  }

  @Test
  void aSignatureWithoutVersionFails() {
    assertThat(refusal(VERIFIER, valid("invalid_signature"), PAYLOAD)).isEqualTo(Reason.MALFORMED_HEADER);
  }

  @Test
  void anInvalidV1SignatureFails() {
    assertThat(refusal(VERIFIER, valid("v1,invalid_signature"), PAYLOAD)).isEqualTo(Reason.NO_MATCHING_SIGNATURE);
  }

  @Test
  void anEmptyV1SignatureFails() {
    assertThat(refusal(VERIFIER, valid("v1,"), PAYLOAD)).isEqualTo(Reason.NO_MATCHING_SIGNATURE);
  }

  @Test
  void otherSignaturesAloneFail() {
    assertThat(refusal(VERIFIER, valid(OTHER_V1 + " " + OTHER_V2), PAYLOAD)).isEqualTo(Reason.NO_MATCHING_SIGNATURE);
  }

  @Test
  void eachMissingHeaderFails() {
    String ts = Long.toString(TIMESTAMP);
    assertThat(refusal(VERIFIER, headers(null, ts, SIGNATURE), PAYLOAD)).isEqualTo(Reason.MISSING_HEADER);
    assertThat(refusal(VERIFIER, headers(ID, null, SIGNATURE), PAYLOAD)).isEqualTo(Reason.MISSING_HEADER);
    assertThat(refusal(VERIFIER, headers(ID, ts, null), PAYLOAD)).isEqualTo(Reason.MISSING_HEADER);
    assertThat(refusal(VERIFIER, headers(ID, ts, ""), PAYLOAD)).isEqualTo(Reason.MISSING_HEADER);
    WebhookVerificationException e = catchThrowableOfType(WebhookVerificationException.class,
        () -> VERIFIER.verifySignature(headers(ID, null, SIGNATURE), PAYLOAD));
    assertThat(e).hasMessageContaining("webhook-timestamp");
  }

  @Test
  void aTimestampMoreThanFiveMinutesOldFails() {
    assertThat(refusal(verifierAt(TIMESTAMP + 301), valid(SIGNATURE), PAYLOAD)).isEqualTo(Reason.TIMESTAMP_TOO_OLD);
    assertThat(verifierAt(TIMESTAMP + 300).verifySignature(valid(SIGNATURE), PAYLOAD).id()).isEqualTo(ID);
  }

  @Test
  void aTimestampMoreThanFiveMinutesAheadFails() {
    assertThat(refusal(verifierAt(TIMESTAMP - 301), valid(SIGNATURE), PAYLOAD)).isEqualTo(Reason.TIMESTAMP_TOO_NEW);
    assertThat(verifierAt(TIMESTAMP - 300).verifySignature(valid(SIGNATURE), PAYLOAD).id()).isEqualTo(ID);
  }

  @Test
  void theToleranceIsConfigurable() {
    WebhookVerifier strict = WebhookVerifier.builder().secret(SECRET)
        .tolerance(java.time.Duration.ofSeconds(10))
        .clock(Clock.fixed(Instant.ofEpochSecond(TIMESTAMP + 11), ZoneOffset.UTC)).build();

    assertThat(refusal(strict, valid(SIGNATURE), PAYLOAD)).isEqualTo(Reason.TIMESTAMP_TOO_OLD);
  }

  @Test
  void everyChangedBodyByteFails() {
    for (int i = 0; i < PAYLOAD.length; i++) {
      for (int bit = 0; bit < 8; bit++) {
        byte[] tampered = PAYLOAD.clone();
        tampered[i] ^= (byte) (1 << bit);
        assertThat(refusal(VERIFIER, valid(SIGNATURE), tampered)).as("byte %d bit %d", i, bit)
            .isEqualTo(Reason.NO_MATCHING_SIGNATURE);
      }
    }
    assertThat(refusal(VERIFIER, valid(SIGNATURE), "{\"test\": 2432232314}\n".getBytes(StandardCharsets.UTF_8)))
        .isEqualTo(Reason.NO_MATCHING_SIGNATURE);
    assertThat(refusal(VERIFIER, valid(SIGNATURE), "{\"test\":2432232314}".getBytes(StandardCharsets.UTF_8)))
        .as("the same JSON re-serialised without the space").isEqualTo(Reason.NO_MATCHING_SIGNATURE);
  }

  @Test
  void aChangedIdFails() {
    for (int i = 0; i < ID.length(); i++) {
      char[] chars = ID.toCharArray();
      chars[i] = chars[i] == 'A' ? 'B' : 'A';
      Map<String, List<String>> headers = headers(new String(chars), Long.toString(TIMESTAMP), SIGNATURE);
      assertThat(refusal(VERIFIER, headers, PAYLOAD)).as("id char %d", i).isEqualTo(Reason.NO_MATCHING_SIGNATURE);
    }
  }

  @ParameterizedTest
  @ValueSource(longs = {-1, 1, -60, 60, 299})
  void aChangedTimestampWithinTheToleranceFails(long delta) {
    Map<String, List<String>> headers = headers(ID, Long.toString(TIMESTAMP + delta), SIGNATURE);

    assertThat(refusal(VERIFIER, headers, PAYLOAD)).isEqualTo(Reason.NO_MATCHING_SIGNATURE);
  }

  @Test
  void malformedHeadersAreNamed() {
    assertThat(refusal(VERIFIER, headers(ID, "16142653x0", SIGNATURE), PAYLOAD)).isEqualTo(Reason.MALFORMED_HEADER);
    assertThat(refusal(VERIFIER, headers(ID, "-1614265330", SIGNATURE), PAYLOAD)).isEqualTo(Reason.MALFORMED_HEADER);
    assertThat(refusal(VERIFIER, headers("msg.1", Long.toString(TIMESTAMP), SIGNATURE), PAYLOAD))
        .isEqualTo(Reason.MALFORMED_HEADER);
    Map<String, List<String>> twoIds = valid(SIGNATURE);
    twoIds.put("webhook-id", List.of(ID, "msg_other"));
    assertThat(refusal(VERIFIER, twoIds, PAYLOAD)).isEqualTo(Reason.MALFORMED_HEADER);
  }

  @Test
  void aSignatureHeaderSplitIntoSeveralValuesIsJoined() {
    Map<String, List<String>> headers = valid(SIGNATURE);
    headers.put("webhook-signature", List.of(OTHER_V1, SIGNATURE));

    assertThat(VERIFIER.verifySignature(headers, PAYLOAD).id()).isEqualTo(ID);
  }

  @Test
  void anAuthenticBodyThatIsNoEventIsAMalformedPayload() {
    WebhookVerificationException e = catchThrowableOfType(WebhookVerificationException.class,
        () -> VERIFIER.verify(valid(SIGNATURE), PAYLOAD));

    assertThat(e.reason()).isEqualTo(Reason.MALFORMED_PAYLOAD);
  }

  @Test
  void refusalsNeverShowTheSecretOrTheExpectedSignature() {
    WebhookVerificationException e = catchThrowableOfType(WebhookVerificationException.class,
        () -> VERIFIER.verifySignature(valid(OTHER_V1), PAYLOAD));

    assertThat(e.getMessage()).doesNotContain(SECRET_BASE64).doesNotContain("g0hM9SsE");
  }

  @Test
  void theToleranceHoldsToTheNanosecond() {
    Clock oldByOneNano = Clock.fixed(Instant.ofEpochSecond(TIMESTAMP + 300, 1), ZoneOffset.UTC);
    Clock newByOneNano = Clock.fixed(Instant.ofEpochSecond(TIMESTAMP - 301, 999_999_999), ZoneOffset.UTC);
    Clock justWithin = Clock.fixed(Instant.ofEpochSecond(TIMESTAMP - 300, 1), ZoneOffset.UTC);

    assertThat(refusal(WebhookVerifier.builder().secret(SECRET).clock(oldByOneNano).build(), valid(SIGNATURE),
        PAYLOAD)).isEqualTo(Reason.TIMESTAMP_TOO_OLD);
    assertThat(refusal(WebhookVerifier.builder().secret(SECRET).clock(newByOneNano).build(), valid(SIGNATURE),
        PAYLOAD)).isEqualTo(Reason.TIMESTAMP_TOO_NEW);
    assertThat(WebhookVerifier.builder().secret(SECRET).clock(justWithin).build()
        .verifySignature(valid(SIGNATURE), PAYLOAD).id()).isEqualTo(ID);
    WebhookVerifier halfSecond = WebhookVerifier.builder().secret(SECRET)
        .tolerance(java.time.Duration.ofMillis(10_500))
        .clock(Clock.fixed(Instant.ofEpochSecond(TIMESTAMP + 10, 500_000_000), ZoneOffset.UTC)).build();
    assertThat(halfSecond.verifySignature(valid(SIGNATURE), PAYLOAD).id()).isEqualTo(ID);
    WebhookVerifier halfSecondPast = WebhookVerifier.builder().secret(SECRET)
        .tolerance(java.time.Duration.ofMillis(10_500))
        .clock(Clock.fixed(Instant.ofEpochSecond(TIMESTAMP + 10, 500_000_001), ZoneOffset.UTC)).build();
    assertThat(refusal(halfSecondPast, valid(SIGNATURE), PAYLOAD)).isEqualTo(Reason.TIMESTAMP_TOO_OLD);
  }

  @Test
  void aSignatureWithoutItsPaddingVerifies() {
    String unpadded = SIGNATURE.substring(0, SIGNATURE.length() - 1);

    assertThat(VERIFIER.verifySignature(valid(unpadded), PAYLOAD).scheme()).isEqualTo("v1");
  }

  @Test
  void everyChangedSignatureCharacterFails() {
    String base64 = SIGNATURE.substring("v1,".length());
    for (int i = 0; i < base64.length(); i++) {
      char[] chars = base64.toCharArray();
      chars[i] = chars[i] == 'A' ? 'B' : 'A';
      assertThat(refusal(VERIFIER, valid("v1," + new String(chars)), PAYLOAD)).as("signature char %d", i)
          .isEqualTo(Reason.NO_MATCHING_SIGNATURE);
    }
    assertThat(refusal(VERIFIER, valid(SIGNATURE + "="), PAYLOAD)).isEqualTo(Reason.NO_MATCHING_SIGNATURE);
    assertThat(refusal(VERIFIER, valid(SIGNATURE.substring(0, SIGNATURE.length() - 2)), PAYLOAD))
        .isEqualTo(Reason.NO_MATCHING_SIGNATURE);
  }

  @Test
  void aSignatureDifferingOnlyInTheUnusedBitsOfItsLastCharacterFails() {
    // The vector's 43rd character 'E' (000100) carries the MAC's last 4 bits and 2 unused zero bits; 'F' and 'H' set
    // them. A lenient base64 decoder reads the same 32 bytes from all three; the verifier accepts one spelling.
    assertThat(SIGNATURE).endsWith("1OE=");
    String base = SIGNATURE.substring(0, SIGNATURE.length() - 2);
    for (String header : List.of(base + "F=", base + "H=", base + "F", base + "H")) {
      assertThat(refusal(VERIFIER, valid(header), PAYLOAD)).as(header).isEqualTo(Reason.NO_MATCHING_SIGNATURE);
    }
  }

  @Test
  void aValidSignatureAfterAShortTokenOrOtherWhitespaceVerifies() {
    for (String header : List.of(
        "v1,short " + SIGNATURE,
        "v1,short\t" + SIGNATURE,
        "v1,x " + SIGNATURE.substring(0, SIGNATURE.length() - 1) + " " + OTHER_V2,
        "  " + SIGNATURE + "  ",
        OTHER_V1 + "\t" + SIGNATURE)) {
      assertThat(VERIFIER.verifySignature(valid(header), PAYLOAD).id()).as(header).isEqualTo(ID);
    }
    assertThat(refusal(VERIFIER, valid(SIGNATURE + "x"), PAYLOAD)).isEqualTo(Reason.NO_MATCHING_SIGNATURE);
    assertThat(refusal(VERIFIER, valid(SIGNATURE + "=="), PAYLOAD)).isEqualTo(Reason.NO_MATCHING_SIGNATURE);
    assertThat(refusal(VERIFIER, valid(SIGNATURE.replace('+', ' ')), PAYLOAD)).isEqualTo(Reason.NO_MATCHING_SIGNATURE);
  }

  @Test
  void aRotatedSecretVerifiesWhicheverVerifierRanBeforeOnTheThread() {
    WebhookVerifier rotated = WebhookVerifier.builder().secret("whsec_" + "A".repeat(32)).secret(SECRET)
        .secret("whsec_" + "B".repeat(32)).clock(Clock.fixed(Instant.ofEpochSecond(TIMESTAMP), ZoneOffset.UTC))
        .build();
    WebhookVerifier other = WebhookVerifier.builder().secret("whsec_" + "C".repeat(32))
        .clock(Clock.fixed(Instant.ofEpochSecond(TIMESTAMP), ZoneOffset.UTC)).build();

    for (int round = 0; round < 3; round++) {
      assertThat(rotated.verifySignature(valid(OTHER_V1 + " " + SIGNATURE), PAYLOAD).id()).isEqualTo(ID);
      assertThat(refusal(other, valid(SIGNATURE), PAYLOAD)).isEqualTo(Reason.NO_MATCHING_SIGNATURE);
      assertThat(VERIFIER.verifySignature(valid(SIGNATURE), PAYLOAD).id()).isEqualTo(ID);
    }
  }
}
