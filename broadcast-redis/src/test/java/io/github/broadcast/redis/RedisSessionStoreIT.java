package io.github.broadcast.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.broadcast.SessionUpdate;
import io.github.broadcast.StoreUnavailableException;
import io.github.broadcast.testing.FakeClock;
import io.github.broadcast.testing.RecordingClient;
import io.github.broadcast.testing.RedisServer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several nodes on one real Redis, in one JVM: each node is a store and a broadcaster with
 * recording clients. Every test checks convergence (every client of every node holds what Redis
 * holds), that no client's versions went backwards, and that no acknowledged change was lost.
 */
@Timeout(120) // A guard against a hang, not a speed assertion.
final class RedisSessionStoreIT {

  @TempDir Path dir;
  private RedisServer redis;
  private final List<Node> nodes = new ArrayList<>();
  private final ExecutorService threads = Executors.newCachedThreadPool();

  private Node node(RedisSessionStore.Builder builder) {
    Node node = new Node(builder);
    nodes.add(node);
    return node;
  }

  private Node node() {
    return node(RedisSessionStore.newBuilder(redis.uri()));
  }

  @BeforeEach
  void startRedis() throws Exception {
    redis = RedisServer.start(dir, null);
  }

  @AfterEach
  void stopEverything() throws Exception {
    threads.shutdownNow();
    nodes.forEach(Node::close);
    if (redis != null) {
      redis.close();
    }
  }

  private static SessionUpdate increment(Node node, String session) {
    return node.increment(session);
  }

  private void awaitConvergence() {
    Node.awaitConvergence(nodes);
  }

  @Test
  void threeNodes_postsSpreadAcrossThem_everyClientOnEveryNodeConverges_noChangeLost()
      throws Exception {
    for (int n = 0; n < 3; n++) {
      Node node = node();
      node.connect("n" + n + "-a");
      node.connect("n" + n + "-b");
    }
    List<Future<?>> writers = new ArrayList<>();
    for (int t = 0; t < 3; t++) {
      Node node = nodes.get(t);
      writers.add(
          threads.submit(
              () -> {
                for (int i = 0; i < 100; i++) {
                  increment(node, "session-" + (i % 10));
                }
                return null;
              }));
    }
    for (Future<?> writer : writers) {
      writer.get(60, TimeUnit.SECONDS);
    }

    awaitConvergence();
    for (SessionUpdate session : nodes.get(2).store.snapshot()) {
      assertThat(session.state().path("n").asLong()).as(session.sessionId()).isEqualTo(30);
    }
    RecordingClient late = nodes.get(1).connect("late");
    assertThat(late.types()).first().isEqualTo("initial_state");
    assertThat(late.view()).hasSize(10);
  }

  @Test
  void twoNodesChangingOneSessionAtOnce_neitherChangeIsLost_versionsOnlyGrow() throws Exception {
    Node a = node();
    Node b = node();
    a.connect("a"); // Gaps are allowed (a node delivers its own write before pub/sub echoes the
    // other's); going backwards is not, and every client checks that on every frame.
    b.connect("b");
    List<Future<?>> writers = new ArrayList<>();
    for (Node node : List.of(a, b)) {
      writers.add(
          threads.submit(
              () -> {
                long last = 0;
                for (int i = 0; i < 200; i++) {
                  long version = increment(node, "shared").version();
                  assertThat(version).isGreaterThan(last);
                  last = version;
                }
                return null;
              }));
    }
    for (Future<?> writer : writers) {
      writer.get(60, TimeUnit.SECONDS);
    }

    awaitConvergence();
    assertThat(a.store.get("shared").orElseThrow().state().path("n").asLong()).isEqualTo(400);
    assertThat(b.clients.get(0).session("shared").path("n").asLong()).isEqualTo(400);
  }

  @Test
  void redisStoppedMidStream_changesFailAtOnceAndSaySo_thenEveryClientConverges_nothingLost()
      throws Exception {
    Node a = node();
    Node b = node();
    a.connect("a");
    b.connect("b");
    Map<String, AtomicInteger> acknowledged = new HashMap<>();
    for (int i = 0; i < 40; i++) {
      String session = "s" + (i % 4);
      increment(i % 2 == 0 ? a : b, session);
      acknowledged.computeIfAbsent(session, k -> new AtomicInteger()).incrementAndGet();
    }

    redis.stop();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> !a.store.stats().connected() && !b.store.stats().connected());
    assertThatThrownBy(() -> increment(a, "s0"))
        .isInstanceOf(StoreUnavailableException.class)
        .hasMessageContaining("127.0.0.1:" + redis.port());
    assertThat(a.store.stats().failedWrites()).isPositive();
    assertThat(a.clients.get(0).isOpen()).as("clients stay while Redis is away").isTrue();
    assertThat(a.store.snapshot()).as("the node keeps its view").hasSize(4);

