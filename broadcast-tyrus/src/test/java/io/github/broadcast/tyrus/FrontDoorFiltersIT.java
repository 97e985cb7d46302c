package io.github.broadcast.tyrus;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.broadcast.testing.RawHttp;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.glassfish.grizzly.filterchain.Filter;
import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.HttpServer;
import org.glassfish.grizzly.http.server.HttpServerFilter;
import org.glassfish.grizzly.http.server.NetworkListener;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Each of the front door's filters alone, on a bare Grizzly HTTP server that holds only it and a
 * handler that reads the whole body with a blocking read and echoes what it got: the job each one
 * does, and that it needs none of the others. {@code FrontDoorIT} runs them together in the
 * embedded server.
 */
@Timeout(60) // A guard against a hang, not a speed assertion.
final class FrontDoorFiltersIT {

  private final List<String> handled = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private final Answers answers = new Answers(timer);
  private HttpServer server;
  private int port;

  /** Starts a bare server with {@code filters} in front of Grizzly's HTTP server filter. */
  private void start(Filter... filters) throws Exception {
    server = new HttpServer();
    NetworkListener listener = new NetworkListener("bare", "127.0.0.1", 0);
    listener.registerAddOn(
        (l, builder) -> {
          int index = builder.indexOfType(HttpServerFilter.class);
          for (Filter filter : filters) {
            builder.add(index++, filter);
          }
        });
    server.addListener(listener);
    server
        .getServerConfiguration()
        .addHttpHandler(
            new HttpHandler() {
              @Override
              public void service(Request request, Response response) throws Exception {
                String body =
                    new String(request.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                handled.add(request.getMethod() + " " + request.getRequestURI() + " " + body);
                response.setContentType("text/plain");
                response.getWriter().write("got " + body.length());
              }
            },
            "/");
    server.start();
    port = listener.getPort();
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.shutdownNow();
    }
    timer.shutdownNow();
  }

  /** Starts a bare server with only a guard, which needs the bound port for the names it knows. */
  private GuardFilter startGuarded(String token) throws Exception {
    GuardFilter guard = new GuardFilter(answers);
    start(guard);
    guard.start(
        new RequestGuard(
            ServerNames.of("127.0.0.1", port, false, List.of()),
            origin -> true,
            token == null ? List.of() : List.of(token),
            "broadcast-token-" + port,
            false));
    return guard;
  }

  @Test
  void declineOtherUpgrades_servesAPostOfferingH2cAsHttp11_withItsWholeBody() throws Exception {
    start(new DeclineOtherUpgrades());
    RawHttp.Response response =
        RawHttp.exchange(
            port,
            "POST /hook HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                + "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n"
                + "Content-Length: 5\r\n\r\nhello");
    assertThat(response.status()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("got 5");
    assertThat(handled).containsExactly("POST /hook hello");
  }

  @Test
  void guard_refusesAForeignHost_andTheRestOfItsChunkedBodyIsNeverReadAsARequest()
      throws Exception {
    GuardFilter guard = startGuarded(null);
    try (Socket socket = RawHttp.connect(port)) {
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /hook HTTP/1.1\r\nHost: evil.example\r\nTransfer-Encoding: chunked\r\n\r\n"
                  + "5\r\nhello\r\n")
              .getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      RawHttp.Response refused = RawHttp.read(in);
      assertThat(refused.status()).isEqualTo(403);
      assertThat(refused.header("Connection")).isEqualTo("close");
      // The rest of the body carries what would be a request of its own: it is dropped.
      String smuggled = "GET /smuggled HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n\r\n";
      out.write(
          (Integer.toHexString(smuggled.length()) + "\r\n" + smuggled + "\r\n0\r\n\r\n")
              .getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      assertThat(in.read()).as("the connection ends after the answer").isEqualTo(-1);
    }
    assertThat(guard.refusedHost()).isEqualTo(1);
    assertThat(handled).as("no handler ran").isEmpty();
  }

  @Test
  void guard_judgesEveryRequestOfAKeptAliveConnection_notOnlyTheFirst() throws Exception {
    GuardFilter guard = startGuarded("s3cret");
    try (Socket socket = RawHttp.connect(port)) {
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      out.write(
          ("POST /one HTTP/1.1\r\nHost: 127.0.0.1:"
                  + port
                  + "\r\nAuthorization: Bearer s3cret\r\nTransfer-Encoding: chunked\r\n\r\n"
                  + "3\r\nabc\r\n")
              .getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      assertThat(RawHttp.read(in).status()).isEqualTo(200);
      out.write(
          ("POST /two HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nContent-Length: 3\r\n\r\nxyz")
              .getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      RawHttp.Response second = RawHttp.read(in);
      assertThat(second.status()).as("the second request has no token").isEqualTo(401);
    }
    assertThat(guard.refusedToken()).isEqualTo(1);
    assertThat(handled).containsExactly("POST /one abc");
  }

  @Test
  void bodies_reachTheHandlerWhole_andOneOverTheLimitGets413_unhandled() throws Exception {
    BodyFilter bodies =
        new BodyFilter(
            10, TimeUnit.SECONDS.toNanos(30), timer, answers, new UnfinishedRequests(1024));
    start(bodies);
    try (Socket socket = RawHttp.connect(port)) {
      OutputStream out = socket.getOutputStream();
      out.write(
          "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 8\r\n\r\nhalf"
              .getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      out.write("done".getBytes(StandardCharsets.ISO_8859_1)); // The rest, in a later packet.
      out.flush();
      RawHttp.Response whole = RawHttp.read(socket.getInputStream());
      assertThat(whole.body()).isEqualTo("got 8");
    }
    RawHttp.Response tooLarge =
        RawHttp.exchange(
            port, "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world");
    assertThat(tooLarge.status()).isEqualTo(413);
    assertThat(bodies.tooLarge()).isEqualTo(1);
    assertThat(handled).containsExactly("POST /a halfdone");
  }

  @Test
  void bodies_notArrivedWithinTheDeadline_get408_andAreNeverHandled() throws Exception {
    BodyFilter bodies =
        new BodyFilter(
            1024, TimeUnit.MILLISECONDS.toNanos(200), timer, answers, new UnfinishedRequests(1024));
    start(bodies);
    try (Socket socket = RawHttp.connect(port)) {
      socket
          .getOutputStream()
          .write(
              "POST /late HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nsome"
                  .getBytes(StandardCharsets.ISO_8859_1));
      socket.getOutputStream().flush();
      RawHttp.Response late = RawHttp.read(socket.getInputStream()); // Sent by the timer.
      assertThat(late.status()).isEqualTo(408);
    }
    assertThat(bodies.timedOut()).isEqualTo(1);
    assertThat(handled).isEmpty();
  }
}
