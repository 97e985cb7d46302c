package io.github.broadcast.tyrus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.broadcast.Broadcaster;
import io.github.broadcast.Broadcasters;
import io.github.broadcast.SessionUpdate;
import io.github.broadcast.jakarta.BroadcastEndpointConfig;
import io.github.broadcast.testing.RawWebSocket;
import io.github.broadcast.testing.WsTestClient;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.ObjectMapper;

/**
 * 1,000 connections opened and dropped, a third of them without a close frame, while updates flow:
 * afterwards nothing is registered, nothing is stuck, and closing the server leaves no thread of
 * its own behind.
 */
@Timeout(180) // A guard against a hang, not a speed assertion.
final class ChurnIT {

  @Test
  void thousandConnectDisconnectCycles_leaveNoClientAndNoThreadBehind() throws Exception {
    Set<Thread> before = Thread.getAllStackTraces().keySet();
    Broadcaster broadcaster = Broadcasters.production();
    EmbeddedServer server =
        EmbeddedServer.newBuilder()
            .endpoint(
                BroadcastEndpointConfig.newBuilder("/ws/dashboard", broadcaster)
                    .connectionRate(10_000, 10_000))
            .start();
    HttpClient http = HttpClient.newHttpClient();

    for (int i = 0; i < 1_000; i++) {
      broadcaster.publish(
          SessionUpdate.of("s", i + 1, new ObjectMapper().createObjectNode().put("n", i)));
      switch (i % 3) {
        case 0:
          RawWebSocket.handshake(server.webSocketUri()).abort(); // TCP reset, no close frame.
          break;
        case 1:
          WsTestClient.connect(http, server.webSocketUri(), "a" + i, null).abort();
          break;
        default:
          WsTestClient.connect(http, server.webSocketUri(), "c" + i, null).close();
          break;
      }
    }

    await().atMost(Duration.ofSeconds(60)).until(() -> broadcaster.stats().clients() == 0);
    await().atMost(Duration.ofSeconds(60)).until(() -> server.endpointStats().open() == 0);
    assertThat(server.endpointStats().admitted()).isEqualTo(1_000);

    // Nothing is stuck: a new client is served at once, and sees the latest state.
    WsTestClient fresh = WsTestClient.connect(http, server.webSocketUri(), "fresh", null);
    await().until(() -> fresh.recorder().view().getOrDefault("s", 0L) == 1_000L);
    fresh.close();

    server.close();
    broadcaster.close();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> assertThat(serverThreads(before)).as("threads the server started").isEmpty());
  }

  private static List<String> serverThreads(Set<Thread> before) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(thread -> !before.contains(thread) && thread.isAlive())
        .map(Thread::getName)
        .filter(
            name ->
                !name.startsWith("HttpClient")
                    && !name.startsWith("ForkJoinPool")
                    && !name.startsWith("awaitility"))
        .collect(Collectors.toList());
  }
}
