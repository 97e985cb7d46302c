package io.github.broadcast.redistest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.broadcast.SessionStore;
import io.github.broadcast.redis.RedisSessionStore;
import io.github.broadcast.spring.RedisSessionStoreBuilderCustomizer;
import io.github.broadcast.testing.RedisSentinel;
import io.github.broadcast.testing.RedisServer;
import io.github.broadcast.testing.WsTestClient;
import io.lettuce.core.event.connection.ConnectedEvent;
import io.lettuce.core.resource.ClientResources;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import reactor.core.Disposable;

/**
 * The starter's Redis session store on a real redis-server and a real Sentinel, in an application
 * that configures nothing but properties: the store is built from Boot's {@code
 * spring.data.redis.*} on Boot's Lettuce resources, its changes reach the page, its health and
 * meters show its state (and leave UP while Redis is gone), and it follows a Sentinel failover.
 */
@Timeout(180) // A guard against a hang, not a speed assertion.
final class RedisStoreStarterIT {

  private static final AtomicInteger CUSTOMIZED = new AtomicInteger();

  @TempDir Path dir;
  private final HttpClient http = HttpClient.newHttpClient();

  /** An application of its own: only properties, and one customizer for what they cannot say. */
  @SpringBootApplication
  static class RedisApplication {
    @Bean
    RedisSessionStoreBuilderCustomizer expiry() {
      return builder -> {
        CUSTOMIZED.incrementAndGet();
        builder.expireAfter(state -> Duration.ofHours(1));
      };
    }
  }

  private static ConfigurableApplicationContext start(String... properties) {
    return new SpringApplicationBuilder(RedisApplication.class)
        .properties(
            "server.port=0",
            "server.address=127.0.0.1",
            "broadcast.path=/ws",
            "broadcast.preset=concurrent",
            "broadcast.allow-any-origin=true",
            "broadcast.redis.enabled=true",
            "broadcast.redis.prefix=starter-it",
            "broadcast.redis.reconnect-delay-max=200ms",
            "broadcast.redis.rebuild-window=1s",
            "management.prometheus.metrics.export.enabled=true")
        .properties(properties)
        .run();
  }

  private static int port(ConfigurableApplicationContext context) {
    return Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
  }

  /** The {@code sessionStore} health, as Actuator's health endpoint shows it. */
  private static Health sessionStoreHealth(ConfigurableApplicationContext context) {
    return context.getBean("sessionStoreHealthIndicator", HealthIndicator.class).health();
  }

  @Test
  void fromBootsProperties_onBootsLettuceResources_itsChangesHealthAndMetersShow()
      throws Exception {
    try (RedisServer redis = RedisServer.start(dir, null);
        ConfigurableApplicationContext context =
            start("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + redis.port())) {
      SessionStore store = context.getBean(SessionStore.class);
      assertThat(store).isInstanceOf(RedisSessionStore.class);
      assertThat(CUSTOMIZED).hasPositiveValue();
      int port = port(context);
      WsTestClient page =
          WsTestClient.connect(http, URI.create("ws://127.0.0.1:" + port + "/ws"), "page", null);
      store.apply("s1", state -> state.put("status", "working"));
      await().until(() -> page.recorder().view().getOrDefault("s1", 0L) == 1L);

      Health health = sessionStoreHealth(context);
      assertThat(health.getStatus()).isEqualTo(Status.UP);
      assertThat(health.getDetails())
          .containsEntry("store", "redis")
          .containsEntry("connected", true);
      String prometheus = context.getBean(PrometheusMeterRegistry.class).scrape();
      assertThat(prometheus)
          .contains("broadcast_redis_connected 1.0")
          .contains("broadcast_redis_writable 1.0")
          .contains("broadcast_handshakes_refused_total{")
          .contains("broadcast_connections_closed_total{");

      // Boot's ClientResources carry the store's connection events: they are shared. Boot's own
      // connection factory is lazy and has connected nothing, so every event here is the store's.
      List<Object> events = new CopyOnWriteArrayList<>();
      Disposable listening =
          context.getBean(ClientResources.class).eventBus().get().subscribe(events::add);
      try {
        redis.kill();
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> sessionStoreHealth(context).getStatus().equals(Status.OUT_OF_SERVICE));
        redis.start();
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> sessionStoreHealth(context).getStatus().equals(Status.UP));
        assertThat(events).hasAtLeastOneElementOfType(ConnectedEvent.class);
      } finally {
        listening.dispose();
      }
      page.close();
    }
  }

  @Test
  void throughSentinel_theStoreFollowsAFailover() throws Exception {
    try (RedisServer master = RedisServer.start(dir, null);
        RedisServer replica = RedisServer.start(dir, null)) {
      replica.replicaOf(master);
      try (RedisSentinel sentinel = RedisSentinel.start(dir, master);
          ConfigurableApplicationContext context =
              start(
                  "spring.data.redis.sentinel.master=" + RedisSentinel.MASTER,
                  "spring.data.redis.sentinel.nodes=127.0.0.1:" + sentinel.port())) {
        SessionStore store = context.getBean(SessionStore.class);
        WsTestClient page =
            WsTestClient.connect(
                http, URI.create("ws://127.0.0.1:" + port(context) + "/ws"), "page", null);
        store.apply("s", state -> state.put("n", 1));
        assertThat(master.command("WAIT 1 5000")).isEqualTo(":1");
        master.kill();
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> sentinel.masterPort().orElse(-1) == replica.port());
        await()
            .atMost(Duration.ofSeconds(60))
            .ignoreExceptions()
            .until(() -> store.apply("s", state -> state.put("n", 2)).version() == 2);
        await().until(() -> page.recorder().view().getOrDefault("s", 0L) == 2L);
        page.close();
      }
    }
  }

  @Test
  void aRedisCluster_failsTheStart_namingTheProperty() {
    assertThatThrownBy(() -> start("spring.data.redis.cluster.nodes=127.0.0.1:7000").close())
        .hasRootCauseMessage(
            "spring.data.redis : a Redis Cluster or master/replica set (expected: one Redis, or"
                + " Sentinel with spring.data.redis.sentinel.*; the session store needs one master"
                + " for its scripts and its channel)");
  }
}
