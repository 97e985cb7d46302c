package io.github.broadcast.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.broadcast.examples.dashboard.core.Json;
import io.github.broadcast.testing.RawHttp;
import io.github.broadcast.testing.WsTestClient;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * The Spring Boot dashboard on Tomcat, on a free loopback port, with real HTTP and WebSocket
 * clients: the contract dashboard-server keeps (hooks in, sessions out, the page, the metrics), its
 * refusals, each shown to store and broadcast nothing, and Prometheus at {@code
 * /actuator/prometheus}.
 */
@SpringBootTest(
    classes = SpringDashboard.class,
    webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_EACH_TEST_METHOD)
@Timeout(120) // A guard against a hang, not a speed assertion.
final class SpringDashboardIT {

  private static final int PORT = freePort();
  private static final String ORIGIN = "http://localhost:" + PORT;

  private final HttpClient http = HttpClient.newHttpClient();
  private WsTestClient page;

  @DynamicPropertySource
  static void port(DynamicPropertyRegistry registry) {
    registry.add("server.port", () -> PORT);
    registry.add("broadcast.preset", () -> "concurrent"); // Each change at once: no flush to wait.
    registry.add("dashboard.request-body-timeout", () -> "5s");
  }

  private static int freePort() {
    try (ServerSocket probe = new ServerSocket(0)) {
      return probe.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @BeforeEach
  void connectThePage() throws Exception {
    page =
        WsTestClient.connect(
            http, URI.create("ws://127.0.0.1:" + PORT + "/ws/dashboard"), "p", ORIGIN);
    await().until(() -> page.recorder().types().contains("initial_state"));
  }

  @AfterEach
  void closeThePage() {
    page.abort();
  }

  private HttpResponse<String> post(String contentType, String body, String... headers)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PORT + "/api/hooks"))
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    if (contentType != null) {
      request.header("Content-Type", contentType);
    }
    if (headers.length > 0) {
      request.headers(headers);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode get(String path) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PORT + path)).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(path).isEqualTo(200);
    return Json.MAPPER.readTree(response.body());
  }

  private static String hook(String sessionId, String event) {
    return "{\"session_id\":\""
        + sessionId
        + "\",\"hook_event_name\":\""
        + event
        + "\","
        + "\"cwd\":\"/home/me/app\",\"prompt\":\"Fix the login bug\"}";
  }

  @Test
  void aHook_isStored_broadcast_andListed() throws Exception {
    HttpResponse<String> accepted = post("application/json", hook("s1", "UserPromptSubmit"));
    assertThat(accepted.statusCode()).isEqualTo(202);
    JsonNode answer = Json.MAPPER.readTree(accepted.body());
    assertThat(answer.get("session_id").asString()).isEqualTo("s1");
    assertThat(answer.get("version").asLong()).isEqualTo(1);

    await().until(() -> page.recorder().view().getOrDefault("s1", 0L) == 1L);
    assertThat(page.recorder().session("s1").get("task_description").asString())
        .isEqualTo("Fix the login bug");
    JsonNode sessions = get("/api/sessions").get("sessions");
    assertThat(sessions).hasSize(1);
    assertThat(sessions.get(0).get("session_id").asString()).isEqualTo("s1");
    assertThat(get("/api/metrics").get("sessions").asLong()).isEqualTo(1);
  }

  @Test
  void aRepeatWithTheSameIdempotencyKey_countsOnce() throws Exception {
    String body = hook("s2", "PreToolUse");
    assertThat(post("application/json", body, "Idempotency-Key", "k-1").statusCode())
        .isEqualTo(202);
    HttpResponse<String> again = post("application/json", body, "Idempotency-Key", "k-1");
    assertThat(again.statusCode()).isEqualTo(202);
    assertThat(Json.MAPPER.readTree(again.body()).get("version").asLong()).isEqualTo(1);
  }

  @Test
  void everyRefusal_storesAndBroadcastsNothing() throws Exception {
    assertThat(post("text/plain", hook("x1", "Stop")).statusCode()).as("text/plain").isEqualTo(415);
    assertThat(post("application/x-www-form-urlencoded", hook("x2", "Stop")).statusCode())
        .as("form")
        .isEqualTo(415);
    assertThat(post(null, hook("x3", "Stop")).statusCode()).as("no type").isEqualTo(415);
    assertThat(post("application/json", "{\"session_id\":").statusCode())
        .as("malformed")
        .isEqualTo(400);
    assertThat(post("application/json", hook("bad\\nid", "Stop")).statusCode())
        .as("newline in the id")
        .isEqualTo(400);
    assertThat(post("application/json", "{\"session_id\":\"x4\"}").statusCode())
        .as("no event name")
        .isEqualTo(400);
    assertThat(
            post("application/json", hook("x5", "Stop"), "Idempotency-Key", "has space")
                .statusCode())
        .as("bad key")
        .isEqualTo(400);
    String big =
        "{\"session_id\":\"x6\",\"hook_event_name\":\"Stop\",\"pad\":\""
            + "x".repeat(Json.MAX_BODY_BYTES)
            + "\"}";
    assertThat(post("application/json", big).statusCode()).as("too big").isEqualTo(413);
    assertThat(
            post("application/json", hook("x7", "Stop"), "Origin", "http://evil.example")
                .statusCode())
        .as("foreign origin")
        .isEqualTo(403);
    RawHttp.Response rebound =
        RawHttp.exchange(
            PORT,
            "POST /api/hooks HTTP/1.1\r\nHost: evil.example:"
                + PORT
                + "\r\n"
                + "Content-Type: application/json\r\nContent-Length: 2\r\n"
                + "Connection: close\r\n\r\n{}");
    assertThat(rebound.status()).as("foreign host").isEqualTo(403);
    assertThat(RawHttp.get(PORT, "evil.example:" + PORT, "/api/sessions").status())
        .as("a rebound read")
        .isEqualTo(403);

    // A hook accepted after all of them is the first and only thing anyone sees.
    assertThat(post("application/json", hook("ok", "Stop")).statusCode()).isEqualTo(202);
    await().until(() -> page.recorder().view().containsKey("ok"));
    assertThat(page.recorder().view()).containsOnlyKeys("ok");
    assertThat(get("/api/sessions").get("sessions")).hasSize(1);
  }

  /**
   * The probe's slow-body check: 300 half-sent hook bodies (more than Tomcat's 200 workers) hold no
   * worker, so a normal hook is answered while every one of them still waits for its deadline; a
   * body that misses its deadline gets 408 and is never applied, even when it is completed after.
   */
  @Test
  void slowBodies_holdNoWorker_andALateOneIsNeverApplied() throws Exception {
    List<Socket> stalled = new ArrayList<>();
    try {
      for (int i = 0; i < 300; i++) {
        stalled.add(halfAHook("stalled" + i));
      }
      // Before: the workers sat in the stalled bodies' blocking reads, and this one waited.
      assertThat(post("application/json", hook("normal", "Stop")).statusCode()).isEqualTo(202);
      for (Socket socket : stalled) {
        assertThat(socket.getInputStream().available()).as("answered before its deadline").isZero();
      }
      assertThat(get("/api/metrics").path("requests").path("bodies_timed_out").asLong()).isZero();
    } finally {
      for (Socket socket : stalled) {
        socket.close();
      }
    }

    try (Socket socket = halfAHook("late")) {
      RawHttp.Response response = RawHttp.read(socket.getInputStream());
      assertThat(response.status()).isEqualTo(408);
      try {
        socket.getOutputStream().write("\"}".getBytes(StandardCharsets.US_ASCII));
      } catch (IOException closed) {
        // The server closed after its 408.
      }
    }
    assertThat(post("application/json", hook("marker", "Stop")).statusCode()).isEqualTo(202);
    await().until(() -> page.recorder().view().containsKey("marker"));
    assertThat(page.recorder().view()).containsOnlyKeys("normal", "marker");
    assertThat(get("/api/sessions").get("sessions")).hasSize(2);
    // The late one, and those stalled ones whose close Tomcat saw after their deadline.
    assertThat(get("/api/metrics").path("requests").path("bodies_timed_out").asLong())
        .isBetween(1L, 1L + stalled.size());
  }

  /** Sends a hook's head and all of its body but the last two bytes. */
  private static Socket halfAHook(String sessionId) throws IOException {
    return RawHttp.halfPost(PORT, "/api/hooks", hook(sessionId, "Stop"));
  }

  @Test
  void thePage_theSharedScript_andPrometheus_areServed() throws Exception {
    RawHttp.Response index = RawHttp.get(PORT, "127.0.0.1:" + PORT, "/");
    assertThat(index.status()).isEqualTo(200);
    assertThat(index.body()).contains("app.js");
    assertThat(RawHttp.get(PORT, "localhost:" + PORT, "/app.js").body()).contains("/ws/dashboard");

    RawHttp.Response prometheus = RawHttp.get(PORT, "127.0.0.1:" + PORT, "/actuator/prometheus");
    assertThat(prometheus.status()).isEqualTo(200);
    assertThat(prometheus.body())
        .contains("broadcast_clients{")
        .contains("broadcast_frames_sent_total{")
        .contains("broadcast_delivery_latency_seconds_bucket{");
  }

  @Test
  void aForeignOrigin_cannotOpenTheWebSocket() {
    assertThatThrownBy(
            () ->
                WsTestClient.connect(
                    http,
                    URI.create("ws://127.0.0.1:" + PORT + "/ws/dashboard"),
                    "evil",
                    "http://evil.example"))
        .hasCauseInstanceOf(WebSocketHandshakeException.class);
  }
}
