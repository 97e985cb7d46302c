package io.github.broadcast.examples.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.broadcast.Topics;
import io.github.broadcast.examples.dashboard.core.Json;
import io.github.broadcast.testing.RecordingClient;
import io.github.broadcast.testing.RedisServer;
import io.github.broadcast.testing.WsTestClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** Two dashboards on one real Redis ({@code --redis}): hooks posted to either reach both. */
@Timeout(120) // A guard against a hang, not a speed assertion.
final class ClusterIT {

  @TempDir Path dir;
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private RedisServer redis;
  private DashboardServer a;
  private DashboardServer b;

  @AfterEach
  void tearDown() throws Exception {
    for (DashboardServer server : new DashboardServer[] {a, b}) {
      if (server != null) {
        server.close();
      }
    }
    if (redis != null) {
      redis.close();
    }
  }

  private DashboardServer node(String... more) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--port",
                "0",
                "--preset",
                "concurrent",
                "--redis",
                redis.uri(),
                "--redis-prefix",
                "cluster-it"));
    args.addAll(List.of(more));
    return DashboardServer.start(Options.parse(args.toArray(String[]::new), Map.of()));
  }

  /** Posts one hook of {@code session} working in {@code cwd}, with the token that opens all. */
  private int postIn(DashboardServer server, String session, String cwd) throws Exception {
    return http.send(
            HttpRequest.newBuilder(server.uri("/api/hooks"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer all")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"session_id\":\""
                            + session
                            + "\",\"hook_event_name\":\"UserPromptSubmit\",\"cwd\":\""
                            + cwd
                            + "\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .statusCode();
  }

  private int post(DashboardServer server, String session) throws Exception {
    return post(server, session, null);
  }

  /** Posts one hook, with an {@code Idempotency-Key} if {@code key} is not null. */
  private int post(DashboardServer server, String session, String key) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(server.uri("/api/hooks"))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json");
    if (key != null) {
      request.header("Idempotency-Key", key);
    }
    return http.send(
            request
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"session_id\":\""
                            + session
                            + "\",\"hook_event_name\":\"PreToolUse\",\"tool_name\":\"Bash\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .statusCode();
  }

  private JsonNode get(DashboardServer server, String path) throws Exception {
    return Json.MAPPER.readTree(
        http.send(
                HttpRequest.newBuilder(server.uri(path)).build(),
                HttpResponse.BodyHandlers.ofString())
            .body());
  }

  /** Session id to event_count, as a browser connected to {@code server} holds it. */
  private Map<String, Long> watch(DashboardServer server) {
    Map<String, Long> counts = new ConcurrentHashMap<>();
    URI ws = URI.create("ws://127.0.0.1:" + server.port() + "/ws/dashboard");
    http.newWebSocketBuilder()
        .buildAsync(
            ws,
            new WebSocket.Listener() {
              private final StringBuilder text = new StringBuilder();

              @Override
              public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
                text.append(data);
                if (last) {
                  try {
                    JsonNode message = Json.MAPPER.readTree(text.toString());
                    JsonNode sessions =
                        message.has("session")
                            ? Json.MAPPER.createArrayNode().add(message.get("session"))
                            : message.path("sessions");
                    for (JsonNode s : sessions) {
                      counts.merge(
                          s.path("session_id").asString(),
                          s.path("event_count").asLong(),
                          Math::max);
                    }
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                  text.setLength(0);
                }
                socket.request(1);
                return null;
              }
            })
        .join();
    return counts;
  }

  @Test
  void hooksPostedToEitherNode_reachTheBrowsersOfBoth_andSurviveARedisRestart() throws Exception {
    redis = RedisServer.start(dir, null);
    a = node();
    b = node();
    Map<String, Long> onA = watch(a);
    Map<String, Long> onB = watch(b);

    for (int i = 0; i < 20; i++) {
      assertThat(post(i % 2 == 0 ? a : b, "s" + (i % 4))).isEqualTo(202);
    }
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> Map.of("s0", 5L, "s1", 5L, "s2", 5L, "s3", 5L).equals(onA) && onA.equals(onB));
    assertThat(get(a, "/api/sessions")).isEqualTo(get(b, "/api/sessions"));
    assertThat(get(b, "/api/metrics").path("redis").path("connected").asBoolean()).isTrue();

    redis.stop();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> !get(a, "/api/metrics").path("redis").path("connected").asBoolean());
    assertThat(post(a, "s0")).as("refused, not lost silently").isEqualTo(503);

    redis.start();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                get(a, "/api/metrics").path("redis").path("connected").asBoolean()
                    && get(b, "/api/metrics").path("redis").path("resyncs").asLong() >= 2);
    // Refused (503, not made) while the nodes write back what Redis lost, then accepted.
    await().atMost(Duration.ofSeconds(30)).until(() -> post(b, "s0") == 202);
    await().atMost(Duration.ofSeconds(20)).until(() -> onA.get("s0") == 6L && onB.get("s0") == 6L);
    assertThat(get(a, "/api/sessions")).isEqualTo(get(b, "/api/sessions"));
  }

  /**
   * Issue 24, on the Redis store: a page that reconnects to its node resumes with only the session
   * that changed meanwhile (posted to the other node), as a patch-taking client; the same point
   * sent to the other node, whose view has another epoch, gets the whole view.
   */
  @Test
  void aReconnectResumesOnItsNode_andTheOtherNodeSendsTheWholeView() throws Exception {
    redis = RedisServer.start(dir, null);
    a = node();
    b = node();
    for (int i = 0; i < 4; i++) {
      assertThat(post(a, "r" + i)).isEqualTo(202);
    }
    URI onA = URI.create("ws://127.0.0.1:" + a.port() + "/ws/dashboard?delta=1");
    RecordingClient first = new RecordingClient("first").receivingPatches();
    WsTestClient page = WsTestClient.connect(http, onA, first);
    await().atMost(Duration.ofSeconds(20)).until(() -> first.view().size() == 4);
    page.close();

    assertThat(post(b, "r1")).isEqualTo(202); // Through Redis to a, while the page is away.
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> get(a, "/api/sessions").toString().contains("\"event_count\":2"));
    RecordingClient back = new RecordingClient("back").receivingPatches().resuming(first, null);
    String point = "&since=" + back.resumeFrom().version() + "&epoch=" + back.resumeFrom().epoch();
    WsTestClient again = WsTestClient.connect(http, URI.create(onA + point), back);
    await().atMost(Duration.ofSeconds(20)).until(() -> back.resumes() == 1);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> back.session("r1").path("event_count").asLong() == 2);
    for (String unchanged : new String[] {"r0", "r2", "r3"}) {
      assertThat(back.frames().get(0)).doesNotContain("\"session_id\":\"" + unchanged + "\"");
    }
    assertThat(back.view()).hasSize(4);
    again.close();

    RecordingClient elsewhere = new RecordingClient("elsewhere").resuming(first, null);
    WsTestClient other =
        WsTestClient.connect(
            http,
            URI.create("ws://127.0.0.1:" + b.port() + "/ws/dashboard?delta=1" + point),
            elsewhere);
    await().atMost(Duration.ofSeconds(20)).until(() -> elsewhere.initialStates() == 1);
    assertThat(elsewhere.resumes()).isZero();
    assertThat(elsewhere.view()).isEqualTo(back.view());
    other.close();
    first.assertConsistent();
    back.assertConsistent();
    elsewhere.assertConsistent();
  }

  /**
   * Redis paused past the command timeout: the hook in flight is answered 504 (it may or may not
   * have been applied), the next is refused 503 (not applied), and after Redis resumes the same
   * hook posted again with its Idempotency-Key counts once, whichever way the first went.
   */
  /**
   * Issue 26 over two nodes: a page on node b with a token scoped to {@code team-*} never learns of
   * a session outside it, whether the hooks reach node a or b, in its initial_state, its updates,
   * or when a session moves out of its projects (a removal) and back in (whole).
   */
  @Test
  void aScopedPageOnOneNode_neverSeesASessionOutsideItsProjects_whereverTheHooksLand()
      throws Exception {
    redis = RedisServer.start(dir, null);
    String[] scoped = {"--token", "all", "--token", "team=team-*"};
    a = node(scoped);
    b = node(scoped);
    assertThat(postIn(a, "t1", "/w/team-a")).isEqualTo(202);
    assertThat(postIn(b, "o1", "/w/other")).isEqualTo(202);
    RecordingClient team =
        new RecordingClient("team").watching(Topics.matching("team-*"), "project");
    WsTestClient socket =
        WsTestClient.connect(
            http, URI.create("ws://127.0.0.1:" + b.port() + "/ws/dashboard?token=team"), team);
    await().atMost(Duration.ofSeconds(30)).until(() -> team.view().containsKey("t1"));
    assertThat(postIn(a, "t2", "/w/team-b")).isEqualTo(202);
    assertThat(postIn(a, "o2", "/w/other")).isEqualTo(202);
    assertThat(postIn(b, "t1", "/w/other")).isEqualTo(202); // Moves out.
    assertThat(postIn(a, "t1", "/w/team-c")).isEqualTo(202); // And back in.
    assertThat(postIn(b, "o1", "/w/other")).isEqualTo(202);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                team.view().keySet().equals(Set.of("t1", "t2"))
                    && team.sessions().get("t1").path("project").asString().equals("team-c"));
    assertThat(team.mentioned()).containsOnly("t1", "t2");
    socket.close();
    team.assertConsistent();
  }

  @Test
  void hookRetriedWithItsKeyAfterAnUnknownOutcome_countsOnce() throws Exception {
    redis = RedisServer.start(dir, null);
    a = node();
    Map<String, Long> onA = watch(a);
    for (int i = 0; i < 3; i++) {
      assertThat(post(a, "s")).isEqualTo(202);
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> onA.getOrDefault("s", 0L) == 3L);

    redis.pause();
    try {
      assertThat(post(a, "s", "event-4")).as("sent, unanswered").isEqualTo(504);
      assertThat(post(a, "s", "event-5")).as("refused, not sent").isEqualTo(503);
    } finally {
      redis.resume();
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> post(a, "s", "event-4") == 202);

    await().atMost(Duration.ofSeconds(20)).until(() -> onA.get("s") == 4L);
    assertThat(get(a, "/api/sessions").path("sessions").get(0).path("event_count").asLong())
        .isEqualTo(4);
    assertThat(get(a, "/api/metrics").path("redis").path("duplicates").asLong()).isEqualTo(1);
  }
}
