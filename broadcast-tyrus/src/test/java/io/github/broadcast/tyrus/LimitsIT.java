package io.github.broadcast.tyrus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.broadcast.Broadcaster;
import io.github.broadcast.Broadcasters;
import io.github.broadcast.testing.FakeTicker;
import io.github.broadcast.testing.WsTestClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Size, origin, connection and message-rate limits, each refused and counted. */
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
    WsTestClient big = connect("big", null);
    await().until(() -> broadcaster.stats().clients() == 2);

    big.sendAsync("x".repeat(1024 * 1024)); // May fail to finish: the server closes first.

    assertThat(big.closeCode().get()).isEqualTo(1009);
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
    assertThat(server.endpointStats().refusedOrigin()).isEqualTo(1);
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
    assertThat(server.endpointStats().refusedOrigin()).isEqualTo(1);
  }

  @Test
  void pastTheConnectionLimit_isClosedWith1013_andCounted() throws Exception {
    start(builder -> builder.maxClients(3));
    for (int i = 0; i < 3; i++) {
      connect("c" + i, null);
    }
    WsTestClient fourth = connect("c3", null);

    assertThat(fourth.closeCode().get()).isEqualTo(1013);
    assertThat(fourth.recorder().frames()).isEmpty();
    assertThat(server.endpointStats().refusedCapacity()).isEqualTo(1);
    assertThat(server.endpointStats().open()).isEqualTo(3);
    assertThat(broadcaster.stats().clients()).isEqualTo(3);
  }

  @Test
  void pastTheConnectionRate_isClosedWith1013_andCounted() throws Exception {
    FakeTicker ticker = new FakeTicker();
    start(builder -> builder.connectionRate(1, 2).ticker(ticker));
    connect("a", null);
    connect("b", null);
    WsTestClient third = connect("c", null);
    assertThat(third.closeCode().get()).isEqualTo(1013);

    ticker.advance(Duration.ofSeconds(1));
    WsTestClient later = connect("d", null);
    await().until(() -> later.recorder().types().contains("initial_state"));
    assertThat(server.endpointStats().refusedRate()).isEqualTo(1);
    assertThat(server.endpointStats().refusedTotal()).isEqualTo(1);
  }

  @Test
  void binaryFrame_isClosedWith1008() throws Exception {
    start(builder -> builder);
    WsTestClient client = connect("binary", null);
    client.sendBinary(new byte[] {1, 2, 3});
    assertThat(client.closeCode().get()).isEqualTo(1008);
    assertThat(server.endpointStats().policyCloses()).isEqualTo(1);
  }

  @Test
  void pingFlood_isClosedWith1008_whileAnotherClientKeepsItsPongs() throws Exception {
    FakeTicker ticker = new FakeTicker();
    start(builder -> builder.inboundRate(10, 20).ticker(ticker));
    WsTestClient polite = connect("polite", null);
    WsTestClient flood = connect("flood", null);

    for (int i = 0; i < 25 && !flood.closeCode().isDone(); i++) {
      flood.send("ping");
    }
    assertThat(flood.closeCode().get()).isEqualTo(1008);
    polite.send("ping");
    await().until(() -> polite.recorder().types().contains("pong"));
    assertThat(polite.closeCode()).isNotDone();
  }

  @Test
  void requiredToken_missingOrWrongIsRefusedWith401_rightOneAccepted() throws Exception {
    start(builder -> builder.requiredToken("s3cret"));
    URI base = server.webSocketUri();
    assertThatThrownBy(() -> WsTestClient.connect(http, base, "none", null))
        .cause()
        .isInstanceOf(WebSocketHandshakeException.class)
        .satisfies(
            e ->
                assertThat(((WebSocketHandshakeException) e).getResponse().statusCode())
                    .isEqualTo(401));
    assertThatThrownBy(
            () -> WsTestClient.connect(http, URI.create(base + "?token=nope"), "x", null))
        .hasCauseInstanceOf(WebSocketHandshakeException.class);
    WsTestClient good =
        WsTestClient.connect(http, URI.create(base + "?token=s3cret"), "good", null);
    await().until(() -> good.recorder().types().contains("initial_state"));
    assertThat(server.endpointStats().refusedToken()).isEqualTo(2);
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
