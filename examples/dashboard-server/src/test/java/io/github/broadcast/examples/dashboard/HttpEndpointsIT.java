package io.github.broadcast.examples.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.broadcast.examples.dashboard.core.Json;
import io.github.broadcast.testing.TextMessages;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;

/** The HTTP API of a running dashboard, with good and bad input. */
@Timeout(60) // A guard against a hang, not a speed assertion.
final class HttpEndpointsIT {

  private final HttpClient http = HttpClient.newHttpClient();
  private DashboardServer server;

  private DashboardServer start(String... args) throws Exception {
    String[] all = new String[args.length + 2];
    all[0] = "--port";
    all[1] = "0";
    System.arraycopy(args, 0, all, 2, args.length);
    server = DashboardServer.start(Options.parse(all, Map.of()));
    return server;
  }

  @AfterEach
  void tearDown() {
    if (server != null) {
      server.close();
    }
  }

  private HttpResponse<String> post(String body, String... headers) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(server.uri("/api/hooks"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(server.uri(path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode sessions() throws Exception {
    return Json.MAPPER.readTree(get("/api/sessions").body()).get("sessions");
  }

  private static String hook(String sessionId, String event) {
    return "{\"session_id\":\""
        + sessionId
        + "\",\"hook_event_name\":\""
        + event
        + "\","
        + "\"cwd\":\"/home/me/billing\",\"transcript_path\":\"/tmp/t.jsonl\","
        + "\"tool_name\":\"Bash\",\"tool_input\":{\"command\":\"ls\"},\"prompt\":\"do it\"}";
  }

  @Test
  void goodHook_isAccepted_andShowsInSessionsAndOnTheWebSocket() throws Exception {
    start();
    TextMessages received = new TextMessages();
    List<String> messages = received.messages();
    URI ws = URI.create("ws://127.0.0.1:" + server.port() + "/ws/dashboard");
    http.newWebSocketBuilder().buildAsync(ws, received).join();
    // The handshake's answer can arrive before the server has registered the client: wait for
    // its initial_state, or the hook's session may travel in it instead of in an update.
    await().until(() -> !messages.isEmpty());

    HttpResponse<String> response = post(hook("s1", "UserPromptSubmit"));
    assertThat(response.statusCode()).isEqualTo(202);
    assertThat(Json.MAPPER.readTree(response.body()).get("version").asLong()).isPositive();

    JsonNode sessions = sessions();
    assertThat(sessions).hasSize(1);
    assertThat(sessions.get(0).get("session_id").asString()).isEqualTo("s1");
    assertThat(sessions.get(0).get("status").asString()).isEqualTo("working");
    assertThat(sessions.get(0).get("project").asString()).isEqualTo("billing");
    assertThat(sessions.get(0).get("task_description").asString()).isEqualTo("do it");
    await()
        .until(
            () ->
                messages.stream()
                    .anyMatch(
                        m ->
                            m.contains("\"s1\"")
                                && (m.contains("\"session_update\"")
                                    || m.contains("\"batch_update\""))));
    assertThat(messages.get(0)).startsWith("{\"type\":\"initial_state\"");
  }

  @Test
  void badInput_getsA4xxWithAJsonError_andChangesNothing() throws Exception {
    start();
    post(hook("s1", "SessionStart"));
    JsonNode before = sessions();

    assertError(post("{not json"), 400, "invalid JSON");
    assertError(post(""), 400, "empty");
    assertError(post("[1,2]"), 400, "JSON object");
    assertError(post("{\"hook_event_name\":\"Stop\"}"), 400, "session_id");
    assertError(post("{\"session_id\":7,\"hook_event_name\":\"Stop\"}"), 400, "session_id");
    assertError(post("{\"session_id\":\"s1\"}"), 400, "hook_event_name");
    assertError(
        post(
            "{\"session_id\":\"s1\",\"hook_event_name\":\"Stop\",\"x\":"
                + "[".repeat(200)
                + "]".repeat(200)
                + "}"),
        400,
        "nesting");
    assertError(
        post(
            "{\"session_id\":\"s1\",\"hook_event_name\":\"Stop\",\"x\":\""
                + "a".repeat(Json.MAX_BODY_BYTES)
                + "\"}"),
        413,
        "limit");
    assertError(get("/api/hooks"), 405, "POST");

    assertThat(sessions()).isEqualTo(before);
  }

  @Test
  void token_isRequiredOnHooks_whenConfigured() throws Exception {
    start("--token", "s3cret");
    assertError(post(hook("s1", "Stop")), 401, "token");
    assertError(post(hook("s1", "Stop"), "Authorization", "Bearer wrong"), 401, "token");
    assertThat(post(hook("s1", "Stop"), "Authorization", "Bearer s3cret").statusCode())
        .isEqualTo(202);
    assertThat(post(hook("s2", "Stop"), "Authorization", "Bearer s3cret").statusCode())
        .isEqualTo(202);
    assertThat(
            http.send(
                    HttpRequest.newBuilder(server.uri("/api/sessions"))
                        .header("Authorization", "Bearer s3cret")
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .body())
        .contains("\"s1\"", "\"s2\"");
  }

  @Test
  void unknownEvent_isRecorded() throws Exception {
    start();
    assertThat(post(hook("s1", "BrandNewEvent")).statusCode()).isEqualTo(202);
    assertThat(sessions().get(0).get("last_event").asString()).isEqualTo("BrandNewEvent");
  }

  @Test
  void metrics_reportTheBroadcasterTheConnectionsAndTheProcess() throws Exception {
    start("--preset", "backpressure");
    post(hook("s1", "Stop"));
    JsonNode metrics = Json.MAPPER.readTree(get("/api/metrics").body());
    assertThat(metrics.get("strategy").asString()).isEqualTo("backpressure");
    assertThat(metrics.get("sessions").asLong()).isEqualTo(1);
    assertThat(metrics.get("broadcast").get("published").asLong()).isEqualTo(1);
    assertThat(metrics.get("broadcast").get("closes").has("too_slow")).isTrue();
    assertThat(metrics.get("connections").get("open").asInt()).isZero();
    assertThat(metrics.get("process").get("heap_used_bytes").asLong()).isPositive();
    assertThat(metrics.get("process").get("rss_bytes").asLong()).isPositive();
    assertThat(metrics.get("process").get("cpu_time_ns").asLong()).isPositive();
  }

  @Test
  void prometheusMetrics_showTheBroadcasterAndTheJvm() throws Exception {
    start();
    post(hook("s1", "Stop"));
    HttpResponse<String> scrape = get("/metrics");
    assertThat(scrape.statusCode()).isEqualTo(200);
    assertThat(scrape.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/plain");
    assertThat(scrape.body())
        .contains("broadcast_updates_published_total 1.0")
        .contains("broadcast_delivery_latency_seconds_bucket")
        .contains("broadcast_closes_total{reason=\"too_slow\"} 0.0")
        .contains("broadcast_connections_closed_total{by=\"client\",code=\"1006\"} 0.0")
        .contains("broadcast_handshakes_refused_total{reason=\"origin\"} 0.0")
        .contains("broadcast_http_refused_total{reason=\"head_timeout\"} 0.0")
        .contains("jvm_memory_used_bytes");
  }

  @Test
  void page_isServedFromTheJar() throws Exception {
    start();
    HttpResponse<String> page = get("/");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("<title>Claude Code sessions</title>");
    assertThat(get("/app.js").body()).contains("requestAnimationFrame");
  }

  private static void assertError(HttpResponse<String> response, int status, String message)
      throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    JsonNode body = Json.MAPPER.readTree(response.body());
    assertThat(body.get("error").asString()).containsIgnoringCase(message);
    assertThat(body.get("status").asInt()).isEqualTo(status);
  }
}
