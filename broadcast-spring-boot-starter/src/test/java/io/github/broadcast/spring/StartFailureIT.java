package io.github.broadcast.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.builder.SpringApplicationBuilder;

/**
 * A start that fails on a {@code broadcast.*} property: Spring Boot's failure report says which
 * property, the value and what was expected, in a few lines; and the failed start leaves no thread
 * of the broadcaster's behind (the properties are checked before the broadcaster starts one).
 */
@Timeout(120) // A guard against a hang, not a speed assertion.
final class StartFailureIT {

  private static String failedStart(String... properties) {
    PrintStream stderr = System.err;
    PrintStream stdout = System.out;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    PrintStream capture = new PrintStream(printed, true, StandardCharsets.UTF_8);
    System.setErr(capture);
    System.setOut(capture);
    try {
      assertThatThrownBy(
              () ->
                  new SpringApplicationBuilder(TestApplication.class)
                      .properties("server.port=0", "spring.main.banner-mode=off")
                      .properties(properties)
                      .run()
                      .close())
          .hasRootCauseInstanceOf(InvalidBroadcastPropertyException.class);
    } finally {
      System.setErr(stderr);
      System.setOut(stdout);
    }
    return printed.toString(StandardCharsets.UTF_8);
  }

  private static boolean anyBroadcastThread() {
    return Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.isAlive() && t.getName().startsWith("broadcast-"));
  }

  @Test
  void aMissingOrigin_isReportedInAFewLines_namingTheProperty() {
    String report = failedStart();
    assertThat(report)
        .contains("APPLICATION FAILED TO START")
        .contains(
            "broadcast.allowed-origins : none (expected: the origin of the pages that connect")
        .contains("Set broadcast.allowed-origins as expected");
  }

  @Test
  void aBadValue_namesItsProperty_notTheBuildersOption() throws Exception {
    assertThat(failedStart("broadcast.allow-any-origin=true", "broadcast.max-clients=0"))
        .contains("broadcast.max-clients : 0 (expected: > 0)");
    assertThat(Files.readString(Path.of("../site/src/pages/configuration.md")))
        .as("the configuration page quotes it as it is")
        .contains("`broadcast.max-clients : 0 (expected: > 0)`");
    assertThat(failedStart("broadcast.allow-any-origin=true", "broadcast.batch-interval=0s"))
        .contains("broadcast.batch-interval : PT0S (expected: > 0)");
    assertThat(
            failedStart(
                "broadcast.allowed-origins=https://app.example/",
                "broadcast.heartbeat.interval=15s"))
        .contains("broadcast.allowed-origins : https://app.example/");
  }

  @Test
  void aFailedStart_leavesNoThreadOfTheBroadcasters() {
    assertThat(anyBroadcastThread()).as("none before").isFalse();
    failedStart("broadcast.allowed-origins=https://app.example", "broadcast.trusted-proxies=x");
    failedStart();
    assertThat(anyBroadcastThread()).isFalse();
  }
}
