package io.github.broadcast.examples.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/** A small run of the real tool against the real dashboard jar, in a JVM of its own. */
@Timeout(180) // A guard against a hang, not a speed assertion.
final class LoadTestIT {

  private static final Path JAR = Path.of("../dashboard-server/target/dashboard-server.jar");

  @Test
  void smallRun_withAStalledClient_reportsStalenessAndConverges(@TempDir Path out)
      throws Exception {
    LoadTest.run(
        new String[] {
          "--preset",
          "production,backpressure",
          "--sessions",
          "5",
          "--rate",
          "4",
          "--clients",
          "3",
          "--slow",
          "1",
          "--warmup",
          "1",
          "--duration",
          "2",
          "--out",
          out.toString(),
          "--jar",
          JAR.toString()
        });

    JsonNode report = new ObjectMapper().readTree(out.resolve("report.json").toFile());
    assertThat(report.path("runs")).hasSize(2);
    for (JsonNode run : report.path("runs")) {
      assertThat(run.path("converged").asBoolean()).as(run.toString()).isTrue();
      assertThat(run.path("staleness_ms").path("samples").asLong()).isPositive();
      assertThat(run.path("posted").asLong()).isEqualTo(5 * 4 * 3);
      assertThat(run.path("post_failures").asLong()).isZero();
      assertThat(run.path("healthy_clients_closed").asLong()).isZero();
    }
    String markdown = Files.readString(out.resolve("report.md"));
    assertThat(markdown).contains("| production |", "| backpressure |", "1 stalled");
  }

  @Test
  void badOptions_areRefusedNamingThem() {
    assertThatThrownBy(() -> LoadTest.FLAGS.parse(new String[] {"--bogus", "1"}, Map.of()))
        .hasMessage("--bogus : unknown option (see --help)");
    assertThatThrownBy(() -> LoadTest.run(new String[] {"--scenario", "nope"}))
        .hasMessageContaining("--scenario");
    assertThatThrownBy(() -> LoadTest.run(new String[] {"--preset", "fastest"}))
        .hasMessageContaining("--preset");
    assertThatThrownBy(() -> LoadTest.run(new String[] {"--strategy", "fastest"}))
        .as("the old name, kept as a deprecated alias")
        .hasMessageContaining("--preset : fastest");
    assertThatThrownBy(() -> LoadTest.run(new String[] {"--preset", "batched", "--url", "x"}))
        .hasMessageContaining("--url");
    assertThatThrownBy(() -> LoadTest.run(new String[0], Map.of("LOAD_TEST_DURATION", "0")))
        .as("from the environment too")
        .hasMessageContaining("--duration");
    assertThatThrownBy(() -> LoadTest.run(new String[] {"--duration", "0"}))
        .hasMessageContaining("--duration");
    assertThatThrownBy(() -> new Scenario("x", 1, 1, 1, 1))
        .hasMessageContaining("fewer slow clients");
  }
}
