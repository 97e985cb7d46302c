package io.github.broadcast.tyrus;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.broadcast.Broadcaster;
import io.github.broadcast.Broadcasters;
import io.github.broadcast.SessionUpdate;
import io.github.broadcast.jakarta.BroadcastEndpointConfig;
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
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.ObjectMapper;

/**
 * Issue 24: the browser client module ({@code /broadcast/client.js}, served by this server) in
 * headless Chromium, driven through the DevTools protocol: patches applied, a frozen server noticed
 * and resumed from after the thaw, offline and back, and a throttled link, each ending with exactly
 * the server's view. The page and the script are the client module's own, in {@code
 * broadcast-client/src/test/js/chromium}; a {@link FreezingProxy} plays the frozen server.
 */
final class ClientModuleBrowserIT {

  private static final Path SCRIPTS = Path.of("../broadcast-client/src/test/js");
  private static final ObjectMapper mapper = new ObjectMapper();

  private final Map<String, Long> view = new TreeMap<>(); // What was published: id -> version.
  private long version;

  @Test
  void inChromium_theModuleKeepsTheServersView_acrossAFreezeOfflineAndAThrottledLink()
      throws Exception {
    Path chromium = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));
    Prerequisites.require(
        Files.isExecutable(chromium)
            && Files.isDirectory(SCRIPTS.resolve("node_modules/playwright-core")),
        chromium + " and npm packages in " + SCRIPTS,
        "apt-get install chromium; npm ci --prefix broadcast-client/src/test/js");
    Broadcaster broadcaster = Broadcasters.production();
    int frontPort;
    try (ServerSocket probe = new ServerSocket(0)) {
      frontPort = probe.getLocalPort();
    }
    // The page goes through the proxy: its origin is the server's public URL.
    EmbeddedServer server =
        EmbeddedServer.newBuilder()
            .endpoint(BroadcastEndpointConfig.newBuilder("/ws", broadcaster))
            .publicUrl("http://127.0.0.1:" + frontPort)
            .staticFiles(SCRIPTS.resolve("chromium"))
            .start();
    List<String> output = new ArrayList<>();
    try (FreezingProxy front =
        new FreezingProxy(frontPort, new InetSocketAddress("127.0.0.1", server.port()))) {
      Process node =
          new ProcessBuilder(
                  "node",
                  "chromium/client-chromium.mjs",
                  "http://127.0.0.1:" + frontPort + "/index.html")
              .directory(SCRIPTS.toFile())
              .redirectErrorStream(true)
              .start();
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
          String answer = answer(line, broadcaster, front);
          if (answer != null) {
            out.println(answer);
          }
        }
        assertThat(node.waitFor(30, TimeUnit.SECONDS)).as("%s", output).isTrue();
      } finally {
        node.destroyForcibly();
      }
    } finally {
      server.close();
      broadcaster.close();
    }
    System.out.println("client module in Chromium: " + output.get(output.size() - 1));
    assertThat(output).as("Chromium test output").last().asString().startsWith("OK");
  }

  /** Carries out one of the script's commands; returns its answer line. */
  private String answer(String line, Broadcaster broadcaster, FreezingProxy front)
      throws Exception {
    String[] words = line.split(" ");
    switch (words[0]) {
      case "SET" -> {
        version++;
        broadcaster.publish(
            SessionUpdate.of(
                words[1],
                version,
                mapper
                    .createObjectNode()
                    .put("n", Integer.parseInt(words[2]))
                    .put("status", "working")
                    .put("filler", "x".repeat(Integer.parseInt(words[3])))));
        view.put(words[1], version);
        return "DONE";
      }
      case "REMOVE" -> {
        version++;
        broadcaster.publish(SessionUpdate.tombstone(words[1], version));
        view.remove(words[1]);
        return "DONE";
      }
      case "FREEZE" -> {
        front.freeze();
        return "DONE";
      }
      case "THAW" -> {
        front.thaw();
        return "DONE";
      }
      case "VIEW" -> {
        return mapper.writeValueAsString(view);
      }
      default -> {
        return null; // A line of the script's own.
      }
    }
  }
}
