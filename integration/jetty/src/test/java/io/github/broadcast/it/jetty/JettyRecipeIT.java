package io.github.broadcast.it.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.broadcast.it.jetty.recipe.JettyRecipe;
import io.github.broadcast.testing.WsTestClient;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The plain-Jetty recipe as the documentation shows it, a whole program, run as its own process: a
 * page gets its changes, and SIGTERM closes the page with 1001, going away, not 1006.
 */
@Timeout(120) // A guard against a hang, not a speed assertion.
final class JettyRecipeIT {

  @Test
  void theJettyProgram_servesChanges_andSigtermClosesEveryPageWith1001() throws Exception {
    Process process =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                JettyRecipe.class.getName(),
                "0")
            .redirectErrorStream(true)
            .start();
    try {
      BufferedReader out =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      String line;
      do {
        line = out.readLine();
      } while (line != null && !line.startsWith("serving "));
      assertThat(line).as("the program's own line").isNotNull();
      WsTestClient page =
          WsTestClient.connect(
              HttpClient.newHttpClient(), URI.create(line.substring(8)), "page", null);
      await().until(() -> page.recorder().view().getOrDefault("session-1", 0L) >= 2L);

      process.destroy(); // SIGTERM.
      assertThat(page.closeCode().get(30, TimeUnit.SECONDS)).isEqualTo(1001);
      assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("the process ended").isTrue();
    } finally {
      process.destroyForcibly();
    }
  }
}
