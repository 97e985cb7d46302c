package io.github.broadcast.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.broadcast.Broadcaster;
import io.github.broadcast.SessionUpdate;
import io.github.broadcast.jakarta.BroadcastEndpointConfig;
import io.github.broadcast.testing.WsTestClient;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.ObjectMapper;

/**
 * The starter in a real Spring Boot application on Tomcat, on a random port, with a real WebSocket
 * client: the endpoint at {@code broadcast.path}, properties applied, meters registered, 1001 when
 * the application stops, and a clear failure when no origin is configured.
 */
@SpringBootTest(
    classes = TestApplication.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "broadcast.path=/ws/test",
      "broadcast.preset=concurrent",
      "broadcast.allowed-origins=https://app.example",
      "broadcast.max-message-size=1KB",
      "management.endpoints.web.exposure.include=prometheus"
    })
@Timeout(120) // A guard against a hang, not a speed assertion.
final class BroadcastStarterIT {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();

  @LocalServerPort int port;
  @Autowired Broadcaster broadcaster;
  @Autowired BroadcastEndpointConfig endpoint;
  @Autowired MeterRegistry registry;

  private URI ws() {
    return URI.create("ws://127.0.0.1:" + port + "/ws/test");
  }

  @Test
  void aPageConnectsAtThePath_getsInitialStateThenEveryPublishedUpdate() throws Exception {
    broadcaster.publish(SessionUpdate.of("s", 1, MAPPER.createObjectNode().put("n", 1)));
    WsTestClient page = WsTestClient.connect(http, ws(), "page", "https://app.example");
    await().until(() -> page.recorder().view().getOrDefault("s", 0L) == 1L);
    broadcaster.publish(SessionUpdate.of("s", 2, MAPPER.createObjectNode().put("n", 2)));
    await().until(() -> page.recorder().view().getOrDefault("s", 0L) == 2L);
    assertThat(page.recorder().types().get(0)).isEqualTo("initial_state");
    page.close();
  }

  @Test
  void propertiesApply_aForeignOriginIsRefused_andABigMessageIsClosedWith1009() throws Exception {
    assertThat(endpoint.path()).isEqualTo("/ws/test");
    assertThatThrownBy(() -> WsTestClient.connect(http, ws(), "evil", "https://evil.example"))
        .hasCauseInstanceOf(WebSocketHandshakeException.class);
    WsTestClient page = WsTestClient.connect(http, ws(), "big", "https://app.example");
    page.sendAsync("x".repeat(2048));
    assertThat(page.closeCode().get(30, TimeUnit.SECONDS)).isEqualTo(1009);
  }

  @Test
  void meters_areInTheApplicationsRegistry() throws Exception {
    WsTestClient page = WsTestClient.connect(http, ws(), "metered", "https://app.example");
    await().until(() -> registry.get("broadcast.clients").gauge().value() >= 1);
    assertThat(registry.get("broadcast.closes").tag("reason", "send_timeout").functionCounter())
        .isNotNull();
    assertThat(registry.get("broadcast.delivery.latency").tag("path", "/ws/test").timer())
        .isNotNull();
    page.close();
  }

  @Test
  void stoppingTheApplication_tellsEveryClient1001() throws Exception {
    ConfigurableApplicationContext context =
        new SpringApplicationBuilder(TestApplication.class)
            .properties(
                "server.port=0",
                "broadcast.allowed-origins=https://app.example",
                "spring.jmx.enabled=false")
            .run();
    try {
      int own = ((WebServerApplicationContext) context).getWebServer().getPort();
      URI uri = URI.create("ws://127.0.0.1:" + own + "/ws/broadcast");
      WsTestClient first = WsTestClient.connect(http, uri, "a", "https://app.example");
      WsTestClient second = WsTestClient.connect(http, uri, "b", "https://app.example");
      await().until(() -> context.getBean(Broadcaster.class).stats().clients() == 2);
      context.close();
      assertThat(first.closeCode().get(30, TimeUnit.SECONDS)).isEqualTo(1001);
      assertThat(second.closeCode().get(30, TimeUnit.SECONDS)).isEqualTo(1001);
    } finally {
      context.close(); // Idempotent; here for a failure before the close above.
    }
  }

  @Test
  void noAllowedOrigin_failsStartUpNamingTheProperty() {
    assertThatThrownBy(
            () ->
                new SpringApplicationBuilder(TestApplication.class)
                    .properties("server.port=0", "spring.jmx.enabled=false")
                    .run()
                    .close())
        .hasStackTraceContaining("broadcast.allowed-origins");
  }

  /** Issue 24: the browser client comes with the starter, at the documented path. */
  @Test
  void theBrowserClient_isServedAtBroadcastClientJs() throws Exception {
    HttpResponse<String> module =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/broadcast/client.js"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(module.statusCode()).isEqualTo(200);
    assertThat(module.headers().firstValue("Content-Type")).get().asString().contains("javascript");
    assertThat(module.body()).contains("export class BroadcastClient");
    HttpResponse<String> types =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/broadcast/client.d.ts"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(types.statusCode()).isEqualTo(200);
    assertThat(types.body()).contains("export declare class BroadcastClient");
    // Revalidated by ETag; nothing else under the path.
    String etag = module.headers().firstValue("ETag").orElseThrow();
    HttpResponse<String> again =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/broadcast/client.js"))
                .header("If-None-Match", etag)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(again.statusCode()).isEqualTo(304);
    HttpResponse<String> other =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/broadcast/client.js.map"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(other.statusCode()).isEqualTo(404);
  }

  @Test
  void plainHttpAtThePath_getsUpgradeRequired() throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ws/test")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(426);
  }

  @Test
  void configurationMetadata_describesEveryProperty_forIdes() throws Exception {
    try (InputStream in =
        getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
      String metadata = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      assertThat(metadata)
          .contains("\"broadcast.path\"", "\"broadcast.allowed-origins\"", "\"broadcast.preset\"")
          .contains("\"broadcast.outbox.max-bytes\"", "\"broadcast.heartbeat.interval\"")
          .contains("The WebSocket path of the endpoint.");
    }
  }
}
