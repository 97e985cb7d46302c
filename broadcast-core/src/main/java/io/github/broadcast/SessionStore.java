package io.github.broadcast;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * The source of truth: the latest state of every session, each with a version, and the expiry
 * of sessions that went quiet or ended. Every change becomes a {@link SessionUpdate} handed to
 * the sink (typically {@link Backplane#publish}), expiries included, as tombstones.
 *
 * <p>Versions come from one counter for the whole store, assigned inside the per-session atomic
 * update, so they grow with each change of a session, also across its removal and re-creation.
 * The sink is called after the change, outside every lock; two threads changing one session may
 * reach the sink in either order, and the broadcaster discards the older (see {@link
 * Broadcaster#publish}).
 *
 * <p>Thread-safe: every method may be called from any thread.
 *
 * <pre>{@code
 * SessionStore store = SessionStore.newBuilder()
 *     .sink(broadcaster::publish)
 *     .expireAfter(state -> "ended".equals(state.path("status").asText())
 *         ? Duration.ofMinutes(5) : Duration.ofHours(1))
 *     .build();
 * store.apply("s1", state -> state.put("status", "working").put("event_count", 1));
 * }</pre>
 */
public final class SessionStore {

  private static final System.Logger logger = System.getLogger(SessionStore.class.getName());

  private final Cache<String, SessionUpdate> sessions;
  private final AtomicLong versions = new AtomicLong();
  private final Consumer<SessionUpdate> sink;
  // Tombstones of expired sessions, made under Caffeine's entry lock, handed to the sink after.
  private final Queue<SessionUpdate> expired = new ConcurrentLinkedQueue<>();

  private SessionStore(Builder builder) {
    this.sink = builder.sink;
    Caffeine<Object, Object> caffeine =
        Caffeine.newBuilder()
            .ticker(builder.ticker::read)
            .executor(Runnable::run);
    Caffeine<String, SessionUpdate> typed =
        caffeine
            .<String, SessionUpdate>evictionListener(
                (id, update, cause) -> {
                  if (id != null && cause == RemovalCause.EXPIRED) {
                    expired.add(SessionUpdate.tombstone(id, versions.incrementAndGet()));
                  }
                })
            .removalListener((id, update, cause) -> drainExpired());
    if (builder.expiry != null) {
      typed = typed.expireAfter(new StateExpiry(builder.expiry));
      if (builder.proactiveExpiry) {
        typed = typed.scheduler(com.github.benmanes.caffeine.cache.Scheduler.systemScheduler());
      }
    }
    this.sessions = typed.build();
  }

  /** Returns a new builder: no sink, no expiry, the system ticker. */
  public static Builder newBuilder() {
    return new Builder();
  }

  /**
   * Changes one session and hands the resulting update to the sink.
   *
   * @param sessionId the session; created (from an empty object) if absent
   * @param change receives a private copy of the current state, and returns the new state
   *     (which may be the same object, modified); must not return null or keep the object
   * @return the update handed to the sink
   * @throws NullPointerException if {@code change} returns null; the session is unchanged
   */
  public SessionUpdate apply(String sessionId, UnaryOperator<ObjectNode> change) {
    requireNonNull(change, "change");
    checkId(sessionId);
    SessionUpdate update =
        sessions.asMap().compute(sessionId, (id, current) -> {
          ObjectNode state =
              current == null || current.isTombstone()
                  ? JsonNodeFactory.instance.objectNode()
                  : current.state().deepCopy();
          ObjectNode next = change.apply(state);
          if (next == null) {
            throw new NullPointerException(
                "change returned null for session " + id + " (use remove to end a session)");
          }
          return SessionUpdate.of(id, versions.incrementAndGet(), next);
        });
    drainExpired();
    sink.accept(update);
    return update;
  }

  /**
   * Removes a session and hands its tombstone to the sink.
   *
   * @return the tombstone, or empty if the session was absent
   */
  public Optional<SessionUpdate> remove(String sessionId) {
    checkId(sessionId);
    SessionUpdate[] tombstone = new SessionUpdate[1];
    sessions.asMap().computeIfPresent(sessionId, (id, current) -> {
      tombstone[0] = SessionUpdate.tombstone(id, versions.incrementAndGet());
      return null;
    });
    drainExpired();
    if (tombstone[0] != null) {
      sink.accept(tombstone[0]);
    }
    return Optional.ofNullable(tombstone[0]);
  }

  /** Returns the latest update of a session, or empty if absent or expired. */
  public Optional<SessionUpdate> get(String sessionId) {
    checkId(sessionId);
    return Optional.ofNullable(sessions.getIfPresent(sessionId));
  }

  /** Returns every live session's latest update, in no particular order. */
  public List<SessionUpdate> snapshot() {
    return new ArrayList<>(sessions.asMap().values());
  }

  /** Returns the number of live sessions (expired ones may count until {@link #cleanUp()}). */
  public long size() {
    return sessions.estimatedSize();
  }

  /** Expires what is due now and hands the tombstones to the sink. */
  public void cleanUp() {
    sessions.cleanUp();
    drainExpired();
  }

  private void drainExpired() {
    SessionUpdate tombstone;
    while ((tombstone = expired.poll()) != null) {
      try {
        sink.accept(tombstone);
      } catch (RuntimeException e) {
        logger.log(Level.WARNING, "sink failed on the expiry of " + tombstone.sessionId(), e);
      }
    }
  }

  private static void checkId(String sessionId) {
    requireNonNull(sessionId, "sessionId");
    if (sessionId.isBlank()) {
      throw new IllegalArgumentException("sessionId : blank (expected: at least one non-space)");
    }
  }

  /** Builds a {@link SessionStore}; each option is validated when set. */
  public static final class Builder {

    private Consumer<SessionUpdate> sink = update -> {};
    private Ticker ticker = Ticker.systemTicker();
    private Function<ObjectNode, Duration> expiry;
    private boolean proactiveExpiry = true;

    private Builder() {}

    /** Sets where every update goes, typically {@link Backplane#publish}; default nowhere. */
    public Builder sink(Consumer<SessionUpdate> sink) {
      this.sink = Checks.requireNonNull("sink", sink);
      return this;
    }

    /** Sets the clock that expiry reads; default {@link Ticker#systemTicker()}. */
    public Builder ticker(Ticker ticker) {
      this.ticker = Checks.requireNonNull("ticker", ticker);
      this.proactiveExpiry = false; // A fake clock: the test calls cleanUp().
      return this;
    }

    /** Expires every session {@code idle} after its last change. */
    public Builder expireAfterWrite(Duration idle) {
      Duration checked = Checks.requirePositive("expireAfterWrite", idle);
      this.expiry = state -> checked;
      return this;
    }

    /**
     * Expires each session after the time {@code expiry} returns for its latest state (for
     * example, sooner once it has ended), counted from its last change; null means never.
     */
    public Builder expireAfter(Function<ObjectNode, Duration> expiry) {
      this.expiry = Checks.requireNonNull("expireAfter", expiry);
      return this;
    }

    /** Builds the store. */
    public SessionStore build() {
      return new SessionStore(this);
    }
  }

  /** Caffeine's per-entry expiry from the user's function of the state. */
  private static final class StateExpiry implements Expiry<String, SessionUpdate> {
    private final Function<ObjectNode, Duration> expiry;

    StateExpiry(Function<ObjectNode, Duration> expiry) {
      this.expiry = expiry;
    }

    private long nanos(String id, SessionUpdate update) {
      Duration ttl = expiry.apply(update.state());
      if (ttl == null) {
        return Long.MAX_VALUE;
      }
      if (ttl.isNegative()) {
        logger.log(Level.WARNING, "expireAfter gave " + ttl + " for " + id + "; expiring now");
        return 0;
      }
      return ttl.toNanos();
    }

    @Override
    public long expireAfterCreate(String id, SessionUpdate update, long currentTime) {
      return nanos(id, update);
    }

    @Override
    public long expireAfterUpdate(
        String id, SessionUpdate update, long currentTime, long currentDuration) {
      return nanos(id, update);
    }

    @Override
    public long expireAfterRead(
        String id, SessionUpdate update, long currentTime, long currentDuration) {
      return currentDuration;
    }
  }
}
