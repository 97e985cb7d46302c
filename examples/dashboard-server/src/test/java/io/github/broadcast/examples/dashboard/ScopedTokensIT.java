package io.github.broadcast.examples.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.broadcast.Topics;
import io.github.broadcast.examples.dashboard.core.Json;
import io.github.broadcast.testing.RecordingClient;
import io.github.broadcast.testing.WsTestClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;

/**
 * Issue 26: tokens scoped to projects ({@code --token SECRET=GLOB}) and pages that watch one
 * project ({@code ?project=NAME}). A scoped client never learns of a session outside its projects:
 * not in its initial_state, its updates, a session that moves, the API; asking for another project
 * is refused with nothing sent; a scoped token cannot post hooks or read the metrics, and a hook it
 * was refused changes nothing.
 */
@Timeout(120) // A guard against a hang, not a speed assertion.
final class ScopedTokensIT {

  private static final String ALL = "all-s3cret";
  private static final String TEAM = "team-s3cret";
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final List<WsTestClient> sockets = new ArrayList<>();
  private DashboardServer server;

  @BeforeEach
  void start() throws Exception {
    server =
        DashboardServer.start(
            Options.parse(
                new String[] {
                  "--port",
                  "0",
                  "--preset",
                  "production",
                  "--batch-interval",
                  "none",
                  "--token",
                  ALL,
                  "--token",
                  TEAM + "=team-*"
                },
                Map.of()));
  }

  @AfterEach
  void stop() throws Exception {
    for (WsTestClient socket : sockets) {
      socket.recorder().assertConsistent(); // Within its projects, versions forward.
    }
    server.close();
  }

