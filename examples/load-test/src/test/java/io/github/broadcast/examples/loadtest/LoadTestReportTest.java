package io.github.broadcast.examples.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/** The report record reads every committed report, and writes back exactly what it read. */
final class LoadTestReportTest {

  static Stream<Path> reports() {
    Path data = Path.of("../../site/data");
    return Stream.of(
            "load-test/report.json",
            "cluster/report.json",
            "cluster/one-node/report.json",
            "cluster/no-redis/report.json",
            "servers/grizzly/report.json",
            "servers/spring/report.json",
            "self-clocked/report.json",
            "fixed-200ms/report.json",
            "liveness/report.json",
            "memory/idle/clients-1/report.json",
            "memory/idle/clients-1000/report.json")
        .map(data::resolve)
        .filter(p -> p.toFile().isFile());
  }

  @ParameterizedTest
  @MethodSource("reports")
  void committedReport_readsThroughTheRecord_andWritesBackTheSameJson(Path file, @TempDir Path dir)
      throws Exception {
    LoadTestReport report = LoadTestReport.read(file);
    assertThat(report.runs()).isNotEmpty();
    for (LoadTestReport.Run run : report.runs()) {
      if (!run.failed()) {
        assertThat(run.framesPerSPerClient()).as(run.scenario()).isPositive();
        assertThat(run.stalenessMs().p99()).as(run.scenario()).isPositive();
      }
    }
    Path copy = dir.resolve("report.json");
    report.write(copy);
    ObjectMapper mapper = new ObjectMapper();
    JsonNode original = mapper.readTree(file.toFile());
    JsonNode written = mapper.readTree(copy.toFile());
    assertThat(written).isEqualTo(original);
  }
}
