package io.github.broadcast.tyrus;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.broadcast.BroadcastStats;
import io.github.broadcast.Broadcaster;
import io.github.broadcast.Broadcasters;
import io.github.broadcast.Client;
import io.github.broadcast.SessionUpdate;
import io.github.broadcast.Topics;
import io.github.broadcast.jakarta.BroadcastEndpointConfig;
import io.github.broadcast.testing.WsTestClient;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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

  private final ThreadsSeen seen = new ThreadsSeen(Broadcasters.concurrent());
  private final Broadcaster broadcaster = seen;
  private final Map<String, String> handlerThreads = new ConcurrentHashMap<>();
  private EmbeddedServer server;

  @BeforeEach
  void start() throws Exception {
    HttpHandler echoLength =
        new HttpHandler() {
          @Override
          public void service(Request request, Response response) throws Exception {
            handlerThreads.put(request.getRequestURI(), Thread.currentThread().getName());
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
   * Issue 24: the browser client at exactly its two paths, revalidated by ETag, read-only; nothing
   * else under {@code /broadcast/} is served from the class path.
   */
  @Test
  void theBrowserClient_isServedAtItsTwoPaths_withAnETag_andNothingElse() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> module =
        http.send(
            HttpRequest.newBuilder(server.uri(EmbeddedServer.CLIENT_PATH)).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(module.statusCode()).isEqualTo(200);
    assertThat(module.headers().firstValue("Content-Type")).get().asString().contains("javascript");
    assertThat(module.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
    assertThat(module.body()).contains("export class BroadcastClient");
    String etag = module.headers().firstValue("ETag").orElseThrow();

    HttpResponse<String> again =
        http.send(
            HttpRequest.newBuilder(server.uri(EmbeddedServer.CLIENT_PATH))
                .header("If-None-Match", etag)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(again.statusCode()).isEqualTo(304);
    assertThat(again.body()).isEmpty();

    HttpResponse<String> types =
        http.send(
            HttpRequest.newBuilder(server.uri("/broadcast/client.d.ts")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(types.body()).contains("export declare class BroadcastClient");
    for (String other : new String[] {"/broadcast/", "/broadcast/client.js.map", "/broadcast"}) {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(server.uri(other)).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as(other).isEqualTo(404);
    }
    HttpResponse<String> post =
        http.send(
            HttpRequest.newBuilder(server.uri(EmbeddedServer.CLIENT_PATH))
                .POST(HttpRequest.BodyPublishers.ofString("x"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
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

  /**
   * A frame on an upgraded connection is handled on the selector thread that read it (no hand-over
   * per pong); the handshake, and every HTTP request, still run on Grizzly's workers. See
   * UpgradedReadsInPlace.
   */
  @Test
  void framesAreHandledWhereTheyAreRead_handshakesAndHttpOnWorkers() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    http.send(
        HttpRequest.newBuilder(server.uri("/echo"))
            .POST(HttpRequest.BodyPublishers.ofString("x"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
    WsTestClient client = WsTestClient.connect(http, server.webSocketUri(), "c", null);
    Awaitility.await().until(() -> client.recorder().types().contains("initial_state"));
    client.send("ping");
    Awaitility.await().until(() -> seen.onPing != null);

    assertThat(handlerThreads.get("/echo")).startsWith(WORKER);
    assertThat(seen.register).startsWith(WORKER);
    assertThat(seen.onPing).doesNotStartWith(WORKER).contains("SelectorRunner");
  }

  /** Grizzly names its worker threads so; its selector threads "...SelectorRunner...". */
  private static final String WORKER = "Grizzly-worker";

  /** Notes the thread of the endpoint's calls that matter here; the rest is passed on. */
  private static final class ThreadsSeen implements Broadcaster {
    private final Broadcaster delegate;
    volatile String register;
    volatile String onPing;

    ThreadsSeen(Broadcaster delegate) {
      this.delegate = delegate;
    }

    @Override
    public void register(Client client) {
      register = Thread.currentThread().getName();
      delegate.register(client);
    }

    @Override
    public void unregister(Client client) {
      delegate.unregister(client);
    }

    @Override
    public void publish(SessionUpdate update) {
      delegate.publish(update);
    }

    @Override
    public void onPing(Client client) {
      onPing = Thread.currentThread().getName();
      delegate.onPing(client);
    }

    @Override
    public void onPong(Client client) {
      delegate.onPong(client);
    }

    @Override
    public boolean onAck(Client client, long framesApplied) {
      return delegate.onAck(client, framesApplied);
    }

    @Override
    public void onMessage(Client client) {
      delegate.onMessage(client);
    }

    @Override
    public void subscribe(Client client, Topics topics) {
      delegate.subscribe(client, topics);
    }

    @Override
    public Map<String, Integer> subscribers() {
      return delegate.subscribers();
    }

    @Override
    public BroadcastStats stats() {
      return delegate.stats();
    }

    @Override
    public void close() {
      delegate.close();
    }
  }
}
