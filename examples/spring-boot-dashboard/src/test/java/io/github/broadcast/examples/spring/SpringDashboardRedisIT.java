package io.github.broadcast.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.broadcast.testing.RawHttp;
import io.github.broadcast.testing.RedisServer;
import io.github.broadcast.testing.WsTestClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Two Spring Boot dashboards on one real Redis, configured by properties alone ({@code
 * broadcast.redis.enabled}, {@code spring.data.redis.*}): a hook posted to one reaches a page on
 * the other, and Prometheus and the readiness probe show each node's Redis state, close codes and
 * refusals.
 */
@Timeout(120) // A guard against a hang, not a speed assertion.
final class SpringDashboardRedisIT {

  @TempDir Path dir;
  private final HttpClient http = HttpClient.newHttpClient();

  private static ConfigurableApplicationContext node(RedisServer redis) {
    return new SpringApplicationBuilder(SpringDashboard.class)
        .run( // Arguments: over application.properties, as on a command line.
            "--server.port=0",
            "--broadcast.preset=concurrent",
            "--broadcast.redis.enabled=true",
            "--broadcast.redis.prefix=spring-dashboard-it",
            "--spring.data.redis.host=127.0.0.1",
            "--spring.data.redis.port=" + redis.port());
  }

  private static int port(ConfigurableApplicationContext context) {
    return Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
  }

  @Test
  void aHookPostedToOneNode_reachesAPageOnTheOther_andEachShowsItsRedisState() throws Exception {
    try (RedisServer redis = RedisServer.start(dir, null);
        ConfigurableApplicationContext a = node(redis);
        ConfigurableApplicationContext b = node(redis)) {
      int portB = port(b);
      WsTestClient page =
          WsTestClient.connect(
              http, URI.create("ws://127.0.0.1:" + portB + "/ws/dashboard"), "page", null);
      await().until(() -> page.recorder().types().contains("initial_state"));

      HttpResponse<String> accepted =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port(a) + "/api/hooks"))
                  .header("Content-Type", "application/json")
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "{\"session_id\":\"s1\",\"hook_event_name\":\"UserPromptSubmit\","
                              + "\"cwd\":\"/home/me/app\",\"prompt\":\"Fix it\"}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(accepted.statusCode()).isEqualTo(202);
      await().until(() -> page.recorder().view().getOrDefault("s1", 0L) == 1L);
      assertThat(RawHttp.get(portB, "127.0.0.1:" + portB, "/api/sessions").body()).contains("s1");

      RawHttp.Response ready =
          RawHttp.get(portB, "127.0.0.1:" + portB, "/actuator/health/readiness");
      assertThat(ready.status()).isEqualTo(200);
      page.close();
      await()
          .until(
              () ->
                  RawHttp.get(portB, "127.0.0.1:" + portB, "/actuator/prometheus")
                      .body()
                      .contains("broadcast_connections_closed_total{by=\"client\",code=\"1000\""));
      assertThat(RawHttp.get(portB, "127.0.0.1:" + portB, "/actuator/prometheus").body())
          .contains("broadcast_redis_connected 1.0")
          .contains("broadcast_redis_writable 1.0")
          .contains("broadcast_redis_events_total{event=\"received\"}")
          .contains("broadcast_handshakes_refused_total{");
    }
  }
}
