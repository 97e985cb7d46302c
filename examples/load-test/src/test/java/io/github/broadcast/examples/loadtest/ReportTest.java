package io.github.broadcast.examples.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report's new figures: wire bytes per update, patches applied and missed, the options. */
final class ReportTest {

  private static final String RUN =
      """
      {"scenario": "orig-10x3x1", "sessions": 10, "rate": 3, "clients": 1,
       "strategy": "%s", "staleness_ms": {"samples": 90, "p50": 1, "p90": 2, "p99": 3, "max": 4},
       "frames_per_s_per_client": 4, "updates_per_s_per_client": 30, "converged": %s%s}
      """;

  private static LoadTestReport report(Path dir, String header, String... runs) throws Exception {
    Path file = dir.resolve("report.json");
    Files.writeString(
        file,
        "{\"date\": \"2026-12-08T00:00:00Z\", \"cores\": 2, \"java\": \"17\", \"command\": \"x\","
            + " \"server_args\": \"--socket-send-buffer 64KiB\", \"server\": \"grizzly\""
            + header
            + ", \"runs\": ["
            + String.join(",", runs)
            + "]}");
    return LoadTestReport.read(file);
  }

  @Test
  void aRunWithPatches_showsWireBytesPerUpdate_patches_andMissesAsNotConverged(@TempDir Path dir)
      throws Exception {
    LoadTestReport report =
        report(
            dir,
            ", \"delta\": true, \"deflate\": true",
            RUN.formatted(
                "production",
                "false",
                ", \"wire_bytes_per_update\": 107.4, \"patches_applied\": 1200,"
                    + " \"patch_misses\": 2, \"deflated_clients\": 1"),
            RUN.formatted(
                "batched",
                "true",
                ", \"wire_bytes_per_update\": 210, \"patches_applied\": 900,"
                    + " \"patch_misses\": 0, \"deflated_clients\": 0"));

    String md = Report.markdown(report);

    assertThat(md)
        .contains("Clients: patches (`--delta`) on, permessage-deflate offered (`--deflate`) on.")
        .contains("| MB/s out | wire B/update | POST p99 ms |")
        .contains("| closes | patches (misses) | converged |")
        .contains("| 107 |", "| 1200 (**2**) | **no** (2 patches missed) |")
        .contains("| 210 (deflate refused) |", "| 900 (0) | yes |")
        .contains("| orig-10x3x1 | production | patches missed (base not held) | 0 | 2 | **no** |")
        .contains("| orig-10x3x1 | batched | patches missed (base not held) | 0 | 0 | yes |");
    assertEveryTableRowHasTheHeadersColumns(md);

    Path copy = dir.resolve("copy.json");
    report.write(copy);
    assertThat(LoadTestReport.read(copy)).isEqualTo(report);
    assertThat(Files.readString(copy))
        .contains(
            "\"delta\" : true",
            "\"wire_bytes_per_update\" : 107.4",
            "\"patches_applied\" : 1200",
            "\"patch_misses\" : 2",
            "\"deflated_clients\" : 1");
  }

  @Test
  void anOlderReport_withoutTheFigures_showsDashes_andNoPatchTarget(@TempDir Path dir)
      throws Exception {
    LoadTestReport report =
        report(
            dir,
            "",
            RUN.formatted("production", "true", ""),
            "{\"scenario\": \"orig-10x3x1\", \"strategy\": \"sequential\", \"error\": \"died\"}");

    String md = Report.markdown(report);

    assertThat(md).doesNotContain("Clients:", "patches missed").contains("| 30.0 | 0.00 | - |");
    assertThat(md).contains("| - | yes |");
    assertEveryTableRowHasTheHeadersColumns(md);
  }

  /** Each row of a run table has as many cells as its header, failed runs' included. */
  private static void assertEveryTableRowHasTheHeadersColumns(String md) {
    long columns = -1;
    for (String line : md.split("\n")) {
      if (line.startsWith("| strategy | p50 ms")) {
        columns = line.chars().filter(c -> c == '|').count();
      } else if (!line.startsWith("|")) {
        columns = -1;
      } else if (columns > 0) {
        assertThat(line.chars().filter(c -> c == '|').count()).as(line).isEqualTo(columns);
      }
    }
  }
}
