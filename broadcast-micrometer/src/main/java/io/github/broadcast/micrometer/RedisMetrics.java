package io.github.broadcast.micrometer;

import io.github.broadcast.internal.Checks;
import io.github.broadcast.redis.RedisSessionStore;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.function.ToLongFunction;

/**
 * Micrometer meters for a node on the Redis store (needs broadcast-redis), from its {@link
 * RedisSessionStore.Stats}:
 *
 * <table>
 *   <caption>The meters</caption>
 *   <tr><th>name</th><th>type</th><th>what it reads</th></tr>
 *   <tr><td>{@code broadcast.redis.connected}</td><td>gauge, 1 or 0</td>
 *       <td>connected and reconciled with Redis now</td></tr>
 *   <tr><td>{@code broadcast.redis.writable}</td><td>gauge, 1 or 0</td>
 *       <td>accepts changes now ({@link RedisSessionStore#acceptsWrites()}): alert when 0</td></tr>
 *   <tr><td>{@code broadcast.redis.events}</td><td>counter, tag {@code event}</td>
 *       <td>{@code disconnect}, {@code resync}, {@code reseeded}, {@code conflict}, {@code
 *       write_failed}, {@code outcome_unknown}, {@code duplicate}, {@code rebuild}, {@code
 *       received}</td></tr>
 * </table>
 *
 * <p>Thread-safe.
 */
public final class RedisMetrics implements MeterBinder {

  private final RedisSessionStore store;
  private final Tags tags;

  /** Meters for {@code store}, carrying {@code tags}. */
  public RedisMetrics(RedisSessionStore store, Iterable<Tag> tags) {
    this.store = Checks.requireNonNull("store", store);
    this.tags = Tags.of(Checks.requireNonNull("tags", tags));
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    Retained.by(registry, this); // Its meters read it weakly; see Retained.
    Gauge.builder("broadcast.redis.connected", this, m -> m.store.stats().connected() ? 1 : 0)
        .description("connected to Redis and reconciled with it")
        .tags(tags)
        .register(registry);
    Gauge.builder("broadcast.redis.writable", this, m -> m.store.acceptsWrites() ? 1 : 0)
        .description("accepts changes now")
        .tags(tags)
        .register(registry);
    event(registry, "disconnect", RedisSessionStore.Stats::disconnects);
    event(registry, "resync", RedisSessionStore.Stats::resyncs);
    event(registry, "reseeded", RedisSessionStore.Stats::reseeded);
    event(registry, "conflict", RedisSessionStore.Stats::conflicts);
    event(registry, "write_failed", RedisSessionStore.Stats::failedWrites);
    event(registry, "outcome_unknown", RedisSessionStore.Stats::unknownOutcomes);
    event(registry, "duplicate", RedisSessionStore.Stats::duplicates);
    event(registry, "rebuild", RedisSessionStore.Stats::rebuilds);
    event(registry, "received", RedisSessionStore.Stats::received);
  }

  private void event(
      MeterRegistry registry, String event, ToLongFunction<RedisSessionStore.Stats> count) {
    FunctionCounter.builder("broadcast.redis.events", this, m -> count.applyAsLong(m.store.stats()))
        .description("what the node went through with Redis")
        .tags(tags)
        .tag("event", event)
        .register(registry);
  }
}
