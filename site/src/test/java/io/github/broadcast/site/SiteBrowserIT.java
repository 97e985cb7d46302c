package io.github.broadcast.site;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.broadcast.testing.Prerequisites;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Opens the built site's benchmarks page in headless Chromium (Debian's, driven by playwright-core)
 * and proves the plots render: every image loaded with a real size, no page error, and a full-page
 * screenshot in {@code target/screenshots/benchmarks.png}.
 *
 * <p>Skipped, with the reason, where Chromium or the npm packages are missing, except under CI
 * ({@code CI=true}), where that is a failure.
 */
@Timeout(120) // A guard against a hang, not a speed assertion.
final class SiteBrowserIT {

  private static final Path SCRIPT_DIR = Path.of("src/test/js");
  private static final Path PAGE = Path.of("target/site/benchmarks.html");

  @Test
  void benchmarksPage_rendersEveryPlot() throws Exception {
    Path chromium = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));
    Prerequisites.require(
        Files.isExecutable(chromium)
            && Files.isDirectory(SCRIPT_DIR.resolve("node_modules/playwright-core")),
        chromium + " and npm packages in " + SCRIPT_DIR,
        "apt-get install chromium; npm ci --prefix " + SCRIPT_DIR);
    assertThat(PAGE).as("built by the package phase").exists();
    Path screenshot = Path.of("target/screenshots/benchmarks.png").toAbsolutePath();
    Files.createDirectories(screenshot.getParent());
    Files.deleteIfExists(screenshot);

    JsonNode result = run(PAGE.toAbsolutePath().toString(), screenshot.toString());

    assertThat(result.path("errors")).as("page errors and failed requests").isEmpty();
    JsonNode images = result.path("images");
    assertThat(images.size()).as("plots on the page").isGreaterThanOrEqualTo(3);
    for (JsonNode image : images) {
      assertThat(image.path("src").asString()).startsWith("plots/").endsWith(".svg");
      assertThat(image.path("complete").asBoolean()).as(image.toString()).isTrue();
      assertThat(image.path("naturalWidth").asInt()).as(image.toString()).isPositive();
      assertThat(image.path("width").asDouble()).as(image.toString()).isGreaterThan(200);
      assertThat(image.path("height").asDouble()).as(image.toString()).isGreaterThan(100);
    }
    assertThat(screenshot).exists();
    assertThat(Files.size(screenshot))
        .as("a real screenshot, not a blank one")
        .isGreaterThan(20_000);
  }

  private static JsonNode run(String page, String screenshot) throws Exception {
    Process node =
        new ProcessBuilder("node", "screenshot.mjs", page, screenshot)
            .directory(SCRIPT_DIR.toFile())
            .redirectErrorStream(true)
            .start();
    String output;
    try {
      output = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(node.waitFor(60, TimeUnit.SECONDS)).isTrue();
    } finally {
      node.destroyForcibly();
    }
    assertThat(node.exitValue()).as(output).isZero();
    String last = output.strip().lines().reduce((a, b) -> b).orElse("");
    try {
      return new ObjectMapper().readTree(last);
    } catch (JacksonException e) {
      throw new AssertionError("no JSON result from screenshot.mjs:\n" + output, e);
    }
  }
}
