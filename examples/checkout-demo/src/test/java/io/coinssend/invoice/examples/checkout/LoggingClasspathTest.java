package io.coinssend.invoice.examples.checkout;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.ClassicConstants;
import ch.qos.logback.core.CoreConstants;
import org.junit.jupiter.api.Test;

/**
 * Spring Boot's BOM manages logback-core, the project's parent manages logback-classic: both must resolve to one
 * version, or logback starts by reporting a class of its core missing (it did, with classic 1.5.38 beside core
 * 1.5.20).
 */
class LoggingClasspathTest {

  @Test
  void logbackCoreAndClassicAreTheSameVersion() {
    String core = CoreConstants.class.getPackage().getImplementationVersion();
    String classic = ClassicConstants.class.getPackage().getImplementationVersion();
    assertThat(core).as("logback-core's version from its manifest").isNotBlank();
    assertThat(core).as("logback-core beside logback-classic %s", classic).isEqualTo(classic);
  }
}
