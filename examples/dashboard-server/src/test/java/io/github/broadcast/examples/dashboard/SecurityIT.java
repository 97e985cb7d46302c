package io.github.broadcast.examples.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.broadcast.examples.dashboard.core.Json;
import io.github.broadcast.testing.RawHttp;
import io.github.broadcast.testing.RedisServer;
import io.github.broadcast.testing.SelfSigned;
import io.github.broadcast.testing.WsTestClient;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The dashboard as a hostile page, a careless exposure and a slow client meet it: one test per
 * finding of issue 13, each refusal checked to leave the sessions unchanged and nothing broadcast.
 * A refused request is followed by an accepted marker hook: once a watching client has the marker,
 * anything the refused one had broadcast would have arrived before it.
 */
@Timeout(120) // A guard against a hang, not a speed assertion.
final class SecurityIT {

  @TempDir Path dir;
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final List<DashboardServer> servers = new ArrayList<>();
  private RedisServer redis;
  private DashboardServer server;

  private DashboardServer start(String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of("--port", "0", "--preset", "concurrent"));
    all.addAll(List.of(args));
    server = DashboardServer.start(Options.parse(all.toArray(String[]::new), Map.of()));
    servers.add(server);
    return server;
  }

  @AfterEach
  void tearDown() throws Exception {
    for (DashboardServer s : servers) {
      s.close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  private String own() {
    return "127.0.0.1:" + server.port();
  }

  private static String hook(String sessionId) {
    return "{\"session_id\":\"" + sessionId + "\",\"hook_event_name\":\"UserPromptSubmit\"}";
  }

  private HttpResponse<String> post(String body, String... headers) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(server.uri("/api/hooks"))
            .timeout(Duration.ofSeconds(10))
            .POST(HttpRequest.BodyPublishers.ofString(body));
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> postJson(String body) throws Exception {
    return post(body, "Content-Type", "application/json");
  }

  private JsonNode sessions(String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(server.uri("/api/sessions"));
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return Json.MAPPER
        .readTree(http.send(request.build(), HttpResponse.BodyHandlers.ofString()).body())
        .get("sessions");
  }

  private WsTestClient watch() throws Exception {
    WsTestClient client =
        WsTestClient.connect(http, URI.create("ws://" + own() + "/ws/dashboard"), "watch", null);
    await().until(() -> client.recorder().types().contains("initial_state"));
    return client;
  }

  /** Posts an accepted marker and waits for it: what came before it has arrived. */
  private void marker(WsTestClient client, String... headers) throws Exception {
    String[] all = new String[headers.length + 2];
    all[0] = "Content-Type";
    all[1] = "application/json";
    System.arraycopy(headers, 0, all, 2, headers.length);
    assertThat(post(hook("marker"), all).statusCode()).isEqualTo(202);
    await().until(() -> client.recorder().view().containsKey("marker"));
  }

  private static void assertRefused(HttpResponse<String> response, int status) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(Json.MAPPER.readTree(response.body()).get("status").asInt()).isEqualTo(status);
    assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
  }

  /** 1. A page may POST text/plain, a form or multipart anywhere without asking; not here. */
  @Test
  void finding1_crossSiteWrites_areRefused_andNothingIsStoredOrBroadcast() throws Exception {
    start();
    WsTestClient client = watch();

    assertRefused(post(hook("plain"), "Content-Type", "text/plain"), 415);
    assertRefused(
        post(
            "session_id=form&hook_event_name=Stop",
            "Content-Type",
            "application/x-www-form-urlencoded"),
        415);
    assertRefused(post(hook("multi"), "Content-Type", "multipart/form-data; boundary=x"), 415);
    assertRefused(post(hook("none")), 415);
    assertRefused(
        post(hook("latin1"), "Content-Type", "application/json; charset=iso-8859-1"), 415);
    assertRefused(
        post(hook("evil"), "Content-Type", "application/json", "Origin", "http://evil.example"),
        403);

    assertThat(sessions()).isEmpty();
    marker(client);
    assertThat(client.recorder().view()).containsOnlyKeys("marker");
    assertThat(post(hook("utf8"), "Content-Type", "application/json; charset=UTF-8").statusCode())
        .isEqualTo(202);
    assertThat(
            post(hook("own"), "Content-Type", "application/json", "Origin", "http://" + own())
                .statusCode())
        .as("the page's own origin")
        .isEqualTo(202);
  }

  /** 2. A page whose name was rebound to 127.0.0.1 sends its own name as Host. */
  @Test
  void finding2_dnsRebinding_foreignHostIsRefusedOnEveryPath() throws Exception {
    start();
    WsTestClient client = watch();
    assertThat(postJson(hook("secret")).statusCode()).isEqualTo(202);
    String evil = "evil.example:" + server.port();

    for (String path : new String[] {"/api/sessions", "/api/metrics", "/metrics", "/", "/app.js"}) {
      RawHttp.Response response = RawHttp.get(server.port(), evil, path);
      assertThat(response.status()).as(path).isEqualTo(403);
      assertThat(response.body()).doesNotContain("secret");
    }
    RawHttp.Response write =
        RawHttp.exchange(
            server.port(),
            "POST /api/hooks HTTP/1.1\r\nHost: "
                + evil
                + "\r\nContent-Type: application/json\r\nContent-Length: "
                + hook("rebound").length()
                + "\r\n\r\n"
                + hook("rebound"));
    assertThat(write.status()).isEqualTo(403);

    marker(client);
    assertThat(client.recorder().view()).containsOnlyKeys("secret", "marker");
    assertThat(RawHttp.get(server.port(), own(), "/api/sessions").status()).isEqualTo(200);
    assertThat(RawHttp.get(server.port(), "localhost:" + server.port(), "/").status())
        .isEqualTo(200);
  }

  /** 3. With a token, reads need it too; the page carries it in a cookie, not its address. */
  @Test
  void finding3_withATokenEveryDataEndpointRequiresIt() throws Exception {
    start("--token", "s3cret");
    for (String path : new String[] {"/api/sessions", "/api/metrics", "/metrics", "/"}) {
      RawHttp.Response response = RawHttp.get(server.port(), own(), path);
      assertThat(response.status()).as(path).isEqualTo(401);
    }
    assertThat(RawHttp.get(server.port(), own(), "/metrics", "Authorization: Bearer s3cret").body())
        .as("a scraper with the token")
        .contains("broadcast_clients");
    String bearer = "Authorization: Bearer s3cret";
    assertThat(RawHttp.get(server.port(), own(), "/api/sessions", bearer).status()).isEqualTo(200);
    assertThat(RawHttp.get(server.port(), own(), "/api/metrics", bearer).status()).isEqualTo(200);

    RawHttp.Response opened = RawHttp.get(server.port(), own(), "/?token=s3cret");
    assertThat(opened.status()).isEqualTo(303);
    assertThat(opened.header("Location")).isEqualTo("/");
    String setCookie = opened.header("Set-Cookie");
    assertThat(setCookie).contains("HttpOnly", "SameSite=Strict");
    String cookie = setCookie.substring(0, setCookie.indexOf(';'));
    RawHttp.Response page = RawHttp.get(server.port(), own(), "/", "Cookie: " + cookie);
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.body()).contains("<title>");

    URI ws = URI.create("ws://" + own() + "/ws/dashboard");
    WsTestClient browser =
        WsTestClient.connectWith(
            http, ws, "page", Map.of("Cookie", cookie, "Origin", "http://" + own()));
    await().until(() -> browser.recorder().types().contains("initial_state"));
    assertThatThrownBy(() -> WsTestClient.connect(http, ws, "anonymous", null))
        .hasCauseInstanceOf(WebSocketHandshakeException.class);

    assertRefused(postJson(hook("anonymous")), 401);
    marker(browser, "Authorization", "Bearer s3cret");
    assertThat(browser.recorder().view()).containsOnlyKeys("marker");
  }

  /** 4. Bound to every address, the page works at the machine's names; behind a proxy, too. */
  @Test
  void finding4_exposedOrProxied_thePagesOwnWebSocketIsAccepted() throws Exception {
    start("--host", "0.0.0.0", "--public-url", "https://dash.example.com");
    String port = String.valueOf(server.port());
    URI ws = URI.create("ws://127.0.0.1:" + port + "/ws/dashboard");
    WsTestClient local = WsTestClient.connect(http, ws, "local", "http://localhost:" + port);
    await().until(() -> local.recorder().types().contains("initial_state"));

    String machine = InetAddress.getLocalHost().getHostName();
    assertThat(upgrade(machine + ":" + port, "http://" + machine + ":" + port)).isEqualTo(101);
    assertThat(upgrade("dash.example.com", "https://dash.example.com")).isEqualTo(101);
    assertThat(upgrade("dash.example.com", "https://evil.example")).isEqualTo(403);
    assertThat(RawHttp.get(server.port(), "dash.example.com", "/").status()).isEqualTo(200);
  }

  private int upgrade(String host, String origin) throws IOException {
    return RawHttp.exchange(
            server.port(),
            "GET /ws/dashboard HTTP/1.1\r\nHost: "
                + host
                + "\r\nOrigin: "
                + origin
                + "\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Version: 13\r\n\r\n")
        .status();
  }

  /** 5. Half-sent bodies hold no worker; a body past its deadline gets 408 and is never applied. */
  @Test
  void finding5_slowBodies_holdNoWorker_andALateOneIsNeverApplied() throws Exception {
    start();
    WsTestClient client = watch();
    List<Socket> stalled = new ArrayList<>();
    try {
      for (int i = 0; i < 300; i++) {
        stalled.add(halfAHook(server.port(), "stalled" + i));
      }
      // Before: the workers sat in the stalled bodies' reads; this waited, then timed out.
      assertThat(postJson(hook("normal")).statusCode()).isEqualTo(202);
    } finally {
      for (Socket socket : stalled) {
        socket.close();
      }
    }

    start("--request-body-timeout", "500ms");
    WsTestClient late = watch();
    try (Socket socket = halfAHook(server.port(), "late")) {
      RawHttp.Response response = RawHttp.read(socket.getInputStream());
      assertThat(response.status()).isEqualTo(408);
      try {
        socket.getOutputStream().write("\"}".getBytes(StandardCharsets.US_ASCII));
      } catch (IOException closed) {
        // The server closed after its 408.
      }
    }
    assertThat(sessions()).isEmpty();
    marker(late);
    assertThat(late.recorder().view()).containsOnlyKeys("marker");
    assertThat(client.recorder().view()).containsOnlyKeys("normal");
    assertThat(
            Json.MAPPER
                .readTree(RawHttp.get(server.port(), own(), "/api/metrics").body())
                .path("requests")
                .path("bodies_timed_out")
                .asLong())
        .isEqualTo(1);
  }

  /** Sends a hook's head and all of its body but the last two bytes. */
  private static Socket halfAHook(int port, String sessionId) throws IOException {
    return RawHttp.halfPost(port, "/api/hooks", hook(sessionId));
  }

  /** 6. Stopping the server tells every browser "going away" (1001), not an abnormal 1006. */
  @Test
  void finding6_shutdown_closesEveryClientWith1001() throws Exception {
    start();
    List<WsTestClient> clients = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      clients.add(watch());
    }
    server.close();
    for (WsTestClient client : clients) {
      assertThat(client.closeCode().get()).isEqualTo(1001);
    }
  }

  /** 7. The cluster's store refuses what every store refuses, as a 400, not a 500. */
  @Test
  void finding7_badSessionIdInRedisMode_isA400_andNothingIsStored() throws Exception {
    redis = RedisServer.start(dir, null);
    start("--redis", redis.uri(), "--redis-prefix", "security-it");
    WsTestClient client = watch();
    for (String bad : new String[] {"a\\nb", "tab\\there", "", " ", "x".repeat(257)}) {
      HttpResponse<String> response =
          postJson("{\"session_id\":\"" + bad + "\",\"hook_event_name\":\"Stop\"}");
      assertRefused(response, 400);
      assertThat(Json.MAPPER.readTree(response.body()).get("error").asString())
          .containsIgnoringCase("session");
    }
    assertThat(sessions()).isEmpty();
    marker(client);
    assertThat(client.recorder().view()).containsOnlyKeys("marker");
  }

  /** 8. The connection limits are options, and their refusals show in the metrics. */
  @Test
  void finding8_connectionRateAndMaxClients_areOptions_andRefusalsAreCounted() throws Exception {
    start("--max-clients", "2");
    URI ws = URI.create("ws://" + own() + "/ws/dashboard");
    watch();
    watch();
    WsTestClient third = WsTestClient.connect(http, ws, "third", null);
    assertThat(third.closeCode().get()).isEqualTo(1013);
    RawHttp.get(server.port(), "evil.example", "/");
    JsonNode metrics =
        Json.MAPPER.readTree(RawHttp.get(server.port(), own(), "/api/metrics").body());
    assertThat(metrics.path("connections").path("refused_capacity").asLong()).isEqualTo(1);
    assertThat(metrics.path("requests").path("refused_host").asLong()).isEqualTo(1);

    start("--connection-rate", "0.001:1");
    watch();
    WsTestClient second = WsTestClient.connect(http, ws(), "second", null);
    assertThat(second.closeCode().get()).isEqualTo(1013);
    metrics = Json.MAPPER.readTree(RawHttp.get(server.port(), own(), "/api/metrics").body());
    assertThat(metrics.path("connections").path("refused_rate").asLong()).isEqualTo(1);
  }

  private URI ws() {
    return URI.create("ws://" + own() + "/ws/dashboard");
  }

  /** TLS without a proxy: https and wss, with the https origins allowed. */
  @Test
  void tls_servesThePageAndTheWebSocketOverHttpsAndWss() throws Exception {
    SelfSigned certificate = SelfSigned.create(dir);
    start(
        "--tls-cert", certificate.certificate().toString(),
        "--tls-key", certificate.privateKey().toString());
    HttpClient https =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .sslContext(certificate.clientContext())
            .build();
    HttpResponse<String> page =
        https.send(
            HttpRequest.newBuilder(URI.create("https://localhost:" + server.port() + "/")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(page.statusCode()).isEqualTo(200);
    WsTestClient secure =
        WsTestClient.connect(
            https,
            URI.create("wss://localhost:" + server.port() + "/ws/dashboard"),
            "secure",
            "https://localhost:" + server.port());
    await().until(() -> secure.recorder().types().contains("initial_state"));
  }
}
