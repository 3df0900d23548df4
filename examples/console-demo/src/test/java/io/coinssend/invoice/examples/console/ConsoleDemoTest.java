package io.coinssend.invoice.examples.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ConsoleDemoTest {

  @Test
  void theDemoDrivesEveryInvoiceToItsStatus() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    new ConsoleDemo(new PrintStream(bytes, true, StandardCharsets.UTF_8)).run();
    String out = bytes.toString(StandardCharsets.UTF_8);
    assertThat(out).containsPattern("order-1001 +PAID +PAID_IN_FULL");
    assertThat(out).containsPattern("order-1002 +PAID +PAID_IN_FULL");
    assertThat(out).containsPattern("order-1003 +OVERPAID +PAID_OVER");
    assertThat(out).containsPattern("order-1004 +EXPIRED +NOT_PAID_IN_TIME");
    assertThat(out).containsPattern("order-1005 +PAID +MARKED_PAID");
    assertThat(out).contains("invoice.late_payment").contains("invoice.blocked").contains("invoice.resolved");
  }
}
