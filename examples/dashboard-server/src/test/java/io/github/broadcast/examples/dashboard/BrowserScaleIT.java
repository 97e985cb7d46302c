package io.github.broadcast.examples.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.broadcast.examples.dashboard.core.Json;
import io.github.broadcast.testing.Prerequisites;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;

/**
 * The page in headless Chromium at scale, and a simulated working day on camera.
 *
 * <ul>
 *   <li>1,000 simulated sessions sending about 500 updates a second, one WebSocket frame per update
 *       ({@code concurrent}, the heaviest case for the page), for a minute: every session is shown,
 *       the page draws at most once per animation frame, and its JS heap after a forced GC stays
 *       flat. Frame times, long tasks and the filter's response are printed for the record.
 *   <li>24 simulated sessions after a few seconds: every status and both kinds of attention show,
 *       the tab title counts who needs the user, and {@code target/browser/simulated.png} is saved;
 *       the site's overview page uses it.
 * </ul>
 *
 * <p>Skipped, with the reason, where Chromium or the npm packages are missing, except under CI.
 */
@Timeout(300) // A guard against a hang, not a speed assertion.
final class BrowserScaleIT {

  private static final Path SCRIPT_DIR = Path.of("src/test/js");
  private DashboardServer server;

  @BeforeEach
  void requireChromium() {
    Path chromium = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));
    Prerequisites.require(
        Files.isExecutable(chromium)
            && Files.isDirectory(SCRIPT_DIR.resolve("node_modules/playwright-core")),
        chromium + " and npm packages in " + SCRIPT_DIR,
        "apt-get install chromium; npm ci --prefix " + SCRIPT_DIR);
  }

  @AfterEach
  void tearDown() {
    if (server != null) {
      server.close();
    }
  }

  /** Runs a script of {@link #SCRIPT_DIR} and returns the JSON after its final {@code OK}. */
  private static JsonNode node(String script, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("node", script));
    command.addAll(List.of(args));
    Process node =
        new ProcessBuilder(command)
            .directory(SCRIPT_DIR.toFile())
            .redirectErrorStream(true)
            .start();
    String output = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(node.waitFor(240, TimeUnit.SECONDS)).isTrue();
    String last = output.strip().substring(output.strip().lastIndexOf('\n') + 1);
    System.out.println(script + ": " + last);
    assertThat(last).as(output).startsWith("OK ");
    return Json.MAPPER.readTree(last.substring(3));
  }

  @Test
  void aThousandSessionsAt500UpdatesASecond_drawAtMostOncePerFrame_withAFlatHeap()
      throws Exception {
    server =
        DashboardServer.start(
            Options.parse(
                new String[] {"--port", "0", "--preset", "concurrent", "--simulate", "1000:0.375"},
                Map.of()));
    JsonNode result = node("scale-test.mjs", server.uri("").toString(), "60", "1000");

    assertThat(result.get("sessions").asInt()).isGreaterThanOrEqualTo(1000);
    assertThat(result.get("updatesPerSecond").asInt()).as("the load arrived").isGreaterThan(300);
    double draws = result.get("drawsPerSecond").asDouble();
    assertThat(draws)
        .as("at most one draw per frame")
        .isLessThanOrEqualTo(result.get("framesPerSecond").asDouble() + 0.5);
    assertThat(draws).isLessThanOrEqualTo(61);
    assertThat(result.get("errors")).isEmpty();
    JsonNode heap = result.get("heapMiB");
    double first = heap.get(0).asDouble();
    double last = heap.get(heap.size() - 1).asDouble();
    assertThat(last)
        .as("heap after GC, MiB, over a minute: " + heap)
        .isLessThanOrEqualTo(Math.max(first * 1.25, first + 5));
    JsonNode dom = result.get("domNodes");
    assertThat(dom.get(dom.size() - 1).asInt())
        .as("the DOM holds the visible rows, not every session")
        .isLessThan(1000);
  }

  @Test
  void aSimulatedDay_showsEveryKindOfSession_andIsPhotographedForTheSite() throws Exception {
    server =
        DashboardServer.start(
            Options.parse(new String[] {"--port", "0", "--simulate", "24:2"}, Map.of()));
    Path screenshot = Path.of("target/browser/simulated.png").toAbsolutePath();
    Files.createDirectories(screenshot.getParent());
    Files.deleteIfExists(screenshot);
    JsonNode result =
        node("simulated-shot.mjs", server.uri("").toString(), screenshot.toString(), "20");

    JsonNode counts = result.get("counts");
    assertThat(counts.get("working").asInt()).isPositive();
    assertThat(counts.get("attention").asInt()).isPositive();
    assertThat(counts.get("waiting").asInt() + counts.get("idle").asInt()).isPositive();
    assertThat(result.get("title").asString())
        .isEqualTo("(" + counts.get("attention").asInt() + ") Claude Code sessions");
    assertThat(screenshot).isNotEmptyFile();
  }
}