    redis.start(); // Same port, and empty: no persistence.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                a.store.stats().connected()
                    && b.store.stats().connected()
                    && a.store.stats().resyncs() >= 2
                    && b.store.stats().resyncs() >= 2);
    for (int i = 0; i < 20; i++) {
      String session = "s" + (i % 5); // s4 is new.
      (i % 2 == 0 ? b : a).incrementRetrying(session); // Refused while Redis is rebuilt.
      acknowledged.computeIfAbsent(session, k -> new AtomicInteger()).incrementAndGet();
    }

    awaitConvergence();
    for (Map.Entry<String, AtomicInteger> e : acknowledged.entrySet()) {
      for (Node node : nodes) {
        assertThat(node.store.get(e.getKey()).orElseThrow().state().path("n").asLong())
            .as(e.getKey())
            .isEqualTo(e.getValue().get());
      }
    }
    assertThat(a.store.stats().reseeded() + b.store.stats().reseeded())
        .as("the sessions Redis lost were written back")
        .isEqualTo(4);
    assertThat(a.store.stats().disconnects()).isEqualTo(1);
    assertThat(a.store.stats().rebuilds() + b.store.stats().rebuilds())
        .as("Redis came back empty: the first node to reconcile found it gone back")
        .isPositive();
  }

  @Test
  void nodeStopped_itsClientsReconnectToAnother_andConverge() throws Exception {
    Node a = node();
    Node b = node();
    a.connect("on-a");
    for (int i = 0; i < 30; i++) {
      increment(i % 2 == 0 ? a : b, "s" + (i % 3));
    }
    awaitConvergence();

    a.close();
    nodes.remove(a);
    RecordingClient moved = b.connect("moved-to-b");
    for (int i = 0; i < 10; i++) {
      increment(b, "s" + (i % 3));
    }

    awaitConvergence();
    assertThat(moved.types()).first().isEqualTo("initial_state");
    assertThat(moved.session("s0").path("n").asLong()).isEqualTo(14);
  }

  @Test
  void removedAndExpiredSessions_leaveEveryNode_andARemovedOneIsNotRevived() throws Exception {
    FakeClock clock = new FakeClock(Instant.parse("2026-11-22T10:00:00Z"));
    RedisSessionStore.Builder builder =
        RedisSessionStore.newBuilder(redis.uri())
            .clock(clock)
            .sweepInterval(Duration.ofMillis(100))
            .expireAfter(state -> state.path("ended").asBoolean() ? Duration.ofMinutes(5) : null);
    Node a = node(builder);
    Node b = node(RedisSessionStore.newBuilder(redis.uri()).clock(clock));
    RecordingClient client = b.connect("b");
    increment(a, "kept");
    a.store.apply("ending", state -> state.put("ended", true));
    increment(a, "removed");
    awaitConvergence();

    assertThat(b.store.remove("removed")).isPresent();
    assertThat(b.store.remove("never-there")).isEmpty();
    clock.advance(Duration.ofMinutes(6));

    await().atMost(Duration.ofSeconds(20)).until(() -> b.store.get("ending").isEmpty());
    awaitConvergence();
    assertThat(client.view()).containsOnlyKeys("kept");
    assertThat(a.store.get("removed")).isEmpty();
  }

  @Test
  void badConfiguration_failsFastWithAClearMessage() throws Exception {
    int closedPort = redis.port();
    redis.stop();
    assertThatThrownBy(
            () ->
                RedisSessionStore.newBuilder("redis://127.0.0.1:" + closedPort)
                    .connectTimeout(Duration.ofSeconds(1))
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("cannot connect to Redis at redis://127.0.0.1:" + closedPort);

    try (RedisServer locked = RedisServer.start(dir, "s3cret-pass")) {
      String wrong = "redis://:not-it@127.0.0.1:" + locked.port();
      assertThatThrownBy(() -> RedisSessionStore.newBuilder(wrong).build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("redis://127.0.0.1:" + locked.port())
          .hasMessageContaining("WRONGPASS")
          .hasMessageNotContaining("not-it");
      try (RedisSessionStore right = RedisSessionStore.newBuilder(locked.uri()).build()) {
        assertThat(right.apply("x", s -> s.put("ok", true)).version()).isEqualTo(1);
      }
    }
    assertThatThrownBy(() -> RedisSessionStore.newBuilder("http://127.0.0.1:6379"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("uri : http://127.0.0.1:6379");
    assertThatThrownBy(() -> RedisSessionStore.newBuilder("redis://x").prefix("a b"))
        .hasMessageContaining("prefix : a b");
    assertThatThrownBy(() -> RedisSessionStore.newBuilder("redis://x").maxAttempts(0))
        .hasMessageContaining("maxAttempts : 0");
  }
}
