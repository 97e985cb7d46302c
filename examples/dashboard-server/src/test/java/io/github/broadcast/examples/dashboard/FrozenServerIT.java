package io.github.broadcast.examples.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.broadcast.testing.FreezingProxy;
import io.github.broadcast.testing.NodeScript;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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
    NodeScript.requireChromium(SCRIPT_DIR);
    int port;
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    List<String> output;
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
        output =
            NodeScript.converse(
                SCRIPT_DIR,
                List.of(
                    "frozen-test.mjs",
                    "http://127.0.0.1:" + proxy.port() + "/",
                    "http://127.0.0.1:" + port),
                line -> {
                  if (line.equals("FREEZE")) {
                    proxy.freeze();
                    return "FROZEN";
                  } else if (line.equals("THAW")) {
                    proxy.thaw();
                    return "THAWED";
                  }
                  return null;
                });
      } finally {
        server.close();
      }
    }
    System.out.println("frozen-server test: " + output.get(output.size() - 1));
    assertThat(output).as("frozen-server test output").last().asString().startsWith("OK");
  }
}
