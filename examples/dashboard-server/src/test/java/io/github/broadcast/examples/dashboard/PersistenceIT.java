package io.github.broadcast.examples.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.broadcast.examples.dashboard.core.Json;
import io.github.broadcast.testing.Prerequisites;
import io.github.broadcast.testing.WsTestClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Sessions kept in {@code --data-dir}: back after a restart, with the expiry they had; and after a
 * kill -9 in the middle of writes, the file opens and every hook acknowledged well before the kill
 * (more than the one-second write interval, with margin) is there.
 */
@Timeout(180) // A guard against a hang, not a speed assertion.
final class PersistenceIT {

  private static final Path JAR = Path.of("target/dashboard-server.jar");

  @TempDir Path data;
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private DashboardServer server;
  private Process process;

  @AfterEach
  void tearDown() {
    if (server != null) {
      server.close();
    }
    if (process != null) {
      process.destroyForcibly();
    }
  }

  private DashboardServer start(String... extra) throws Exception {
    List<String> args = new ArrayList<>(List.of("--port", "0", "--data-dir", data.toString()));
    args.addAll(List.of(extra));
    server = DashboardServer.start(Options.parse(args.toArray(String[]::new), Map.of()));
    return server;
  }

  private int post(URI base, String sessionId, String event) throws Exception {
    return http.send(
            HttpRequest.newBuilder(base.resolve("/api/hooks"))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"session_id\":\""
                            + sessionId
                            + "\",\"hook_event_name\":\""
                            + event
                            + "\",\"cwd\":\"/home/me/app\",\"prompt\":\"keep me\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .statusCode();
  }

  private Set<String> sessionIds(URI base) throws Exception {
    JsonNode body =
        Json.MAPPER.readTree(
            http.send(
                    HttpRequest.newBuilder(base.resolve("/api/sessions")).build(),
                    HttpResponse.BodyHandlers.ofString())
                .body());
    Set<String> ids = new HashSet<>();
    body.get("sessions").forEach(s -> ids.add(s.get("session_id").asString()));
    return ids;
  }

  @Test
  void sessions_surviveARestart_andArePushedToTheFirstPageAtOnce() throws Exception {
    start();
    URI base = server.uri("/");
    assertThat(post(base, "a", "UserPromptSubmit")).isEqualTo(202);
    assertThat(post(base, "b", "Stop")).isEqualTo(202);
    assertThat(post(base, "gone", "SessionStart")).isEqualTo(202);
    server.store().remove("gone");
    server.close();

    start();
    assertThat(sessionIds(server.uri("/"))).containsExactlyInAnyOrder("a", "b");
    assertThat(server.store().get("a").orElseThrow().state().get("task_description").asString())
        .isEqualTo("keep me");
    WsTestClient page =
        WsTestClient.connect(
            http, URI.create("ws://127.0.0.1:" + server.port() + "/ws/dashboard"), "page", null);
    await().until(() -> page.recorder().view().keySet().equals(Set.of("a", "b")));
  }

  @Test
  void aSessionThatExpiredWhileTheDashboardWasDown_isNotReloaded() throws Exception {
    start();
    URI base = server.uri("/");
    post(base, "fresh", "UserPromptSubmit");
    post(base, "stale", "UserPromptSubmit");
    server.close();
    server = null;
    // Three hours pass for "stale" (idle TTL 2 h): its last change is moved back in the file.
    try (MVStore store =
        new MVStore.Builder().fileName(data.resolve("sessions.mv.db").toString()).open()) {
      MVMap<String, String> sessions = store.openMap("sessions");
      ObjectNode state = (ObjectNode) Json.MAPPER.readTree(sessions.get("stale"));
      state.put("updated_at", Instant.now().minus(Duration.ofHours(3)).toString());
      sessions.put("stale", state.toString());
      store.commit();
    }
    start();
    assertThat(sessionIds(server.uri("/"))).containsExactly("fresh");
  }

  @Test
  void aSecondDashboardOnTheSameDataDir_failsNamingIt() throws Exception {
    start();
    DashboardServer first = server;
    try {
      assertThatThrownBy(this::start)
          .isInstanceOf(IOException.class)
          .hasMessageContaining(data.toString())
          .hasMessageContaining("--data-dir");
    } finally {
      server = first;
    }
  }

  @Test
  void killedDuringWrites_theFileOpens_andWhatWasAcknowledgedEarlierIsThere() throws Exception {
    Prerequisites.require(Files.isRegularFile(JAR), JAR.toString(), "mvn package");
    int port;
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    URI base = URI.create("http://127.0.0.1:" + port + "/");
    List<String> kept = new ArrayList<>();
    List<String> acked = new ArrayList<>();
    List<Long> ackedAt = new ArrayList<>();
    long killedAt = 0;
    for (int round = 0; round <= 3; round++) {
      launch(port);
      Set<String> present = sessionIds(base);
      assertThat(present)
          .as("round " + round + ": reopened with the earlier hooks")
          .containsAll(kept);
      if (round > 0) {
        long lostSince = killedAt;
        for (int i = 0; i < acked.size(); i++) {
          if (!present.contains(acked.get(i))) {
            lostSince = Math.min(lostSince, ackedAt.get(i));
          }
        }
        System.out.printf(
            "kill %d: %d hooks acknowledged, the last %d ms before the kill lost%n",
            round, acked.size(), TimeUnit.NANOSECONDS.toMillis(killedAt - lostSince));
      }
      if (round == 3) {
        break;
      }
      acked.clear();
      ackedAt.clear();
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
      for (int i = 0; System.nanoTime() < until; i++) {
        String id = "r" + round + "-" + i;
        if (post(base, id, "UserPromptSubmit") == 202) {
          acked.add(id);
          ackedAt.add(System.nanoTime());
        }
      }
      killedAt = System.nanoTime();
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // SIGKILL while posting.
      for (int i = 0; i < acked.size(); i++) {
        if (killedAt - ackedAt.get(i) > TimeUnit.MILLISECONDS.toNanos(2_500)) {
          kept.add(acked.get(i));
        }
      }
      assertThat(kept).as("round " + round + " acknowledged hooks").isNotEmpty();
    }
  }

  /** Starts the dashboard jar on {@code port} with the test's data dir; waits until it listens. */
  private void launch(int port) throws Exception {
    process =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                JAR.toString(),
                "--port",
                String.valueOf(port),
                "--preset",
                "concurrent",
                "--data-dir",
                data.toString())
            .redirectErrorStream(true)
            .start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    String line;
    StringBuilder seen = new StringBuilder();
    while ((line = out.readLine()) != null) {
      seen.append(line).append('\n');
      if (line.startsWith("dashboard: http")) {
        Thread drain = new Thread(() -> drain(out), "dashboard-output");
        drain.setDaemon(true);
        drain.start();
        return;
      }
    }
    throw new IllegalStateException("the dashboard did not start:\n" + seen);
  }

  private static void drain(BufferedReader out) {
    try {
      while (out.readLine() != null) {
        // Keep the pipe empty.
      }
    } catch (IOException e) {
      // The process is gone.
    }
  }
}
