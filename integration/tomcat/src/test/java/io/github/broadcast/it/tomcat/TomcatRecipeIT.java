package io.github.broadcast.it.tomcat;

import io.github.broadcast.it.tomcat.recipe.TomcatRecipe;
import io.github.broadcast.testing.ProgramProcess;
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
    ProgramProcess.servesChangesThenSigtermGives1001(TomcatRecipe.class);
  }
}