  private HttpResponse<String> post(String token, String sessionId, String cwd) throws Exception {
    String body =
        "{\"session_id\":\""
            + sessionId
            + "\",\"hook_event_name\":\"UserPromptSubmit\",\"cwd\":\""
            + cwd
            + "\"}";
    return http.send(
        HttpRequest.newBuilder(server.uri("/api/hooks"))
            .timeout(Duration.ofSeconds(10))
            .header("Content-Type", "application/json")
            .header("Authorization", "Bearer " + token)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String path, String token) throws Exception {
    return http.send(
        HttpRequest.newBuilder(server.uri(path))
            .timeout(Duration.ofSeconds(10))
            .header("Authorization", "Bearer " + token)
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private List<String> projects(HttpResponse<String> sessions) {
    List<String> projects = new ArrayList<>();
    for (JsonNode session : Json.MAPPER.readTree(sessions.body()).get("sessions")) {
      projects.add(session.path("project").asString());
    }
    return projects;
  }

  private WsTestClient watch(String query, Topics topics, String id) throws Exception {
    RecordingClient recorder = new RecordingClient(id).watching(topics, "project");
    WsTestClient socket =
        WsTestClient.connect(
            http,
            URI.create("ws://127.0.0.1:" + server.port() + "/ws/dashboard?" + query),
            recorder);
    sockets.add(socket);
    return socket;
  }

  @Test
  void aScopedTokenSeesOnlyItsProjects_onTheSocketAndTheApi_andNothingElseOfAnyone()
      throws Exception {
    assertThat(post(ALL, "a", "/work/team-a").statusCode()).isEqualTo(202);
    assertThat(post(ALL, "b", "/work/team-b").statusCode()).isEqualTo(202);
    assertThat(post(ALL, "o", "/work/other").statusCode()).isEqualTo(202);

    WsTestClient team = watch("token=" + TEAM, Topics.matching("team-*"), "team");
    WsTestClient teamA = watch("token=" + TEAM + "&project=team-a", Topics.of("team-a"), "teamA");
    WsTestClient admin = watch("token=" + ALL + "&project=other", Topics.of("other"), "admin");
    await().until(() -> team.recorder().view().size() == 2);
    assertThat(team.recorder().view()).containsOnlyKeys("a", "b");
    await().until(() -> teamA.recorder().view().size() == 1 && admin.recorder().view().size() == 1);
    assertThat(teamA.recorder().view()).containsOnlyKeys("a");
    assertThat(admin.recorder().view()).containsOnlyKeys("o");

    // Another project on a scoped token: 1008, nothing sent.
    WsTestClient prying =
        WsTestClient.connect(
            http,
            URI.create(
                "ws://127.0.0.1:"
                    + server.port()
                    + "/ws/dashboard?token="
                    + TEAM
                    + "&project=other"),
            new RecordingClient("prying"));
    assertThat(prying.closeCode().get(30, TimeUnit.SECONDS)).isEqualTo(1008);
    assertThat(prying.recorder().frames()).isEmpty();
    assertThat(server.endpointStats().refusedTopics()).isEqualTo(1);

    // A session moves out of the team's projects: a removal for them, the whole state for other.
    assertThat(post(ALL, "a", "/work/other").statusCode()).isEqualTo(202);
    assertThat(post(ALL, "b", "/work/team-b").statusCode()).isEqualTo(202);
    await().until(() -> admin.recorder().view().containsKey("a"));
    await()
        .until(
            () -> !team.recorder().view().containsKey("a") && team.recorder().view().get("b") > 2);
    await().until(() -> teamA.recorder().view().isEmpty());
    assertThat(team.recorder().mentioned()).containsOnly("a", "b");
    assertThat(teamA.recorder().mentioned()).containsOnly("a");

    // The API: the same rules.
    assertThat(projects(get("/api/sessions", TEAM))).containsExactlyInAnyOrder("team-b");
    assertThat(projects(get("/api/sessions?project=team-b", TEAM))).containsExactly("team-b");
    assertThat(get("/api/sessions?project=other", TEAM).statusCode()).isEqualTo(403);
    assertThat(projects(get("/api/sessions", ALL)))
        .containsExactlyInAnyOrder("other", "other", "team-b");
    assertThat(get("/api/metrics", TEAM).statusCode()).isEqualTo(403);
    assertThat(get("/metrics", TEAM).statusCode()).isEqualTo(403);
    assertThat(get("/api/metrics", ALL).statusCode()).isEqualTo(200);

    // A scoped token cannot write: refused, and nothing stored or broadcast.
    assertThat(post(TEAM, "t", "/work/team-a").statusCode()).isEqualTo(403);
    assertThat(post(ALL, "marker", "/work/other").statusCode()).isEqualTo(202);
    await().until(() -> admin.recorder().view().containsKey("marker"));
    assertThat(admin.recorder().mentioned()).doesNotContain("t");
    assertThat(projects(get("/api/sessions", ALL))).hasSize(4);
  }

  @Test
  void aPageOpenedWithAScopedToken_keepsItInItsCookie_andItsSocketIsScopedByIt() throws Exception {
    assertThat(post(ALL, "a", "/work/team-a").statusCode()).isEqualTo(202);
    assertThat(post(ALL, "o", "/work/other").statusCode()).isEqualTo(202);
    HttpResponse<String> opened =
        http.send(
            HttpRequest.newBuilder(server.uri("/?token=" + TEAM + "&project=team-a")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(opened.statusCode()).isEqualTo(303);
    assertThat(opened.headers().firstValue("Location")).hasValue("/?project=team-a");
    String cookie = opened.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];

    RecordingClient page =
        new RecordingClient("page").watching(Topics.matching("team-*"), "project");
    WsTestClient socket =
        WsTestClient.connectWith(
            http,
            URI.create("ws://127.0.0.1:" + server.port() + "/ws/dashboard"),
            page,
            Map.of("Cookie", cookie));
    sockets.add(socket);
    await().until(() -> page.view().size() == 1);
    assertThat(page.view()).containsOnlyKeys("a");
    HttpResponse<String> sessions =
        http.send(
            HttpRequest.newBuilder(server.uri("/api/sessions")).header("Cookie", cookie).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(projects(sessions)).containsExactly("team-a");
  }
}
