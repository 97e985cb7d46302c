package io.github.broadcast.tyrus;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.broadcast.Broadcaster;
import io.github.broadcast.Broadcasters;
import io.github.broadcast.jakarta.BroadcastEndpointConfig;
import io.github.broadcast.testing.WsTestClient;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.awaitility.Awaitility;
import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Plain HTTP handlers on the WebSocket's port. */
@Timeout(60) // A guard against a hang, not a speed assertion.
final class HttpBesideWebSocketIT {

  private final Broadcaster broadcaster = Broadcasters.concurrent();
  private EmbeddedServer server;

  @BeforeEach
  void start() throws Exception {
    HttpHandler echoLength =
        new HttpHandler() {
          @Override
          public void service(Request request, Response response) throws Exception {
            byte[] body = request.getInputStream().readAllBytes();
            response.setContentType("text/plain");
            response.getWriter().write(request.getMethod() + " " + body.length);
          }
        };
    server =
        EmbeddedServer.newBuilder()
            .endpoint(BroadcastEndpointConfig.newBuilder("/ws", broadcaster))
            .httpHandler("/echo", echoLength)
            .start();
  }

  @AfterEach
  void stop() {
    server.close();
    broadcaster.close();
  }

  /**
   * The JDK client offers {@code Upgrade: h2c} on a plain-HTTP POST; Grizzly would read such a body
   * as a raw upgraded stream and never see its end. The embedded server declines the offer.
   */
  @Test
  void h2cUpgradeOffer_onAPost_isDeclined_andTheBodyIsRead() throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(server.uri("/echo"))
                .POST(HttpRequest.BodyPublishers.ofString("x".repeat(1000), StandardCharsets.UTF_8))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
    assertThat(response.body()).isEqualTo("POST 1000");
  }

  @Test
  void unknownPath_is404_andTheWebSocketPathStillUpgrades() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    assertThat(
            http.send(
                    HttpRequest.newBuilder(server.uri("/nothing")).build(),
                    HttpResponse.BodyHandlers.ofString())
                .statusCode())
        .isEqualTo(404);
    WsTestClient client = WsTestClient.connect(http, server.webSocketUri(), "c", null);
    Awaitility.await().until(() -> client.recorder().types().contains("initial_state"));
  }
}
