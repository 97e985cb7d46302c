package io.github.broadcast.it.tomcat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.broadcast.it.tomcat.recipe.TomcatRecipe;
import io.github.broadcast.testing.ProgramProcess;
import io.github.broadcast.testing.WsTestClient;
import java.net.http.HttpClient;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The plain-Tomcat recipe as the documentation shows it, a whole program, run as its own process: a
 * page gets its changes, and SIGTERM closes the page with 1001, going away, not 1006.
 */
@Timeout(120) // A guard against a hang, not a speed assertion.
final class TomcatRecipeIT {

  @Test
  void theTomcatProgram_servesChanges_andSigtermClosesEveryPageWith1001() throws Exception {
    try (ProgramProcess program = ProgramProcess.start(TomcatRecipe.class, "0")) {
      WsTestClient page =
          WsTestClient.connect(HttpClient.newHttpClient(), program.uri(), "page", null);
      await().until(() -> page.recorder().view().getOrDefault("session-1", 0L) >= 2L);

      assertThat(program.sigterm()).as("the process ended").isTrue();
      assertThat(page.closeCode().get(30, TimeUnit.SECONDS)).isEqualTo(1001);
      page.recorder().assertConsistent();
    }
  }
}
