package io.github.broadcast.tyrus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.broadcast.Broadcaster;
import io.github.broadcast.Broadcasters;
import io.github.broadcast.SessionStore;
import io.github.broadcast.SessionUpdate;
import io.github.broadcast.testing.RecordingClient;
import io.github.broadcast.testing.WsTestClient;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Real sockets over loopback: every preset delivers a multi-threaded burst to 50 clients. */
@Timeout(120) // A guard against a hang, not a speed assertion.
final class EndToEndIT {

  private final HttpClient http = HttpClient.newHttpClient();
  private final ExecutorService publishers = Executors.newFixedThreadPool(4);
  private final List<WsTestClient> clients = new ArrayList<>();
  private Broadcaster broadcaster;
  private EmbeddedServer server;

  private void start(Broadcaster broadcaster) throws Exception {
    this.broadcaster = broadcaster;
    server =
        EmbeddedServer.newBuilder()
            .endpoint(BroadcastEndpointConfig.newBuilder("/ws/dashboard", broadcaster))
            .start();
  }

  @AfterEach
  void tearDown() {
    publishers.shutdownNow();
    if (server != null) {
      server.close();
    }
    if (broadcaster != null) {
      broadcaster.close();
    }
    clients.forEach(client -> client.recorder().assertConsistent());
  }

  @ParameterizedTest
  @EnumSource(Broadcasters.Preset.class)
  void fiftyClients_burstFromFourThreads_everyClientConvergesToTheStore(Broadcasters.Preset preset)
      throws Exception {
    start(preset.newBuilder().build());
    SessionStore store = SessionStore.inMemory().build();
    store.subscribe(broadcaster::publish);
    store.apply("before", state -> state.put("status", "idle"));
    for (int i = 0; i < 50; i++) {
      clients.add(WsTestClient.connect(http, server.webSocketUri(), "c" + i, null));
    }
    await().until(() -> broadcaster.stats().clients() == 50);

    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> work = new ArrayList<>();
    for (int p = 0; p < 4; p++) {
      int publisher = p;
      work.add(
          publishers.submit(
              () -> {
                start.await();
                for (int i = 0; i < 250; i++) {
                  int n = i;
                  store.apply(
                      "p" + publisher + "s" + (i % 10),
                      state ->
                          state
                              .put("status", "working")
                              .put("event_count", n)
                              .put("task", "fix the flaky test " + n));
                }
                return null;
              }));
    }
    start.countDown();
    for (Future<?> future : work) {
      future.get(60, TimeUnit.SECONDS);
    }

    Map<String, Long> expected = new HashMap<>();
    for (SessionUpdate update : store.snapshot()) {
      expected.put(update.sessionId(), update.version());
    }
    assertThat(expected).hasSize(41);
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              for (WsTestClient client : clients) {
                assertThat(client.recorder().view()).as(client.recorder().id()).isEqualTo(expected);
              }
            });
    assertThat(broadcaster.stats().closedTotal()).isZero();
  }

  @Test
  void textPing_isAnsweredWithPong() throws Exception {
    start(Broadcasters.concurrent());
    WsTestClient client = WsTestClient.connect(http, server.webSocketUri(), "c", null);
    clients.add(client);
    client.send("ping");
    await().until(() -> client.recorder().types().contains("pong"));
    RecordingClient recorder = client.recorder();
    assertThat(recorder.types()).startsWith("initial_state", "pong");
  }

  @Test
  void clientClosing_isUnregistered() throws Exception {
    start(Broadcasters.concurrent());
    WsTestClient client = WsTestClient.connect(http, server.webSocketUri(), "c", null);
    await().until(() -> broadcaster.stats().clients() == 1);
    client.close();
    await().until(() -> broadcaster.stats().clients() == 0);
    assertThat(server.endpointStats().open()).isZero();
  }
}
