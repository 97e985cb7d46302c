package io.github.broadcast.springrecipe;

import io.github.broadcast.testing.ProgramProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Spring Boot recipe as the documentation shows it, run as its own process with its properties
 * on the command line: a page gets the scheduled changes, and SIGTERM closes it with 1001 (Spring
 * Boot's shutdown hook, the starter's lifecycle), not 1006.
 */
@Timeout(120) // A guard against a hang, not a speed assertion.
final class SpringRecipeIT {

  @Test
  void theSpringProgram_servesScheduledChanges_andSigtermClosesEveryPageWith1001()
      throws Exception {
    ProgramProcess.servesChangesThenSigtermGives1001(
        SpringRecipe.class,
        "--server.port=0",
        "--server.address=127.0.0.1",
        "--broadcast.path=/ws/dashboard",
        "--broadcast.allowed-origins=http://localhost:8080",
        "--spring.main.banner-mode=off");
  }
}
