package io.github.broadcast.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A Node script that drives headless Chromium for a test, talking with it over stdin and stdout:
 * each line the script prints is answered by the test (a command carried out, then its answer
 * line), until a line starting with {@code OK} or {@code FAIL}. How the browser tests of the page,
 * the client module and the site run their scripts.
 */
public final class NodeScript {

  private NodeScript() {}

  /**
   * Passes if Chromium (or {@code $CHROMIUM}) and playwright-core in {@code scriptDir} are there;
   * otherwise skips the test, or fails it under CI ({@link Prerequisites}).
   */
  public static void requireChromium(Path scriptDir) {
    Path chromium = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));
    Prerequisites.require(
        Files.isExecutable(chromium)
            && Files.isDirectory(scriptDir.resolve("node_modules/playwright-core")),
        chromium + " and npm packages in " + scriptDir,
        "apt-get install chromium; npm ci --prefix " + scriptDir);
  }

  /**
   * Runs {@code node args...} in {@code dir} and answers each line it prints with {@code answer}
   * (null: no answer, a line of the script's own), until a line starting with OK or FAIL; then
   * waits up to 30 s for it to exit. Returns every line it printed; the last is the verdict.
   *
   * @throws AssertionError if it did not exit in time, or said OK and exited with an error
   */
  public static List<String> converse(Path dir, List<String> args, Function<String, String> answer)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add("node");
    command.addAll(args);
    Process node =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    List<String> output = new ArrayList<>();
    try (BufferedReader in =
            new BufferedReader(
                new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
        PrintWriter out = new PrintWriter(node.getOutputStream(), true, StandardCharsets.UTF_8)) {
      String line;
      while ((line = in.readLine()) != null) {
        output.add(line);
        if (line.startsWith("OK") || line.startsWith("FAIL")) {
          break;
        }
        String reply = answer.apply(line);
        if (reply != null) {
          out.println(reply);
        }
      }
      if (!node.waitFor(30, TimeUnit.SECONDS)) {
        throw new AssertionError("node " + args + " did not exit: " + output);
      }
    } finally {
      node.destroyForcibly();
    }
    if (output.isEmpty()) {
      throw new AssertionError("node " + args + " printed nothing");
    }
    if (output.get(output.size() - 1).startsWith("OK") && node.exitValue() != 0) {
      throw new AssertionError("node " + args + " said OK but exited " + node.exitValue());
    }
    return output;
  }
}
