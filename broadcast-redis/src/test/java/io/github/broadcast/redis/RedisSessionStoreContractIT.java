package io.github.broadcast.redis;

import static org.awaitility.Awaitility.await;

import io.github.broadcast.SessionStore;
import io.github.broadcast.testing.FakeClock;
import io.github.broadcast.testing.RedisServer;
import io.github.broadcast.testing.SessionStoreContract;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import tools.jackson.databind.node.ObjectNode;

/** The store contract on the Redis store, on a real redis-server; each test its own prefix. */
final class RedisSessionStoreContractIT extends SessionStoreContract {

  private static Path dir;
  private static RedisServer redis;
  private static final AtomicInteger prefixes = new AtomicInteger();
  private final FakeClock clock = new FakeClock(Instant.parse("2026-11-27T10:00:00Z"));

  @BeforeAll
  static void startRedis() throws Exception {
    dir = Files.createTempDirectory("redis-contract");
    redis = RedisServer.start(dir, null);
  }

  @AfterAll
  static void stopRedis() {
    if (redis != null) {
      redis.close();
    }
  }

  @Override
  protected SessionStore newStore(Function<ObjectNode, Duration> expiry) {
    return RedisSessionStore.newBuilder(redis.uri())
        .prefix("contract-" + prefixes.incrementAndGet())
        .clock(clock)
        .sweepInterval(Duration.ofMillis(100))
        .expireAfter(expiry)
        .build();
  }

  @Override
  protected void elapse(SessionStore store, Duration duration) {
    clock.advance(duration);
  }

  @Override
  protected void awaitExpiry(SessionStore store, String sessionId) {
    await().atMost(Duration.ofSeconds(20)).until(() -> store.get(sessionId).isEmpty());
  }
}
