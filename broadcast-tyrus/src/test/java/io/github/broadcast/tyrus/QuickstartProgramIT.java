package io.github.broadcast.tyrus;

import io.github.broadcast.testing.ProgramProcess;
import io.github.broadcast.tyrus.quickstart.Quickstart;
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
    ProgramProcess.servesChangesThenSigtermGives1001(Quickstart.class);
  }
}
