package io.github.broadcast.tyrus;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.broadcast.Broadcaster;
import io.github.broadcast.Broadcasters;
import io.github.broadcast.jakarta.BroadcastEndpointConfig;
import io.github.broadcast.testing.RawHttp;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The embedded server's probes: what they answer, and that they sit behind the front door. */
@Timeout(60) // A guard against a hang, not a speed assertion.
final class HealthIT {

  private final Broadcaster broadcaster = Broadcasters.concurrent();
  private EmbeddedServer server;

  private EmbeddedServer start(UnaryOperator<EmbeddedServer.Builder> configure) throws Exception {
    server =
        configure
            .apply(
                EmbeddedServer.newBuilder()
                    .endpoint(BroadcastEndpointConfig.newBuilder("/ws", broadcaster)))
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

  private RawHttp.Response get(String path, String... headers) throws Exception {
    return RawHttp.get(server.port(), "127.0.0.1:" + server.port(), path, headers);
  }

  @Test
  void liveness_isUpWhileServing_andReadinessFollowsItsChecks() throws Exception {
    AtomicBoolean writable = new AtomicBoolean(true);
    start(b -> b.readinessCheck("store", writable::get));

    RawHttp.Response live = get("/healthz");
    assertThat(live.status()).isEqualTo(200);
    assertThat(live.header("Content-Type")).isEqualTo("application/json");
    assertThat(live.body()).isEqualTo("{\"status\":\"up\"}");
    assertThat(get("/readyz").body())
        .isEqualTo("{\"checks\":{\"store\":true},\"status\":\"ready\"}");

    writable.set(false);
    RawHttp.Response notReady = get("/readyz");
    assertThat(notReady.status()).isEqualTo(503);
    assertThat(notReady.body())
        .isEqualTo("{\"checks\":{\"store\":false},\"status\":\"not ready\"}");
    assertThat(get("/healthz").status()).as("alive all the same").isEqualTo(200);

    writable.set(true);
    assertThat(get("/readyz").status()).isEqualTo(200);
  }

  @Test
  void aCheckThatThrows_isNotReady_andTheOthersAreStillReported() throws Exception {
    start(
        b ->
            b.readinessCheck(
                    "broken",
                    () -> {
                      throw new IllegalStateException("boom");
                    })
                .readinessCheck("fine", () -> true));
    RawHttp.Response response = get("/readyz");
    assertThat(response.status()).isEqualTo(503);
    assertThat(response.body()).contains("\"broken\":false", "\"fine\":true", "not ready");
  }

  @Test
  void probes_areBehindTheFrontDoor_andAnswerOnlyGetAndHead() throws Exception {
    start(b -> b.requiredToken("s3cret"));
    assertThat(get("/healthz").status()).as("no token").isEqualTo(401);
    assertThat(get("/readyz", "Authorization: Bearer s3cret").status()).isEqualTo(200);
    assertThat(
            RawHttp.get(server.port(), "evil.example", "/healthz", "Authorization: Bearer s3cret")
                .status())
        .as("a foreign Host")
        .isEqualTo(403);
    RawHttp.Response post =
        RawHttp.exchange(
            server.port(),
            "POST /readyz HTTP/1.1\r\nHost: 127.0.0.1:"
                + server.port()
                + "\r\n"
                + "Authorization: Bearer s3cret\r\n"
                + "Content-Length: 0\r\n"
                + "Connection: close\r\n\r\n");
    assertThat(post.status()).isEqualTo(405);
    assertThat(post.header("Allow")).isEqualTo("GET, HEAD");
  }

  @Test
  void anApplicationsOwnHandler_atAProbesPath_takesPrecedence() throws Exception {
    start(
        b ->
            b.httpHandler(
                "/healthz",
                new HttpHandler() {
                  @Override
                  public void service(Request request, Response response) throws Exception {
                    response.getWriter().write("mine");
                  }
                }));
    assertThat(get("/healthz").body()).isEqualTo("mine");
    assertThat(get("/readyz").status()).as("no checks: ready").isEqualTo(200);
  }
}
