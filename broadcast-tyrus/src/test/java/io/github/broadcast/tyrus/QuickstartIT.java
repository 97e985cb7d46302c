package io.github.broadcast.tyrus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.broadcast.Broadcaster;
import io.github.broadcast.Broadcasters;
import io.github.broadcast.SessionStore;
import io.github.broadcast.jakarta.BroadcastEndpointConfig;
import io.github.broadcast.testing.WsTestClient;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The quickstart's parts in one JVM: a page gets {@code initial_state}, then the store's change,
 * then 1001 when the server closes. The whole program, in its own process, is {@link
 * QuickstartProgramIT}'s.
 */
@Timeout(60) // A guard against a hang, not a speed assertion.
final class QuickstartIT {

  @Test
  void theQuickstart_servesEveryChangeToAConnectedPage() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    WsTestClient page;
    Broadcaster broadcaster =
        Broadcasters.Preset.PRODUCTION
            .newBuilder() // Batched over bounded outboxes.
            .heartbeat(Duration.ofSeconds(15), Duration.ofSeconds(45))
            .build();
    SessionStore store = SessionStore.inMemory().build(); // Or RedisSessionStore, for a cluster.
    store.subscribe(broadcaster::publish); // Every session there, then every change.
    try (EmbeddedServer server =
        EmbeddedServer.newBuilder() // 127.0.0.1, a free port; see its builder for the rest.
            .endpoint(BroadcastEndpointConfig.newBuilder("/ws/dashboard", broadcaster))
            .start()) {
      page = WsTestClient.connect(http, server.webSocketUri(), "page", null);
      await().until(() -> page.recorder().types().contains("initial_state"));
      store.apply("session-1", state -> state.put("status", "working")); // Every page gets it.
      await().until(() -> page.recorder().view().getOrDefault("session-1", 0L) == 1L);
      assertThat(page.recorder().session("session-1").get("status").asString())
          .isEqualTo("working");
    }
    assertThat(page.closeCode().get(30, TimeUnit.SECONDS)).as("closed gracefully").isEqualTo(1001);
    broadcaster.close();
  }
}
