package io.github.broadcast.examples.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.broadcast.testing.NodeScript;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The page in headless Chromium (Debian's {@code chromium}, driven by {@code playwright-core} from
 * npm; {@code .ci/run} installs both), behind a token: opened once with {@code ?token=}, it lands
 * on its bare address with the token in an HttpOnly cookie and connects with that alone; cards
 * follow posted hooks; sessions that need their user come first, marked and counted in the title,
 * with labels a screen reader reads; the filter, the status buttons, grouping and the arrow keys
 * work; a second page at {@code /?project=NAME} shows that project's session alone, grouped, and
 * never another's (issue 26); the page reconnects to a restarted server and shows its state; and a
 * burst of 200 updates a second is drawn no more often than the frame rate. In the first run the
 * server offers permessage-deflate, and the page's socket must have negotiated it: all of the above
 * runs on compressed frames, which Chromium decodes and whose own compressed messages the server
 * inflates. In the second the server paces the page by its acks ({@code ?ack=1}, {@code ack N} once
 * drawn). Saves {@code target/browser/dashboard.png}.
 *
 * <p>Skipped, with the reason, where Chromium or the npm packages are missing, except under CI
 * ({@code CI=true}), where that is a failure.
 */
@Timeout(180) // A guard against a hang, not a speed assertion.
final class BrowserIT {

  private static final Path SCRIPT_DIR = Path.of("src/test/js");
  private static final String TOKEN = "t0ken with spaces & symbols;=";

  /**
   * Twice: on the concurrent preset with permessage-deflate, where the page must receive every
   * update of the burst; and on the production preset, where the server paces the page by the acks
   * it sends once it has drawn: it receives at most one frame per draw, and the latest state of
   * every session.
   */
  @ParameterizedTest
  @CsvSource({"concurrent, deflate", "production, paced"})
  void page_followsHooks_reconnectsAfterARestart_andDrawsAtMostOncePerFrame(
      String strategy, String mode) throws Exception {
    NodeScript.requireChromium(SCRIPT_DIR);

    int port;
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    Options options =
        Options.parse(
            new String[] {
              "--port",
              String.valueOf(port),
              "--preset",
              strategy,
              "--token",
              TOKEN,
              "--permessage-deflate",
              mode.equals("deflate") ? "on" : "off"
            },
            Map.of());
    Path screenshot = Path.of("target/browser/dashboard.png");
    Files.createDirectories(screenshot.getParent());
    Files.deleteIfExists(screenshot);

    DashboardServer[] server = {DashboardServer.start(options)};
    List<String> output;
    try {
      output =
          NodeScript.converse(
              SCRIPT_DIR,
              List.of(
                  "browser-test.mjs",
                  "http://127.0.0.1:" + port,
                  screenshot.toAbsolutePath().toString(),
                  TOKEN,
                  mode),
              line -> {
                try {
                  if (line.equals("STOP")) {
                    server[0].close();
                    return "STOPPED";
                  } else if (line.equals("START")) {
                    server[0] = DashboardServer.start(options); // Same port, empty state.
                    return "STARTED";
                  }
                  return null;
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    } finally {
      server[0].close();
    }
    System.out.println("browser test: " + output.get(output.size() - 1));
    assertThat(output).as("browser test output").last().asString().startsWith("OK");
    assertThat(screenshot).isNotEmptyFile();
  }
}
