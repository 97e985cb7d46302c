package io.github.broadcast.tyrus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.broadcast.Broadcaster;
import io.github.broadcast.Broadcasters;
import io.github.broadcast.jakarta.BroadcastEndpointConfig;
import io.github.broadcast.testing.RawWebSocket;
import io.github.broadcast.testing.WsTestClient;
import java.net.http.HttpClient;
import java.net.http.WebSocketHandshakeException;
import java.util.concurrent.ExecutionException;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What the embedded Tyrus server adds to the endpoint contract ({@link TyrusContractIT}): a frame
 * far over the limit (Tyrus reads up to 4 MiB before judging), the front door's complete 403 for a
 * foreign origin, its own origins beside the listed ones, and text that is not a command.
 */
@Timeout(60) // A guard against a hang, not a speed assertion.
final class LimitsIT {

  private final HttpClient http = HttpClient.newHttpClient();
  private final Broadcaster broadcaster = Broadcasters.concurrent();
  private EmbeddedServer server;

  private void start(UnaryOperator<BroadcastEndpointConfig.Builder> configure) throws Exception {
    server =
        EmbeddedServer.newBuilder()
            .endpoint(configure.apply(BroadcastEndpointConfig.newBuilder("/ws", broadcaster)))
            .start();
  }

  private WsTestClient connect(String id, String origin) throws Exception {
    return WsTestClient.connect(http, server.webSocketUri(), id, origin);
  }

  @AfterEach
  void tearDown() {
    if (server != null) {
      server.close();
    }
    broadcaster.close();
  }

  @Test
  void oneMebibyteFrame_isClosedWith1009_andTheOthersSeeNothing() throws Exception {
    start(builder -> builder);
    WsTestClient other = connect("other", null);
    await().until(() -> broadcaster.stats().clients() == 1);

    // One frame from a bare socket: the JDK client would split the message into continuation
    // frames, and a server that judges the first 64 KiB and closes while the rest still arrives
    // resets the connection, so that client may see an error instead of the close frame.
    try (RawWebSocket big = RawWebSocket.handshake(server.webSocketUri())) {
      await().until(() -> broadcaster.stats().clients() == 2);
      big.sendText("x".repeat(1024 * 1024));
      assertThat(big.awaitCloseCode()).isEqualTo(1009);
    }
    await().until(() -> broadcaster.stats().clients() == 1);
    assertThat(other.recorder().types()).containsExactly("initial_state");
    assertThat(other.closeCode()).isNotDone();
    other.send("ping");
    await().until(() -> other.recorder().types().contains("pong"));
  }

  @Test
  void foreignOrigin_isRefusedWith403_andAnAllowedOneAccepted() throws Exception {
    start(builder -> builder);
    String own = "http://127.0.0.1:" + server.port();

    assertThatThrownBy(() -> connect("evil", "https://evil.example"))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(WebSocketHandshakeException.class)
        .satisfies(
            e ->
                assertThat(((WebSocketHandshakeException) e).getResponse().statusCode())
                    .isEqualTo(403));
    WsTestClient good = connect("good", own);
    await().until(() -> good.recorder().types().contains("initial_state"));
    assertThat(server.httpStats().refusedOrigin()).isEqualTo(1);
    assertThat(server.endpointStats().admitted()).isEqualTo(1);
  }

  @Test
  void allowList_addsToTheServersOwnOrigins() throws Exception {
    start(builder -> builder.allowedOrigins("https://dashboard.example"));
    connect("listed", "https://DASHBOARD.example");
    connect("own", "http://127.0.0.1:" + server.port());
    connect("own by name", "http://localhost:" + server.port());
    assertThatThrownBy(() -> connect("foreign", "https://dashboard.example.evil"))
        .hasCauseInstanceOf(WebSocketHandshakeException.class);
    assertThat(server.httpStats().refusedOrigin()).isEqualTo(1);
  }

  @Test
  void garbageText_isIgnored() throws Exception {
    start(builder -> builder);
    WsTestClient client = connect("garbage", null);
    client.send("{not json");
    client.send("ping");
    await().until(() -> client.recorder().types().contains("pong"));
    assertThat(client.closeCode()).isNotDone();
  }
}
