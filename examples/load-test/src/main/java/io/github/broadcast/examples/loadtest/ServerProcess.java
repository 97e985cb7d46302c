package io.github.broadcast.examples.loadtest;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The example dashboard in a JVM of its own, on a free loopback port, so that each run starts from
 * a clean heap and the server's CPU and memory are its own.
 */
final class ServerProcess implements AutoCloseable {

  private static final Pattern STARTED = Pattern.compile("dashboard: (http://\\S+/)");

  private final Process process;
  final URI base;

  private ServerProcess(Process process, URI base) {
    this.process = process;
    this.base = base;
  }

  /**
   * Which dashboard to start: the Grizzly one (dashboard-server) or the Spring Boot one
   * (spring-boot-dashboard on Tomcat). Both print {@code dashboard: URL} once they listen, and both
   * get a 64 KiB socket send buffer: with the OS default (autotuned to 4 MiB on loopback) the
   * kernel absorbs a stalled client's bytes for tens of seconds at these rates, and a run would end
   * before any strategy saw the stall.
   */
  enum Kind {
    GRIZZLY(
        "examples/dashboard-server/target/dashboard-server.jar",
        "examples/dashboard-server",
        List.of("--socket-send-buffer", "64KiB")) {
      @Override
      List<String> args(String strategy) {
        // Each run starts empty, and leaves nothing behind.
        return List.of("--port", "0", "--data-dir", "none", "--preset", strategy);
      }
    },
    SPRING(
        "examples/spring-boot-dashboard/target/spring-boot-dashboard.jar",
        "examples/spring-boot-dashboard",
        List.of("--dashboard.socket-send-buffer=64KB")) {
      @Override
      List<String> args(String strategy) {
        return List.of("--server.port=0", "--broadcast.preset=" + strategy);
      }
    };

    final Path defaultJar;
    final String module;
    final List<String> fixedArgs;

    Kind(String defaultJar, String module, List<String> fixedArgs) {
      this.defaultJar = Path.of(defaultJar);
      this.module = module;
      this.fixedArgs = fixedArgs;
    }

    /** The options that start it on a free port with {@code strategy} (a preset, lower case). */
    abstract List<String> args(String strategy);
  }

  static ServerProcess start(Kind kind, Path jar, String strategy) throws IOException {
    return start(kind, jar, strategy, List.of());
  }

  /** Starts it with {@code extra} options after the usual ones (a later option wins). */
  static ServerProcess start(Kind kind, Path jar, String strategy, List<String> extra)
      throws IOException {
    if (!Files.isRegularFile(jar)) {
      throw new IOException(
          "no dashboard jar at "
              + jar
              + " (build it: mvn -B -q package -DskipTests -pl "
              + kind.module
              + " -am)");
    }
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g",
                "-jar",
                jar.toString()));
    command.addAll(kind.args(strategy));
    command.addAll(kind.fixedArgs);
    command.addAll(extra);
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    CompletableFuture<URI> base = new CompletableFuture<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                  Matcher m = STARTED.matcher(line);
                  if (m.find()) {
                    base.complete(URI.create(m.group(1)));
                  }
                }
              } catch (IOException e) {
                base.completeExceptionally(e);
              }
              base.completeExceptionally(new IOException("the dashboard exited before it started"));
            },
            "dashboard-output");
    reader.setDaemon(true);
    reader.start();
    try {
      return new ServerProcess(process, base.get(30, TimeUnit.SECONDS));
    } catch (Exception e) {
      process.destroyForcibly();
      throw new IOException("the dashboard did not start: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
