package io.github.broadcast.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.broadcast.testing.Prerequisites;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Runs the client module's own tests ({@code node --test} in {@code src/test/js}, against a fake
 * server built on {@code ws}, on fake clocks) as part of the Maven build.
 */
final class NodeTestsTest {

  private static final Path TESTS = Path.of("src/test/js");

  @Test
  void theModulesNodeTestsPass() throws IOException, InterruptedException {
    Prerequisites.require(
        nodeRuns() && Files.isDirectory(TESTS.resolve("node_modules/ws")),
        "node and the tests' npm packages",
        "apt-get install nodejs npm; npm ci --prefix broadcast-client/src/test/js");
    Path log = Files.createTempFile("node-tests", ".log");
    Process node =
        new ProcessBuilder("node", "--test")
            .directory(TESTS.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    boolean finished = node.waitFor(120, TimeUnit.SECONDS); // A guard against a hang.
    if (!finished) {
      node.destroyForcibly();
    }
    String output = Files.readString(log, StandardCharsets.UTF_8);
    Files.delete(log);
    assertThat(finished).as("node --test finished: %s", output).isTrue();
    assertThat(node.exitValue()).as(output).isZero();
    assertThat(output).as("the tests ran").containsPattern("# pass [1-9]").contains("# fail 0");
  }

  private static boolean nodeRuns() {
    try {
      return new ProcessBuilder("node", "--version").start().waitFor() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }
}
