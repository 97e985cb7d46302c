package io.github.broadcast.tyrus;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.broadcast.Broadcaster;
import io.github.broadcast.Broadcasters;
import io.github.broadcast.SessionUpdate;
import io.github.broadcast.jakarta.BroadcastEndpointConfig;
import io.github.broadcast.testing.FreezingProxy;
import io.github.broadcast.testing.NodeScript;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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
    NodeScript.requireChromium(SCRIPTS);
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
    List<String> output;
    try (FreezingProxy front =
        new FreezingProxy(frontPort, new InetSocketAddress("127.0.0.1", server.port()))) {
      output =
          NodeScript.converse(
              SCRIPTS,
              List.of(
                  "chromium/client-chromium.mjs", "http://127.0.0.1:" + frontPort + "/index.html"),
              line -> answer(line, broadcaster, front));
    } finally {
      server.close();
      broadcaster.close();
    }
    System.out.println("client module in Chromium: " + output.get(output.size() - 1));
    assertThat(output).as("Chromium test output").last().asString().startsWith("OK");
  }

  /** Carries out one of the script's commands; returns its answer line. */
  private String answer(String line, Broadcaster broadcaster, FreezingProxy front) {
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
