package io.github.broadcast.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A documented program run as its own process, on the test's class path, the way a user runs it: it
 * prints {@code serving URI} once it serves, and stops on SIGTERM as a service manager, a container
 * runtime or Ctrl-C would stop it.
 */
public final class ProgramProcess implements AutoCloseable {

  private final Process process;
  private final URI uri;

  private ProgramProcess(Process process, URI uri) {
    this.process = process;
    this.uri = uri;
  }

  /**
   * Starts {@code main} with {@code args} and waits for its {@code serving URI} line.
   *
   * @throws IllegalStateException if it ends before printing one, with what it printed
   */
  public static ProgramProcess start(Class<?> main, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(main.getName());
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    StringBuilder printed = new StringBuilder();
    for (String line = out.readLine(); line != null; line = out.readLine()) {
      if (line.startsWith("serving ")) {
        Thread drain =
            new Thread(() -> drain(out), "program-output"); // A full pipe would stall it.
        drain.setDaemon(true);
        drain.start();
        return new ProgramProcess(process, URI.create(line.substring("serving ".length())));
      }
      printed.append(line).append('\n');
    }
    process.destroyForcibly();
    throw new IllegalStateException(main.getName() + " ended without serving:\n" + printed);
  }

  private static void drain(BufferedReader out) {
    try {
      while (out.readLine() != null) {
        // Discarded: the test reads what the program serves, not what it prints.
      }
    } catch (IOException e) {
      // The process ended.
    }
  }

  /**
   * The check every documented program passes: run as its own process (with {@code args}, by
   * default {@code 0}, a free port), it serves a page the changes of {@code session-1}; SIGTERM
   * then ends it, and the page was closed with 1001 (going away, so it reconnects at once), not
   * 1006.
   */
  public static void servesChangesThenSigtermGives1001(Class<?> main, String... args)
      throws Exception {
    try (ProgramProcess program = start(main, args.length == 0 ? new String[] {"0"} : args)) {
      WsTestClient page =
          WsTestClient.connect(HttpClient.newHttpClient(), program.uri(), "page", null);
      await().until(() -> page.recorder().view().getOrDefault("session-1", 0L) >= 2L);
      URI uri = program.uri();
      RawHttp.Response plain =
          RawHttp.get(uri.getPort(), "127.0.0.1:" + uri.getPort(), uri.getPath());
      assertThat(plain.status()).as("a plain GET at the socket's path").isEqualTo(426);
      assertThat(program.sigterm()).as("the process ended").isTrue();
      assertThat(page.closeCode().get(30, TimeUnit.SECONDS)).isEqualTo(1001);
      page.recorder().assertConsistent();
    }
  }

  /** The URI the program said it serves. */
  public URI uri() {
    return uri;
  }

  /** Sends SIGTERM, as {@code kill} and service managers do, and waits for the process to end. */
  public boolean sigterm() throws InterruptedException {
    process.destroy();
    return process.waitFor(30, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
