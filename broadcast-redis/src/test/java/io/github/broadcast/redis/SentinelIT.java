package io.github.broadcast.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.broadcast.testing.RecordingClient;
import io.github.broadcast.testing.RedisSentinel;
import io.github.broadcast.testing.RedisServer;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store through a real Redis Sentinel (Debian's redis-sentinel): it finds the master by name,
 * follows a failover to the promoted replica without losing an acknowledged change, and shares an
 * application's Lettuce resources without shutting them down.
 */
@Timeout(180) // A guard against a hang, not a speed assertion.
final class SentinelIT {

  @TempDir Path dir;

  @Test
  void throughSentinel_theStoreFollowsAFailover_andLosesNoAcknowledgedChange() throws Exception {
    try (RedisServer master = RedisServer.start(dir, null);
        RedisServer replica = RedisServer.start(dir, null)) {
      replica.replicaOf(master);
      try (RedisSentinel sentinel = RedisSentinel.start(dir, master)) {
        Node node =
            new Node(
                RedisSessionStore.newBuilder(sentinel.uri())
                    .commandTimeout(Duration.ofSeconds(1))
                    .reconnectDelayMax(Duration.ofMillis(200))
                    .rebuildWindow(Duration.ofMillis(800)));
        try {
          RecordingClient page = node.connect("page");
          for (int i = 0; i < 5; i++) {
            node.increment("x");
          }
          // WAIT: the replica has every change before its master goes.
          assertThat(master.command("WAIT 1 5000")).isEqualTo(":1");
          master.kill();
          await()
              .atMost(Duration.ofSeconds(60))
              .until(() -> sentinel.masterPort().orElse(-1) == replica.port());
          assertThat(node.incrementRetrying("x").state().path("n").asLong())
              .as("the promoted replica had all five; this is the sixth")
              .isEqualTo(6);
          await().until(() -> page.view().getOrDefault("x", 0L) == 6L);
          await().atMost(Duration.ofSeconds(20)).until(node.store::acceptsWrites);
        } finally {
          node.close();
        }
      }
    }
  }

  @Test
  void sharedClientResources_areUsed_andLeftRunningWhenTheStoreCloses() throws Exception {
    ClientResources shared = DefaultClientResources.create();
    try (RedisServer redis = RedisServer.start(dir, null)) {
      RedisSessionStore.Builder builder =
          RedisSessionStore.newBuilder("redis://127.0.0.1:" + redis.port()).clientResources(shared);
      new Node(builder).close();
      Node second = new Node(builder);
      try {
        assertThat(second.increment("y").state().path("n").asLong())
            .as("a store on the same resources after the first closed")
            .isEqualTo(1);
      } finally {
        second.close();
      }
      assertThat(shared.eventExecutorGroup().isShuttingDown()).isFalse();
    } finally {
      shared.shutdown();
    }
  }

  @Test
  void aSentinelUriWithoutItsMaster_isRefusedNamingWhatIsMissing() {
    assertThatThrownBy(() -> RedisSessionStore.newBuilder("redis-sentinel://127.0.0.1:26379"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sentinelMasterId");
    assertThatThrownBy(() -> RedisSessionStore.newBuilder("http://127.0.0.1:6379"))
        .hasMessageContaining("redis-sentinel://");
    assertThatThrownBy(
            () -> RedisSessionStore.newBuilder("redis-sentinel://:s3cret@127.0.0.1:26379"))
        .as("the password never shows")
        .hasMessage(
            "uri : redis-sentinel://***@127.0.0.1:26379 (expected: ?sentinelMasterId=NAME or"
                + " #NAME, the master Sentinel watches)");
    assertThat(RedisSessionStore.newBuilder("redis-sentinel://127.0.0.1:26379#mymaster").toString())
        .as("Lettuce's fragment form")
        .isNotNull();
  }
}
