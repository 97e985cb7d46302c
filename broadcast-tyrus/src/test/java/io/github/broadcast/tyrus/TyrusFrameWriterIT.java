package io.github.broadcast.tyrus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.broadcast.Frame;
import io.github.broadcast.jakarta.FrameWriter;
import io.github.broadcast.testing.TextMessages;
import jakarta.websocket.OnMessage;
import jakarta.websocket.OnOpen;
import jakarta.websocket.SendResult;
import jakarta.websocket.Session;
import jakarta.websocket.server.ServerEndpoint;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.glassfish.tyrus.server.Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The direct path on a real Tyrus connection: that this Tyrus version's writer is within reach (a
 * Tyrus upgrade that moves it fails here, instead of falling back to per-client encoding
 * unnoticed), and that frames written through it arrive whole, in order with Tyrus' own sends.
 */
@Timeout(60) // A guard against a hang, not a speed assertion.
final class TyrusFrameWriterIT {

  /** Writes through the sink as the client asks: {@code frames N}, then Tyrus' own sendText. */
  @ServerEndpoint("/raw")
  public static final class RawEndpoint {

    static volatile FrameWriter.Sink lastSink;
    static volatile Session lastSession;

    @OnOpen
    public void open(Session session) {
      lastSession = session;
      lastSink = new TyrusFrameWriter(false).open(session);
    }

    @OnMessage
    public void message(Session session, String text) throws Exception {
      FrameWriter.Sink sink = new TyrusFrameWriter(false).open(session);
      for (String body : List.of("one", "two".repeat(100), "three".repeat(20_000))) {
        CompletableFuture<SendResult> written = new CompletableFuture<>();
        sink.write(Frame.of(body), written::complete);
        assertThat(written.get(10, TimeUnit.SECONDS).isOK()).isTrue();
      }
      session.getBasicRemote().sendText("through Tyrus");
    }
  }

  private Server server;

  @BeforeEach
  void start() throws Exception {
    server = new Server("127.0.0.1", 0, "", Map.of(), RawEndpoint.class);
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop();
  }

  /** Connects a JDK client that gathers each whole text message into {@code received}. */
  private static WebSocket connect(URI uri, TextMessages received) throws Exception {
    return HttpClient.newHttpClient()
        .newWebSocketBuilder()
        .buildAsync(uri, received)
        .get(10, TimeUnit.SECONDS);
  }

  @Test
  void tyrusWriter_isWithinReach() {
    assertThat(TyrusFrameWriter.available()).isTrue();
  }

  @Test
  void framesWrittenDirectly_arriveWhole_andInOrderWithTyrusOwnSends() throws Exception {
    URI uri = URI.create("ws://127.0.0.1:" + server.getPort() + "/raw");
    TextMessages received = new TextMessages();
    WebSocket client = connect(uri, received);
    await().until(() -> RawEndpoint.lastSink != null);
    client.sendText("go", true);
    await().until(() -> received.messages().size() == 4);
    assertThat(received.messages())
        .containsExactly("one", "two".repeat(100), "three".repeat(20_000), "through Tyrus");
  }

  @Test
  void aSessionWithAnIdleTimeout_sendsThroughTyrus() throws Exception {
    URI uri = URI.create("ws://127.0.0.1:" + server.getPort() + "/raw");
    connect(uri, new TextMessages());
    await().until(() -> RawEndpoint.lastSession != null);
    Session session = RawEndpoint.lastSession;
    session.setMaxIdleTimeout(60_000);
    assertThat(new TyrusFrameWriter(false).open(session)).isNull();
    session.setMaxIdleTimeout(0);
    assertThat(new TyrusFrameWriter(false).open(session)).isNotNull();
  }
}
