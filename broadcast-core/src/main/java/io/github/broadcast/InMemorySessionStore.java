package io.github.broadcast;

import static java.util.Objects.requireNonNull;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Scheduler;
import io.github.broadcast.internal.Checks;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The {@link SessionStore} of one process: the latest update per session in a Caffeine cache, whose
 * per-entry expiry removes sessions that went quiet or ended, and one version counter.
 *
 * <p>Concurrency: each change runs inside Caffeine's per-entry atomic compute, which assigns its
 * version, so two changes of one session are serialized and versions grow with them. Subscribers
 * are called after the compute, outside every lock, on the changing thread; two threads changing
 * one session may reach a subscriber in either order, and the subscriber keeps the newer (see the
 * contract). Expiry makes tombstones under Caffeine's lock and queues them; whoever next changes or
 * cleans up hands them to the subscribers. A subscriber added while changes run misses none: it
 * joins the list before the replay's snapshot is taken, so a change is in the snapshot, or reads
 * the list after the subscriber joined, or both.
 */
final class InMemorySessionStore implements SessionStore {

  private static final System.Logger logger = System.getLogger(SessionStore.class.getName());

  private final Cache<String, SessionUpdate> sessions;
  private final Cache<String, Long> madeChanges;
  private final AtomicLong versions = new AtomicLong();
  private final List<Consumer<SessionUpdate>> subscribers = new CopyOnWriteArrayList<>();
  // Tombstones of expired sessions, made under Caffeine's entry lock, handed out after.
  private final Queue<SessionUpdate> expired = new ConcurrentLinkedQueue<>();
  private volatile boolean closed;

  InMemorySessionStore(SessionStore.Builder builder) {
    Caffeine<String, SessionUpdate> caffeine =
        Caffeine.newBuilder()
            .ticker(builder.ticker::read)
            .executor(Runnable::run)
            .<String, SessionUpdate>evictionListener(
                (id, update, cause) -> {
                  if (id != null && cause == RemovalCause.EXPIRED) {
                    expired.add(SessionUpdate.tombstone(id, versions.incrementAndGet()));
                  }
                })
            .removalListener((id, update, cause) -> drainExpired());
    if (builder.expiry != null) {
      caffeine = caffeine.expireAfter(new StateExpiry(builder.expiry));
      if (builder.proactiveExpiry) {
        caffeine = caffeine.scheduler(Scheduler.systemScheduler());
      }
    }
    this.sessions = caffeine.build();
    this.madeChanges =
        Caffeine.newBuilder()
            .ticker(builder.ticker::read)
            .executor(Runnable::run)
            .expireAfterWrite(builder.dedupWindow.toNanos(), TimeUnit.NANOSECONDS)
            .build();
  }

  @Override
  public SessionUpdate apply(String sessionId, String changeId, UnaryOperator<ObjectNode> change) {
    SessionStore.checkSessionId(sessionId);
    SessionStore.checkChangeId(changeId);
    requireNonNull(change, "change : null (expected: a function of the state)");
    checkOpen(sessionId);
    boolean[] made = new boolean[1];
    long[] madeBefore = new long[1];
    SessionUpdate update =
        sessions
            .asMap()
            .compute(
                sessionId,
                (id, current) -> {
                  Long version = madeChanges.getIfPresent(changeId);
                  if (version != null) {
                    madeBefore[0] = version;
                    return current; // Made before: the session stays as it is.
                  }
                  ObjectNode state =
                      current == null || current.isTombstone()
                          ? JsonNodeFactory.instance.objectNode()
                          : current.state().deepCopy();
                  ObjectNode next = change.apply(state);
                  if (next == null) {
                    throw new NullPointerException(
                        "change : returned null for session "
                            + id
                            + " (expected: the new state; remove() ends a session)");
                  }
                  SessionUpdate.checkState(next); // Before a version is taken.
                  SessionUpdate changed = SessionUpdate.of(id, versions.incrementAndGet(), next);
                  madeChanges.put(changeId, changed.version());
                  made[0] = true;
                  return changed;
                });
    drainExpired();
    if (made[0]) {
      deliver(update);
    }
    // Null only for a change made before of a session removed since: its tombstone.
    return update == null ? SessionUpdate.tombstone(sessionId, madeBefore[0]) : update;
  }

  @Override
  public CompletionStage<SessionUpdate> applyAsync(
      String sessionId, String changeId, UnaryOperator<ObjectNode> change) {
    SessionStore.checkSessionId(sessionId);
    SessionStore.checkChangeId(changeId);
    requireNonNull(change, "change : null (expected: a function of the state)");
    try {
      return CompletableFuture.completedFuture(apply(sessionId, changeId, change));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public Optional<SessionUpdate> remove(String sessionId) {
    SessionStore.checkSessionId(sessionId);
    checkOpen(sessionId);
    SessionUpdate[] tombstone = new SessionUpdate[1];
    sessions
        .asMap()
        .computeIfPresent(
            sessionId,
            (id, current) -> {
              tombstone[0] = SessionUpdate.tombstone(id, versions.incrementAndGet());
              return null;
            });
    drainExpired();
    if (tombstone[0] != null) {
      deliver(tombstone[0]);
    }
    return Optional.ofNullable(tombstone[0]);
  }

  @Override
  public Optional<SessionUpdate> get(String sessionId) {
    SessionStore.checkSessionId(sessionId);
    return Optional.ofNullable(sessions.getIfPresent(sessionId));
  }

  @Override
  public List<SessionUpdate> snapshot() {
    List<SessionUpdate> live = new ArrayList<>(sessions.asMap().values());
    live.sort(Comparator.comparing(SessionUpdate::sessionId));
    return live;
  }

  @Override
  public long size() {
    return sessions.estimatedSize();
  }

  @Override
  public void subscribe(Consumer<SessionUpdate> subscriber) {
    requireNonNull(subscriber, "subscriber : null (expected: non-null)");
    Checks.requireState(!closed, "SessionStore is closed; cannot subscribe");
    subscribers.add(subscriber); // Before the snapshot: see the class comment.
    for (SessionUpdate update : snapshot()) {
      notify(subscriber, update);
    }
  }

  /** Expires what is due now and hands the tombstones to the subscribers. */
  void cleanUp() {
    sessions.cleanUp();
    drainExpired();
  }

  @Override
  public void close() {
    closed = true;
  }

  private void checkOpen(String sessionId) {
    if (closed) {
      throw new IllegalStateException("SessionStore is closed; cannot change " + sessionId);
    }
  }

  private void drainExpired() {
    SessionUpdate tombstone;
    while ((tombstone = expired.poll()) != null) {
      deliver(tombstone);
    }
  }

  private void deliver(SessionUpdate update) {
    if (closed) {
      return;
    }
    for (Consumer<SessionUpdate> subscriber : subscribers) {
      notify(subscriber, update);
    }
  }

  private static void notify(Consumer<SessionUpdate> subscriber, SessionUpdate update) {
    try {
      subscriber.accept(update);
    } catch (RuntimeException e) {
      logger.log(Level.WARNING, "a subscriber failed on " + update, e);
    }
  }

  @Override
  public String toString() {
    return "InMemorySessionStore[sessions=" + size() + ", subscribers=" + subscribers.size() + "]";
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
