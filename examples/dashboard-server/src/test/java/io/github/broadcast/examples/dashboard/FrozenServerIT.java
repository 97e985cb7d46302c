package io.github.broadcast.examples.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.broadcast.testing.FreezingProxy;
import io.github.broadcast.testing.Prerequisites;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 24: the page, on its defaults, notices a server that stopped answering (frozen: the
 * connection stays open and nothing comes back, as after SIGSTOP, a laptop's sleep or a NAT that
 * dropped its mapping) within 60 s, shows it, and after the thaw reconnects by itself, resumes with
 * only what changed meanwhile, and shows it. A {@link FreezingProxy} between the page and the
 * server plays the frozen server; the script is {@code src/test/js/frozen-test.mjs}.
 */
final class FrozenServerIT {

  private static final Path SCRIPT_DIR = Path.of("src/test/js");

  @Test
  void aFrozenServerIsNoticedWithin60s_andAfterTheThawThePageResumes() throws Exception {
    Path chromium = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));
    Prerequisites.require(
        Files.isExecutable(chromium)
            && Files.isDirectory(SCRIPT_DIR.resolve("node_modules/playwright-core")),
        chromium + " and npm packages in " + SCRIPT_DIR,
        "apt-get install chromium; npm ci --prefix " + SCRIPT_DIR);
    int port;
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    List<String> output = new ArrayList<>();
    try (FreezingProxy proxy = new FreezingProxy(new InetSocketAddress("127.0.0.1", port))) {
      Options options =
          Options.parse(
              new String[] {
                "--port",
                String.valueOf(port),
                "--data-dir",
                "none",
                "--public-url",
                "http://127.0.0.1:" + proxy.port()
              },
              Map.of());
      DashboardServer server = DashboardServer.start(options);
      try {
        Process node =
            new ProcessBuilder(
                    "node",
                    "frozen-test.mjs",
                    "http://127.0.0.1:" + proxy.port() + "/",
                    "http://127.0.0.1:" + port)
                .directory(SCRIPT_DIR.toFile())
                .redirectErrorStream(true)
                .start();
        try (BufferedReader in =
                new BufferedReader(
                    new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
            PrintWriter out =
                new PrintWriter(node.getOutputStream(), true, StandardCharsets.UTF_8)) {
          String line;
          while ((line = in.readLine()) != null) {
            output.add(line);
            if (line.equals("FREEZE")) {
              proxy.freeze();
              out.println("FROZEN");
            } else if (line.equals("THAW")) {
              proxy.thaw();
              out.println("THAWED");
            } else if (line.startsWith("OK") || line.startsWith("FAIL")) {
              break;
            }
          }
          assertThat(node.waitFor(30, TimeUnit.SECONDS)).as("%s", output).isTrue();
        } finally {
          node.destroyForcibly();
        }
      } finally {
        server.close();
      }
    }
    System.out.println("frozen-server test: " + output.get(output.size() - 1));
    assertThat(output).as("frozen-server test output").last().asString().startsWith("OK");
  }
}
