package io.github.broadcast.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.broadcast.redis.RedisSessionStore;
import io.github.broadcast.testing.RedisServer;
import io.github.broadcast.tyrus.HttpStats;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.ref.WeakReference;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The embedded server's and the Redis store's meters, read from their stats. */
@Timeout(60) // A guard against a hang, not a speed assertion.
final class FrontDoorAndRedisMetricsIT {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @TempDir Path dir;

  private double counter(String name, String... tags) {
    return registry.get(name).tags(tags).functionCounter().count();
  }

  @Test
  void httpRefusals_areOneCounterByReason() {
    AtomicReference<HttpStats> stats =
        new AtomicReference<>(new HttpStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    new HttpMetrics(stats::get, Tags.of("path", "/ws")).bindTo(registry);
    stats.set(new HttpStats(1, 2, 3, 4, 5, 6, 7, 8, 9, 10));
    assertThat(counter("broadcast.http.refused", "reason", "host")).isEqualTo(1);
    assertThat(counter("broadcast.http.refused", "reason", "shutting_down")).isEqualTo(4);
    assertThat(counter("broadcast.http.refused", "reason", "body_timeout")).isEqualTo(6);
    assertThat(counter("broadcast.http.refused", "reason", "head_timeout")).isEqualTo(7);
    assertThat(counter("broadcast.http.refused", "reason", "unfinished")).isEqualTo(8);
    assertThat(registry.find("broadcast.http.refused").functionCounters()).hasSize(8);
    assertThat(registry.get("broadcast.http.unfinished").gauge().value()).isEqualTo(9);
  }

  /**
   * A binder dropped once bound, as an application binds one (new HttpMetrics(...).bindTo(r)),
   * stays reachable from the registry: Micrometer holds a meter's object weakly, and the meters of
   * a collected binder read NaN (the Spring example's Redis gauges did, before).
   */
  @Test
  void aBinderDroppedOnceBound_isKeptByItsRegistry() {
    // Whatever meters a filter turns off: here the only gauge.
    registry.config().meterFilter(MeterFilter.denyNameStartsWith("broadcast.http.unfinished"));
    AtomicReference<HttpStats> stats =
        new AtomicReference<>(new HttpStats(0, 0, 0, 0, 0, 0, 0, 4, 3, 0));
    HttpMetrics binder = new HttpMetrics(stats::get, Tags.empty());
    binder.bindTo(registry);
    WeakReference<HttpMetrics> dropped = new WeakReference<>(binder);
    binder = null;
    for (int i = 0; i < 5 && dropped.get() != null; i++) {
      System.gc();
    }
    assertThat(dropped.get()).as("still reachable from the registry").isNotNull();
    assertThat(counter("broadcast.http.refused", "reason", "unfinished")).isEqualTo(4);
  }

  @Test
  void redis_connectedWritableAndEvents_followTheStore() throws Exception {
    RedisServer.requireInstalled();
    try (RedisServer redis = RedisServer.start(dir, null);
        RedisSessionStore store =
            RedisSessionStore.newBuilder("redis://127.0.0.1:" + redis.port()).build()) {
      new RedisMetrics(store, Tags.empty()).bindTo(registry);
      await().atMost(Duration.ofSeconds(20)).until(store::acceptsWrites);
      assertThat(registry.get("broadcast.redis.connected").gauge().value()).isEqualTo(1);
      assertThat(registry.get("broadcast.redis.writable").gauge().value()).isEqualTo(1);
      assertThat(counter("broadcast.redis.events", "event", "resync")).isGreaterThanOrEqualTo(1);
      redis.kill();
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> registry.get("broadcast.redis.writable").gauge().value() == 0);
      assertThat(registry.get("broadcast.redis.connected").gauge().value()).isZero();
      assertThat(counter("broadcast.redis.events", "event", "disconnect"))
          .isGreaterThanOrEqualTo(1);
    }
  }
}
