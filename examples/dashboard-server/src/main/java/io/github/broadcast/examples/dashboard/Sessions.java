package io.github.broadcast.examples.dashboard;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.broadcast.Backplane;
import io.github.broadcast.SessionStore;
import io.github.broadcast.SessionUpdate;
import io.github.broadcast.redis.RedisSessionStore;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Where the dashboard keeps its sessions: in this process (the embedded default: a {@link
 * SessionStore} whose changes reach the broadcaster through the in-process {@link Backplane}),
 * or in Redis, shared with the other nodes of a cluster ({@code --redis}).
 */
interface Sessions extends AutoCloseable {

  /** Changes one session; every node's broadcaster receives the update. */
  SessionUpdate apply(String sessionId, UnaryOperator<ObjectNode> change);

  /**
   * Changes one session under {@code changeId}: in Redis, a change id already made within the
   * dedup window is not made again, so a hook retried after an unknown outcome counts once. In
   * this process a change always has a known outcome, and the id is not needed.
   */
  SessionUpdate apply(String sessionId, String changeId, UnaryOperator<ObjectNode> change);

  /** The session's latest state on this node, if it exists. */
  Optional<SessionUpdate> get(String sessionId);

  /** Every live session this node knows. */
  List<SessionUpdate> snapshot();

  /** How many live sessions this node knows. */
  long size();

  /** The backplane's state for {@code /api/metrics}: empty for the in-process default. */
  default void describe(ObjectNode metrics) {}

  @Override
  void close();

  /** Sessions in this process, published to {@code sink} through the in-process backplane. */
  static Sessions local(Function<ObjectNode, Duration> expiry, Consumer<SessionUpdate> sink) {
    Backplane backplane = Backplane.inProcess();
    backplane.subscribe(sink);
    SessionStore store = SessionStore.newBuilder()
        .sink(backplane::publish)
        .expireAfter(expiry)
        .build();
    return new Delegate(store::apply, (id, changeId, change) -> store.apply(id, change),
        store::get, store::snapshot, store::size, metrics -> {}, backplane::close);
  }

  /** Sessions in Redis, shared by every node with the same URL and prefix. */
  static Sessions redis(String uri, String prefix, Function<ObjectNode, Duration> expiry,
      Consumer<SessionUpdate> sink) {
    RedisSessionStore store = RedisSessionStore.newBuilder(uri)
        .prefix(prefix)
        .expireAfter(expiry)
        .build();
    store.subscribe(sink); // Replays the sessions build() read, then every change.
    return new Delegate(store::apply, store::apply, store::get, store::snapshot, store::size,
        metrics -> {
          RedisSessionStore.Stats stats = store.stats();
          metrics.putObject("redis")
              .put("prefix", prefix)
              .put("connected", stats.connected())
              .put("disconnects", stats.disconnects())
              .put("resyncs", stats.resyncs())
              .put("reseeded", stats.reseeded())
              .put("rebuilds", stats.rebuilds())
              .put("conflicts", stats.conflicts())
              .put("failed_writes", stats.failedWrites())
              .put("unknown_outcomes", stats.unknownOutcomes())
              .put("duplicates", stats.duplicates())
              .put("received", stats.received());
        }, store::close);
  }

  /** A change with its id. */
  @FunctionalInterface
  interface IdentifiedApplier {
    SessionUpdate apply(String sessionId, String changeId, UnaryOperator<ObjectNode> change);
  }

  /** Either store behind this interface: the two have the same methods but no common type. */
  record Delegate(
      BiFunction<String, UnaryOperator<ObjectNode>, SessionUpdate> applier,
      IdentifiedApplier identifiedApplier,
      Function<String, Optional<SessionUpdate>> getter,
      Supplier<List<SessionUpdate>> snapshotter,
      LongSupplier sizer,
      Consumer<ObjectNode> describer,
      Runnable closer) implements Sessions {

    @Override
    public SessionUpdate apply(String sessionId, UnaryOperator<ObjectNode> change) {
      return applier.apply(sessionId, change);
    }

    @Override
    public SessionUpdate apply(
        String sessionId, String changeId, UnaryOperator<ObjectNode> change) {
      return identifiedApplier.apply(sessionId, changeId, change);
    }

    @Override
    public Optional<SessionUpdate> get(String sessionId) {
      return getter.apply(sessionId);
    }

    @Override
    public List<SessionUpdate> snapshot() {
      return snapshotter.get();
    }

    @Override
    public long size() {
      return sizer.getAsLong();
    }

    @Override
    public void describe(ObjectNode metrics) {
      describer.accept(metrics);
    }

    @Override
    public void close() {
      closer.run();
    }
  }
}
