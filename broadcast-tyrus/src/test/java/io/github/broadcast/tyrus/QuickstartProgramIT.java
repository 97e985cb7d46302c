package io.github.broadcast.tyrus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.broadcast.testing.ProgramProcess;
import io.github.broadcast.testing.WsTestClient;
import io.github.broadcast.tyrus.quickstart.Quickstart;
import java.net.http.HttpClient;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The quickstart as the documentation shows it, a whole program, run as its own process: a page
 * gets its changes, and SIGTERM (what a service manager, a container runtime or Ctrl-C sends)
 * closes the page with 1001, going away, not 1006.
 */
@Timeout(120) // A guard against a hang, not a speed assertion.
final class QuickstartProgramIT {

  @Test
  void theQuickstartProgram_servesChanges_andSigtermClosesEveryPageWith1001() throws Exception {
    try (ProgramProcess program = ProgramProcess.start(Quickstart.class, "0")) {
      WsTestClient page =
          WsTestClient.connect(HttpClient.newHttpClient(), program.uri(), "page", null);
      await().until(() -> page.recorder().view().getOrDefault("session-1", 0L) >= 2L);

      assertThat(program.sigterm()).as("the process ended").isTrue();
      assertThat(page.closeCode().get(30, TimeUnit.SECONDS)).isEqualTo(1001);
      page.recorder().assertConsistent();
    }
  }
}
