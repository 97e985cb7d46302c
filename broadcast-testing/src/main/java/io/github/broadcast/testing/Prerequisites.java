package io.github.broadcast.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What a test needs from the machine (a browser, a redis-server, npm packages): where it is missing
 * the test is skipped, saying what to install; under CI ({@code CI=true}) that is a failure
 * instead, because {@code .ci/run} installs it and a skipped test there would hide a broken install
 * step.
 */
public final class Prerequisites {

  private Prerequisites() {}

  /**
   * Passes if {@code present}; otherwise skips the test, or fails it under CI.
   *
   * @param what what is missing, for the message ("/usr/bin/redis-server")
   * @param install how to get it ("apt-get install redis-server")
   */
  public static void require(boolean present, String what, String install) {
    if (!present && "true".equals(System.getenv("CI"))) {
      throw new AssertionError("CI needs " + what + " (" + install + "); .ci/run installs it");
    }
    assumeTrue(present, "needs " + what + " (run: " + install + ")");
  }
}
