package io.github.broadcast.tyrus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.broadcast.Broadcaster;
import io.github.broadcast.Broadcasters;
import io.github.broadcast.jakarta.BroadcastEndpointConfig;
import io.github.broadcast.testing.RawHttp;
import io.github.broadcast.testing.SelfSigned;
import io.github.broadcast.testing.WsTestClient;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the embedded server refuses before any handler runs (foreign Host, foreign Origin, missing
 * token, bodies too big or too slow), how a token moves from the address to a cookie, graceful
 * shutdown, and TLS. Every refusal asserts that the handler never ran.
 */
@Timeout(120) // A guard against a hang, not a speed assertion.
final class FrontDoorIT {

  @TempDir Path dir;
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final Broadcaster broadcaster = Broadcasters.concurrent();
  private final AtomicInteger handled = new AtomicInteger();
  private final List<String> bodies = new ArrayList<>();
  private EmbeddedServer server;

  /** Reads the whole body with a blocking read, as a simple handler does, and echoes its size. */
  private final HttpHandler echo =
      new HttpHandler() {
        @Override
        public void service(Request request, Response response) throws Exception {
          String body = new String(request.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
          synchronized (bodies) {
            bodies.add(body);
          }
          handled.incrementAndGet();
          response.setContentType("text/plain");
          response.getWriter().write("got " + body.length());
        }
      };

  private EmbeddedServer start(UnaryOperator<EmbeddedServer.Builder> configure) throws Exception {
    server =
        configure
            .apply(
                EmbeddedServer.newBuilder()
                    .endpoint(BroadcastEndpointConfig.newBuilder("/ws", broadcaster))
                    .httpHandler("/echo", echo))
            .start();
    return server;
  }

  @AfterEach
  void tearDown() {
    if (server != null) {
      server.close();
    }
    broadcaster.close();
  }

  private String own() {
    return "127.0.0.1:" + server.port();
  }

  private static String upgrade(String host, String origin, String extra) {
    return "GET /ws HTTP/1.1\r\nHost: "
        + host
        + "\r\n"
        + (origin == null ? "" : "Origin: " + origin + "\r\n")
        + extra
        + "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  }

  private static void assertJsonError(RawHttp.Response response, int status, String message) {
    assertThat(response.status()).as(response.body()).isEqualTo(status);
    assertThat(response.header("Content-Type")).isEqualTo("application/json");
    assertThat(response.body()).contains("\"status\":" + status).containsIgnoringCase(message);
    assertThat(response.header("Access-Control-Allow-Origin")).isNull();
  }

  @Test
  void foreignHost_isRefusedOnHttpAndHandshakes_beforeAnyHandler() throws Exception {
    start(b -> b);
    String evil = "evil.example:" + server.port();

    assertJsonError(RawHttp.get(server.port(), evil, "/echo"), 403, "host");
    assertJsonError(RawHttp.exchange(server.port(), upgrade(evil, null, "")), 403, "host");
    assertJsonError(
        RawHttp.exchange(server.port(), "GET /echo HTTP/1.0\r\n\r\n"), 403, "Host header");
    assertThat(handled).hasValue(0);
    assertThat(broadcaster.stats().clients()).isZero();
    assertThat(server.httpStats().refusedHost()).isEqualTo(3);

    assertThat(RawHttp.get(server.port(), own(), "/echo").status()).isEqualTo(200);
    assertThat(RawHttp.get(server.port(), "localhost:" + server.port(), "/echo").status())
        .isEqualTo(200);
    assertThat(RawHttp.exchange(server.port(), upgrade(own(), null, "")).status()).isEqualTo(101);
    assertThat(handled).hasValue(2);
  }

  @Test
  void foreignOrigin_isRefusedOnHttp_whileNoOriginAndTheOwnOneAreServed() throws Exception {
    start(b -> b);
    HttpRequest.Builder post =
        HttpRequest.newBuilder(server.uri("/echo")).POST(HttpRequest.BodyPublishers.ofString("x"));

    HttpResponse<String> foreign =
        http.send(
            post.copy().header("Origin", "http://evil.example").build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(foreign.statusCode()).isEqualTo(403);
    assertThat(foreign.body()).contains("origin not allowed");
    assertThat(handled).hasValue(0);
    assertThat(server.httpStats().refusedOrigin()).isEqualTo(1);

    assertThat(http.send(post.build(), HttpResponse.BodyHandlers.ofString()).statusCode())
        .isEqualTo(200);
    assertThat(
            http.send(
                    post.copy().header("Origin", "http://" + own()).build(),
                    HttpResponse.BodyHandlers.ofString())
                .statusCode())
        .isEqualTo(200);
    assertThat(handled).hasValue(2);
  }

  @Test
  void token_guardsEveryPath_andMovesFromTheAddressToAnHttpOnlyCookie() throws Exception {
    start(b -> b.requiredToken("s3cret"));
    RawHttp.Response missing = RawHttp.get(server.port(), own(), "/echo");
    assertJsonError(missing, 401, "token");
    assertThat(missing.header("WWW-Authenticate")).isEqualTo("Bearer");
    assertJsonError(
        RawHttp.get(server.port(), own(), "/echo", "Authorization: Bearer nope"), 401, "token");
    assertThat(handled).hasValue(0);

    assertThat(RawHttp.get(server.port(), own(), "/echo", "Authorization: Bearer s3cret").status())
        .isEqualTo(200);

    RawHttp.Response redirect = RawHttp.get(server.port(), own(), "/echo?a=1&token=s3cret");
    assertThat(redirect.status()).isEqualTo(303);
    assertThat(redirect.header("Location")).isEqualTo("/echo?a=1");
    String cookie = redirect.header("Set-Cookie");
    assertThat(cookie).contains("HttpOnly", "SameSite=Strict", "Path=/").doesNotContain("Secure");
    String pair = cookie.substring(0, cookie.indexOf(';'));
    assertThat(RawHttp.get(server.port(), own(), "/echo", "Cookie: " + pair).status())
        .isEqualTo(200);
    assertThat(handled).as("the redirect itself ran no handler").hasValue(2);

    assertThat(RawHttp.get(server.port(), own(), "//evil.example/?token=s3cret").header("Location"))
        .isEqualTo("/");

    assertThatThrownBy(() -> WsTestClient.connect(http, server.webSocketUri(), "none", null))
        .hasCauseInstanceOf(WebSocketHandshakeException.class);
    WsTestClient byCookie =
        WsTestClient.connectWith(http, server.webSocketUri(), "cookie", Map.of("Cookie", pair));
    WsTestClient byQuery =
        WsTestClient.connect(
            http, URI.create(server.webSocketUri() + "?token=s3cret"), "query", null);
    await().until(() -> byCookie.recorder().types().contains("initial_state"));
    await().until(() -> byQuery.recorder().types().contains("initial_state"));
    assertThat(server.httpStats().refusedToken()).isEqualTo(3);
  }

  @Test
  void stalledBodies_pinNoWorker_soANormalRequestIsServedMeanwhile() throws Exception {
    start(b -> b.requestBodyTimeout(Duration.ofSeconds(60)));
    List<Socket> stalled = new ArrayList<>();
    try {
      for (int i = 0; i < 300; i++) {
        Socket socket = RawHttp.connect(server.port());
        stalled.add(socket);
        OutputStream out = socket.getOutputStream();
        out.write(
            ("POST /echo HTTP/1.1\r\nHost: "
                    + own()
                    + "\r\nContent-Length: 100\r\n\r\n"
                    + "x".repeat(50))
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
      }
      HttpResponse<String> normal =
          http.send(
              HttpRequest.newBuilder(server.uri("/echo"))
                  .timeout(Duration.ofSeconds(10)) // Before: no answer until a body came in.
                  .POST(HttpRequest.BodyPublishers.ofString("hello"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(normal.statusCode()).isEqualTo(200);
      assertThat(normal.body()).isEqualTo("got 5");
      assertThat(handled).as("no stalled request reached its handler").hasValue(1);
    } finally {
      for (Socket socket : stalled) {
        socket.close();
      }
    }
  }

  @Test
  void bodyPastItsDeadline_gets408_andIsNeverHandled_evenIfItCompletesLater() throws Exception {
    start(b -> b.requestBodyTimeout(Duration.ofMillis(300)));
    try (Socket socket = RawHttp.connect(server.port())) {
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /echo HTTP/1.1\r\nHost: " + own() + "\r\nContent-Length: 10\r\n\r\nhalf.")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      RawHttp.Response late = RawHttp.read(socket.getInputStream());
      assertJsonError(late, 408, "not applied");
      assertThat(late.header("Connection")).isEqualTo("close");
      try {
        out.write("done!".getBytes(StandardCharsets.US_ASCII));
        out.flush();
      } catch (IOException closed) {
        // The server closed the connection after its 408: the rest has nowhere to go.
      }
    }
    assertThat(RawHttp.get(server.port(), own(), "/echo").status()).isEqualTo(200);
    assertThat(bodies).as("only the GET's empty body was handled").containsExactly("");
    assertThat(server.httpStats().bodiesTimedOut()).isEqualTo(1);
  }

  @Test
  void headPastItsDeadline_gets408_andIsNeverHandled_whileAKeptAliveConnectionMayIdle()
      throws Exception {
    start(b -> b.requestHeadTimeout(Duration.ofMillis(300)));
    try (Socket slow = RawHttp.connect(server.port())) {
      // A head sent a piece at a time, never finished (slowloris).
      slow.getOutputStream()
          .write(
              ("GET /echo HTTP/1.1\r\nHost: " + own() + "\r\nX-A: 1\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      slow.getOutputStream().flush();
      RawHttp.Response late = RawHttp.read(slow.getInputStream()); // Sent by the timer.
      assertJsonError(late, 408, "head did not arrive");
      assertThat(late.header("Connection")).isEqualTo("close");
    }
    try (Socket kept = RawHttp.connect(server.port())) {
      String request = "GET /echo HTTP/1.1\r\nHost: " + own() + "\r\n\r\n";
      kept.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      assertThat(RawHttp.read(kept.getInputStream()).status()).isEqualTo(200);
      try (Socket silent = RawHttp.connect(server.port())) {
        assertThat(silent.getInputStream().read())
            .as("a connection that sends nothing is closed at the deadline")
            .isEqualTo(-1);
      }
      // The kept connection has now idled longer than that deadline, with no request under way:
      // nothing expired on it.
      kept.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      assertThat(RawHttp.read(kept.getInputStream()).status()).isEqualTo(200);
    }
    assertThat(bodies).as("only the two complete GETs were handled").containsExactly("", "");
    assertThat(server.httpStats().headsTimedOut()).isEqualTo(2);
  }

  /** A plain GET at the WebSocket path gets 426, naming the upgrade, as under Spring. */
  @Test
  void aPlainGetAtTheWebSocketPath_gets426() throws Exception {
    start(b -> b);
    RawHttp.Response plain = RawHttp.get(server.port(), own(), "/ws");
    assertThat(plain.status()).isEqualTo(426);
    assertThat(plain.header("Upgrade")).isEqualTo("websocket");
    assertThat(RawHttp.get(server.port(), own(), "/elsewhere").status()).isEqualTo(404);
  }

  /**
   * Static files beside the socket, behind the front door, and nothing outside their directory,
   * however the path is written.
   */
  @Test
  void staticFiles_areServed_andNothingOutsideTheirDirectory() throws Exception {
    Path web = Files.createDirectories(dir.resolve("web"));
    Files.writeString(web.resolve("index.html"), "<h1>page</h1>");
    Files.writeString(dir.resolve("secret.txt"), "secret");
    start(b -> b.staticFiles(web));
    assertThat(RawHttp.get(server.port(), own(), "/index.html").body()).isEqualTo("<h1>page</h1>");
    assertThat(RawHttp.get(server.port(), own(), "/").body()).isEqualTo("<h1>page</h1>");
    for (String outside :
        new String[] {
          "/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt", "/x/../../secret.txt"
        }) {
      RawHttp.Response response = RawHttp.get(server.port(), own(), outside);
      assertThat(response.body()).as(outside).doesNotContain("secret");
    }
    assertThat(RawHttp.get(server.port(), "evil.example", "/index.html").status())
        .as("behind the front door")
        .isEqualTo(403);
    assertThat(RawHttp.get(server.port(), own(), "/ws").status())
        .as("the socket's path")
        .isEqualTo(426);
    assertThatThrownBy(() -> EmbeddedServer.newBuilder().staticFiles(dir.resolve("none")))
        .hasMessageContaining("staticFiles : ");
  }

  /**
   * An HTTP connection idle between requests is closed after the idle timeout (Grizzly's own
   * keep-alive timeout is off), while a WebSocket connection, idle as long, stays open.
   */
  @Test
  void anIdleHttpConnection_isClosed_butAnIdleWebSocketIsNot() throws Exception {
    start(b -> b.httpIdleTimeout(Duration.ofMillis(500)));
    WsTestClient socket = WsTestClient.connect(http, server.webSocketUri(), "idle", null);
    try (Socket kept = RawHttp.connect(server.port())) {
      String get = "GET /echo HTTP/1.1\r\nHost: " + own() + "\r\n\r\n";
      kept.getOutputStream().write(get.getBytes(StandardCharsets.US_ASCII));
      assertThat(RawHttp.read(kept.getInputStream()).status()).isEqualTo(200);
      assertThat(kept.getInputStream().read()).as("closed once idle").isEqualTo(-1);
    }
    assertThat(server.httpStats().idleClosed()).isEqualTo(1);
    socket.send("ping"); // Idle at least as long, and still open: it is answered.
    await().until(() -> socket.recorder().types().contains("pong"));
    socket.close();
  }

  /**
   * One address holds at most its cap of unfinished requests (heads or bodies still arriving, or
   * connections that sent nothing yet): past it a new connection is closed unanswered and a new
   * request on a kept-alive one gets 429, and none reaches a handler; once the half requests end,
   * their places come back.
   */
  @Test
  void unfinishedRequests_areCappedPerAddress_andTheirPlacesComeBack() throws Exception {
    start(b -> b.maxUnfinishedRequestsPerAddress(3).requestBodyTimeout(Duration.ofSeconds(60)));
    Socket kept = RawHttp.connect(server.port());
    String get = "GET /echo HTTP/1.1\r\nHost: " + own() + "\r\n\r\n";
    kept.getOutputStream().write(get.getBytes(StandardCharsets.US_ASCII));
    assertThat(RawHttp.read(kept.getInputStream()).status()).isEqualTo(200); // Now idle: no place.
    List<Socket> half = new ArrayList<>();
    try {
      half.add(halfHead());
      half.add(halfHead());
      half.add(halfBody());
      await().until(() -> placesHeld() == 3);
      try (Socket fourth = RawHttp.connect(server.port())) {
        assertThat(fourth.getInputStream().read()).as("closed unanswered").isEqualTo(-1);
      }
      kept.getOutputStream().write(get.getBytes(StandardCharsets.US_ASCII));
      RawHttp.Response refused = RawHttp.read(kept.getInputStream());
      assertJsonError(refused, 429, "unfinished requests");
      assertThat(server.httpStats().refusedUnfinished()).isEqualTo(2);
      assertThat(handled).as("only the first GET was handled").hasValue(1);
    } finally {
      kept.close();
      for (Socket socket : half) {
        socket.close();
      }
    }
    await().until(() -> placesHeld() == 0);
    assertThat(RawHttp.get(server.port(), own(), "/echo").status()).isEqualTo(200);
    assertThat(handled).hasValue(2);
  }

  private int placesHeld() {
    return server.unfinishedRequests();
  }

  private Socket halfHead() throws IOException {
    Socket socket = RawHttp.connect(server.port());
    socket
        .getOutputStream()
        .write(
            ("GET /echo HTTP/1.1\r\nHost: " + own() + "\r\n").getBytes(StandardCharsets.US_ASCII));
    socket.getOutputStream().flush();
    return socket;
  }

  private Socket halfBody() throws IOException {
    Socket socket = RawHttp.connect(server.port());
    socket
        .getOutputStream()
        .write(
            ("POST /echo HTTP/1.1\r\nHost: " + own() + "\r\nContent-Length: 10\r\n\r\nhalf.")
                .getBytes(StandardCharsets.US_ASCII));
    socket.getOutputStream().flush();
    return socket;
  }

  @Test
  void aPostOfferingWebSocket_isServedAsHttp_itsBodyBoundedLikeAnyOther() throws Exception {
    start(b -> b.maxRequestBodyBytes(1000));
    RawHttp.Response served =
        RawHttp.exchange(
            server.port(),
            "POST /echo HTTP/1.1\r\nHost: "
                + own()
                + "\r\n"
                + "Connection: Upgrade\r\n"
                + "Upgrade: websocket\r\n"
                + "Content-Length: 5\r\n\r\n"
                + "hello");
    assertThat(served.status()).isEqualTo(200);
    assertThat(served.body()).isEqualTo("got 5");
    RawHttp.Response tooBig =
        RawHttp.exchange(
            server.port(),
            "POST /echo HTTP/1.1\r\nHost: "
                + own()
                + "\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nContent-Length: 2000\r\n\r\n");
    assertThat(tooBig.status()).isEqualTo(413);
    assertThat(bodies).containsExactly("hello");
  }

  @Test
  void bodyOverTheLimit_gets413_whetherDeclaredOrStreamed() throws Exception {
    start(b -> b.maxRequestBodyBytes(1000));
    assertJsonError(
        RawHttp.exchange(
            server.port(),
            "POST /echo HTTP/1.1\r\nHost: " + own() + "\r\nContent-Length: 2000\r\n\r\n"),
        413,
        "limit");
    String chunk = "x".repeat(600);
    assertJsonError(
        RawHttp.exchange(
            server.port(),
            "POST /echo HTTP/1.1\r\nHost: "
                + own()
                + "\r\nTransfer-Encoding: chunked\r\n\r\n258\r\n"
                + chunk
                + "\r\n258\r\n"
                + chunk
                + "\r\n0\r\n\r\n"),
        413,
        "limit");
    assertThat(server.httpStats().bodiesTooLarge()).isEqualTo(2);
    assertThat(
            http.send(
                    HttpRequest.newBuilder(server.uri("/echo"))
                        .POST(HttpRequest.BodyPublishers.ofString("y".repeat(1000)))
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .body())
        .isEqualTo("got 1000");
    assertThat(bodies)
        .as("neither refused request, nor what followed it, reached the handler")
        .containsExactly("y".repeat(1000));
  }

  @Test
  void expect100Continue_isAnsweredBeforeTheBodyIsGathered() throws Exception {
    start(b -> b);
    try (Socket socket = RawHttp.connect(server.port())) {
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /echo HTTP/1.1\r\nHost: "
                  + own()
                  + "\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      assertThat(RawHttp.read(socket.getInputStream()).status()).isEqualTo(100);
      out.write("hello".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      RawHttp.Response response = RawHttp.read(socket.getInputStream());
      assertThat(response.status()).isEqualTo(200);
      assertThat(response.body()).isEqualTo("got 5");
    }
  }

  @Test
  void close_saysGoingAwayToEveryClient_andLetsARequestInHandFinish() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    HttpHandler slow =
        new HttpHandler() {
          @Override
          public void service(Request request, Response response) throws Exception {
            response.suspend();
            entered.countDown();
            CompletableFuture.runAsync(
                () -> {
                  try {
                    release.await();
                    response.getWriter().write("finished");
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  } finally {
                    response.resume();
                  }
                });
          }
        };
    start(b -> b.httpHandler("/slow", slow).shutdownGrace(Duration.ofSeconds(30)));
    List<WsTestClient> clients = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      clients.add(WsTestClient.connect(http, server.webSocketUri(), "c" + i, null));
    }
    await().until(() -> broadcaster.stats().clients() == 3);
    CompletableFuture<HttpResponse<String>> inHand =
        http.sendAsync(
            HttpRequest.newBuilder(server.uri("/slow")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();

    Thread closing = new Thread(server::close, "closing");
    closing.start();
    for (WsTestClient client : clients) {
      assertThat(client.closeCode().get(10, TimeUnit.SECONDS)).isEqualTo(1001);
    }
    assertThat(closing.isAlive()).as("close waits for the request in hand").isTrue();
    release.countDown();
    assertThat(inHand.get(10, TimeUnit.SECONDS).body()).isEqualTo("finished");
    closing.join(10_000);
    assertThat(closing.isAlive()).isFalse();
    server = null;
  }

  @Test
  void tls_servesHttpsAndWss_andTheHttpsOriginsFollow() throws Exception {
    SelfSigned certificate = SelfSigned.create(dir);
    start(b -> tls(b, certificate));
    HttpClient https =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .sslContext(certificate.clientContext())
            .build();
    assertThat(server.uri("/echo").getScheme()).isEqualTo("https");
    HttpResponse<String> response =
        https.send(
            HttpRequest.newBuilder(server.uri("/echo"))
                .POST(HttpRequest.BodyPublishers.ofString("over tls"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.body()).isEqualTo("got 8");

    WsTestClient page =
        WsTestClient.connect(
            https, server.webSocketUri(), "page", "https://localhost:" + server.port());
    await().until(() -> page.recorder().types().contains("initial_state"));
    assertThatThrownBy(
            () ->
                WsTestClient.connect(https, server.webSocketUri(), "evil", "https://evil.example"))
        .hasCauseInstanceOf(WebSocketHandshakeException.class);
  }

  private static EmbeddedServer.Builder tls(EmbeddedServer.Builder builder, SelfSigned cert) {
    try {
      return builder.tls(cert.certificate(), cert.privateKey());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void tls_refusesAKeyThatIsNotTheCertificates() throws Exception {
    SelfSigned one = SelfSigned.create(mkdir("one"));
    SelfSigned two = SelfSigned.create(mkdir("two"));
    assertThatThrownBy(() -> EmbeddedServer.newBuilder().tls(one.certificate(), two.privateKey()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("does not belong");
    assertThatThrownBy(() -> EmbeddedServer.newBuilder().tls(one.privateKey(), one.privateKey()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("CERTIFICATE");
  }

  private Path mkdir(String name) throws IOException {
    return Files.createDirectories(dir.resolve(name));
  }

  @Test
  void publicUrl_isANameAndAnOrigin_forAProxyInFront() throws Exception {
    start(b -> b.publicUrl("https://dash.example.com"));
    assertThat(RawHttp.get(server.port(), "dash.example.com", "/echo").status()).isEqualTo(200);
    assertThat(
            RawHttp.exchange(
                    server.port(), upgrade("dash.example.com", "https://dash.example.com", ""))
                .status())
        .isEqualTo(101);
    assertThat(
            RawHttp.exchange(
                    server.port(), upgrade("dash.example.com", "http://dash.example.com", ""))
                .status())
        .as("the public URL's scheme, not another")
        .isEqualTo(403);
  }
}
