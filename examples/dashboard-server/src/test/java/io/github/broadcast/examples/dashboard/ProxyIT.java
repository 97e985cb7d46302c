package io.github.broadcast.examples.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.broadcast.testing.Prerequisites;
import io.github.broadcast.testing.WsTestClient;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard behind Debian's nginx, configured as the operations page's recipe says ({@code
 * proxy_http_version 1.1}, the {@code Upgrade} and {@code Connection} headers, {@code Host}), with
 * {@code proxy_read_timeout} cut to 3 s: the page's WebSocket connects through it, receives
 * updates, and outlives the proxy's idle timeout because the server pings every second; with pings
 * a minute apart, the same connection is cut by the proxy, which shows the timeout is real.
 *
 * <p>Skipped where nginx is missing, except under CI ({@code .ci/run} installs it).
 */
@Timeout(120) // A guard against a hang, not a speed assertion.
final class ProxyIT {

  private static final Path NGINX =
      Path.of(System.getenv().getOrDefault("NGINX", "/usr/sbin/nginx"));

  @TempDir Path dir;
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private DashboardServer server;
  private Process nginx;

  @AfterEach
  void tearDown() throws Exception {
    if (nginx != null) {
      nginx.destroy();
      if (!nginx.waitFor(10, TimeUnit.SECONDS)) {
        nginx.destroyForcibly();
      }
    }
    if (server != null) {
      server.close();
    }
  }

  /** Starts the dashboard, then nginx in front of it; returns nginx's address. */
  private String start(String pingInterval) throws Exception {
    Prerequisites.require(Files.isExecutable(NGINX), NGINX.toString(), "apt-get install nginx");
    int port;
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    String front = "127.0.0.1:" + port;
    server =
        DashboardServer.start(
            Options.parse(
                new String[] {
                  "--port",
                  "0",
                  "--preset",
                  "concurrent",
                  "--heartbeat-interval",
                  pingInterval,
                  "--public-url",
                  "http://" + front
                },
                Map.of()));
    Path config = dir.resolve("nginx.conf");
    Files.writeString(config, config(port, server.port()), StandardCharsets.UTF_8);
    nginx =
        new ProcessBuilder(NGINX.toString(), "-p", dir.toString(), "-c", config.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("nginx.out").toFile())
            .start();
    await()
        .atMost(Duration.ofSeconds(20))
        .ignoreExceptions()
        .until(() -> get("http://" + front + "/api/sessions").statusCode() == 200);
    return front;
  }

  /** The recipe of the operations page, with the timeout cut short and paths in the test's dir. */
  private String config(int listen, int backend) {
    return """
    daemon off;
    master_process off;
    worker_processes 1;
    pid %1$s/nginx.pid;
    error_log %1$s/error.log warn;
    events { worker_connections 64; }
    http {
      access_log off;
      client_body_temp_path %1$s/body;
      proxy_temp_path %1$s/proxy;
      fastcgi_temp_path %1$s/fastcgi;
      uwsgi_temp_path %1$s/uwsgi;
      scgi_temp_path %1$s/scgi;

      map $http_upgrade $connection_upgrade {
        default upgrade;
        ''      close;
      }
      server {
        listen 127.0.0.1:%2$d;
        location / {
          proxy_pass http://127.0.0.1:%3$d;
          proxy_http_version 1.1;
          proxy_set_header Host $http_host;
          proxy_set_header Upgrade $http_upgrade;
          proxy_set_header Connection $connection_upgrade;
          proxy_read_timeout 3s;
          proxy_send_timeout 3s;
          proxy_buffering off;
        }
      }
    }
    """
        .formatted(dir, listen, backend);
  }

  private HttpResponse<String> get(String url) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private int post(String front, String sessionId) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create("http://" + front + "/api/hooks"))
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"session_id\":\"" + sessionId + "\",\"hook_event_name\":\"Stop\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .statusCode();
  }

  private WsTestClient page(String front) throws Exception {
    WsTestClient page =
        WsTestClient.connect(
            http, URI.create("ws://" + front + "/ws/dashboard"), "page", "http://" + front);
    await().until(() -> page.recorder().types().contains("initial_state"));
    return page;
  }

  @Test
  void thePagesWebSocket_throughNginx_getsUpdates_andOutlivesItsIdleTimeout() throws Exception {
    String front = start("1s");
    WsTestClient page = page(front);
    assertThat(post(front, "before")).isEqualTo(202);
    await().until(() -> page.recorder().view().containsKey("before"));

    // Three proxy timeouts of silence from the application; only the server's pings cross.
    assertThat(page.closeCode().completeOnTimeout(0, 9, TimeUnit.SECONDS).get())
        .as("still open after 9 s behind a 3 s proxy_read_timeout")
        .isZero();
    assertThat(post(front, "after")).isEqualTo(202);
    await().until(() -> page.recorder().view().containsKey("after"));
  }

  @Test
  void withoutPingsInTime_nginxCutsTheSameConnection() throws Exception {
    String front = start("60s");
    WsTestClient page = page(front);
    assertThat(page.closeCode().get(20, TimeUnit.SECONDS))
        .as("cut by the proxy, not closed by the server")
        .isNotEqualTo(1001);
  }
}
