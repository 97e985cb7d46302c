package io.github.broadcast.it.jetty;

import io.github.broadcast.it.jetty.recipe.JettyRecipe;
import io.github.broadcast.testing.ProgramProcess;
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
    ProgramProcess.servesChangesThenSigtermGives1001(JettyRecipe.class);
  }
}
