package io.github.broadcast.redis;

import static java.util.Objects.requireNonNull;

import io.github.broadcast.SessionStore;
import io.github.broadcast.SessionUpdate;
import io.github.broadcast.StoreUnavailableException;
import io.github.broadcast.internal.Checks;
import io.github.broadcast.redis.RedisFormat.Keys;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.resource.ClientResources;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import tools.jackson.databind.node.ObjectNode;

/**
 * The latest state of every session, shared by several server nodes through Redis: any node can
 * change a session, every node sees every change, and any node can serve {@code initial_state} for
 * every session. Each node feeds its broadcaster with {@link #subscribe}.
 *
 * <pre>{@code
 * RedisSessionStore store = RedisSessionStore.newBuilder("redis://127.0.0.1:6379").build();
 * store.subscribe(broadcaster::publish);  // the sessions already there, then every change
 * store.apply("session-1", state -> state.put("status", "working"));  // every node's clients
 * }</pre>
 *
 * <p>What Redis holds, what an acknowledged change means and which failures it survives: see the
 * package documentation; the rules behind it, and which part keeps each, are in the design note at
 * the top of {@code Replication}.
 *
 * <p>It keeps every rule of {@link SessionStore}: the same session ids, changes, change ids,
 * versions, subscribers and failures as the in-process store, so code written against the interface
 * runs on either. States are shared, never copied, as {@link SessionUpdate} says.
 *
 * <p>Threads: every method may be called from any thread. {@link #applyAsync} never blocks; its
 * stage completes on Lettuce's I/O thread or the store's own thread. {@link #apply} and {@link
 * #remove} block for a Redis round trip (two on a conflict), and, just after Redis came back, for
 * the reconcile (at most the command timeout): never call them from a subscriber. Subscribers are
 * called from Lettuce's I/O thread, the store's own thread or an applying thread, never under a
 * lock of the store, possibly at once: they must not block.
 */
public final class RedisSessionStore implements SessionStore {

  private final String redisUri;
  private final Keys keys;
  private final Duration commandTimeout;
  private final NodeView view = new NodeView();
  private final Counters counters = new Counters();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final ScheduledExecutorService background;
  private final Readiness readiness;
  private final RedisLink link;
  private final Replication replication;
  private final Writes writes;

  private RedisSessionStore(Builder builder) {
    this.redisUri = describe(builder.uri);
    this.keys = Keys.of(builder.prefix);
    this.commandTimeout = builder.commandTimeout;
    this.background =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread thread = new Thread(task, "redis-session-store");
              thread.setDaemon(true);
              return thread;
            });
    long rebuildWindow =
        (builder.rebuildWindow == null
                ? builder.reconnectDelayMax.multipliedBy(2)
                : builder.rebuildWindow)
            .toMillis();
    this.replication = new Replication(view, keys, rebuildWindow, redisUri, counters);
    this.readiness = new Readiness(background, replication::recover);
    try {
      this.link =
          new RedisLink(
              builder.uri,
              builder.connectTimeout,
              builder.commandTimeout,
              builder.reconnectDelayMax,
              builder.sharedResources,
              keys.channel(),
              replication);
    } catch (RedisException e) {
      background.shutdownNow();
      throw new IllegalStateException(
          "cannot connect to Redis at "
              + redisUri
              + ": "
              + Writes.rootMessage(e)
              + " (check the URL, that Redis runs there, and the password)",
          e);
    }
    replication.attach(link, readiness);
    this.writes =
        new Writes(
            link,
            view,
            readiness,
            replication,
            keys,
            counters,
            closed::get,
            builder.commandTimeout,
            builder.dedupWindow.toMillis(),
            builder.maxAttempts,
            builder.clock,
            redisUri);
    Expiry expiry =
        new Expiry(
            view,
            readiness,
            writes,
            link,
            keys,
            builder.expiry,
            builder.tombstoneTtl,
            builder.clock);
    try {
      link.subscribe(keys.channel());
      readiness.await(
          builder.connectTimeout.plus(builder.commandTimeout.multipliedBy(2)),
          () ->
              new StoreUnavailableException(
                  "Redis did not answer while the sessions were" + " read", null));
    } catch (RuntimeException e) {
      close();
      throw new IllegalStateException(
          "connected to Redis at "
              + redisUri
              + " but could not read its sessions: "
              + Writes.rootMessage(e),
          e);
    }
    long sweep = Math.max(100, Math.min(1_000, builder.sweepInterval.toMillis()));
    background.scheduleWithFixedDelay(expiry::sweep, sweep, sweep, TimeUnit.MILLISECONDS);
  }

  /**
   * Starts a builder for a store on the Redis at {@code uri}: {@code
   * redis[s]://[[user]:password@]host:port[/database]}, or, through Redis Sentinel, {@code
   * redis-sentinel://[[user]:password@]sentinel:port[,sentinel:port...]?sentinelMasterId=NAME} (the
   * store then follows the master Sentinel names, across failovers).
   */
  public static Builder newBuilder(String uri) {
    return new Builder(parse(uri));
  }

  /**
   * Starts a builder for a store on the Redis that {@code uri} names (standalone, or through
   * Sentinel), for applications that already hold one: the Spring Boot starter builds it from
   * Boot's {@code spring.data.redis.*}. The store takes the URI over: it sets its timeout to {@link
   * Builder#commandTimeout}.
   */
  public static Builder newBuilder(RedisURI uri) {
    requireNonNull(uri, "uri : null (expected: a RedisURI)");
    if (uri.getHost() == null && uri.getSentinels().isEmpty()) {
      throw new IllegalArgumentException(
          "uri : " + describe(uri) + " (expected: a host, or Sentinel nodes and a master id)");
    }
    return new Builder(uri);
  }

  private static RedisURI parse(String uri) {
    String expected = " (expected: redis://[:password@]host:port, or redis-sentinel://...)";
    requireNonNull(uri, "uri : null" + expected);
    String shown = masked(uri);
    if (!uri.matches("(?i)(redis|rediss|redis-sentinel|rediss-sentinel)://.+")) {
      throw new IllegalArgumentException("uri : " + shown + expected);
    }
    if (uri.matches("(?i)rediss?-sentinel://.*")
        && !uri.contains("sentinelMasterId=")
        && !uri.contains("#")) {
      throw new IllegalArgumentException(
          "uri : "
              + shown
              + " (expected: ?sentinelMasterId=NAME or #NAME, the master Sentinel watches)");
    }
    try {
      return RedisURI.create(uri);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("uri : " + shown + expected); // Not e: it may quote it.
    }
  }

  /** {@code uri} with whatever precedes its {@code @} (a user and a password) hidden. */
  static String masked(String uri) {
    return uri.replaceFirst("//[^/@]*@", "//***@");
  }

  /** Where {@code uri} points, for messages: never its password. */
  static String describe(RedisURI uri) {
    if (uri.getSentinels().isEmpty()) {
      return (uri.isSsl() ? "rediss://" : "redis://") + uri.getHost() + ":" + uri.getPort();
    }
    StringBuilder text =
        new StringBuilder(uri.isSsl() ? "rediss-sentinel://" : "redis-sentinel://");
    for (int i = 0; i < uri.getSentinels().size(); i++) {
      RedisURI sentinel = uri.getSentinels().get(i);
      text.append(i == 0 ? "" : ",")
          .append(sentinel.getHost())
          .append(':')
          .append(sentinel.getPort());
    }
    return text.append("?sentinelMasterId=").append(uri.getSentinelMasterId()).toString();
  }

  @Override
  public SessionUpdate apply(String sessionId, String changeId, UnaryOperator<ObjectNode> change) {
    return join(applyAsync(sessionId, changeId, change));
  }

  @Override
  public CompletionStage<SessionUpdate> applyAsync(
      String sessionId, String changeId, UnaryOperator<ObjectNode> change) {
    SessionStore.checkSessionId(sessionId);
    SessionStore.checkChangeId(changeId);
    requireNonNull(change, "change : null (expected: a function of the state)");
    return writes.write(
        sessionId,
        changeId,
        /* wait= */ true,
        known -> {
          ObjectNode base =
              known == null || known.isTombstone()
                  ? RedisFormat.parse("{}")
                  : known.state().deepCopy();
          ObjectNode next = change.apply(base);
          if (next == null) {
            throw new NullPointerException(
                "change : returned null for session "
                    + sessionId
                    + " (expected: the new state; remove() ends a session)");
          }
          return SessionUpdate.checkState(next); // Refused before anything is written.
        });
  }

  @Override
  public Optional<SessionUpdate> remove(String sessionId) {
    SessionStore.checkSessionId(sessionId);
    if (closed.get()) {
      throw Writes.closed(sessionId);
    }
    RedisFormat.Entry known = view.get(sessionId);
    if (known == null || known.isTombstone()) {
      return Optional.empty();
    }
    return Optional.ofNullable(
        join(
            writes.write(
                sessionId,
                SessionStore.newChangeId(),
                /* wait= */ true,
                current -> {
                  if (current == null || current.isTombstone()) {
                    throw new Writes.AlreadyRemoved();
                  }
                  return null;
                })));
  }

  @Override
  public Optional<SessionUpdate> get(String sessionId) {
    SessionStore.checkSessionId(sessionId);
    RedisFormat.Entry entry = view.get(sessionId);
    return entry == null || entry.isTombstone()
        ? Optional.empty()
        : Optional.of(entry.update(sessionId));
  }

  @Override
  public List<SessionUpdate> snapshot() {
    return view.live();
  }

  @Override
  public long size() {
    return view.size();
  }

  @Override
  public void subscribe(Consumer<SessionUpdate> subscriber) {
    requireNonNull(subscriber, "subscriber : null (expected: non-null)");
    if (closed.get()) {
      throw new IllegalStateException("RedisSessionStore is closed; cannot subscribe");
    }
    view.subscribe(subscriber);
  }

  /** A snapshot of the store's connection and counters. */
  public Stats stats() {
    return new Stats(
        readiness.isReady(),
        counters.disconnects.get(),
        counters.resyncs.get(),
        counters.reseeded.get(),
        counters.conflicts.get(),
        counters.failedWrites.get(),
        counters.unknownOutcomes.get(),
        counters.duplicates.get(),
        counters.rebuilds.get(),
        counters.received.get());
  }

  /**
   * What a node's store has seen.
   *
   * @param connected whether the node is connected to Redis and reconciled with it now: false from
   *     a lost connection or a command timeout until Redis answers and the node reconciled
   * @param disconnects times the node lost Redis (a dropped connection, a timed-out command, or
   *     Redis found to have lost data)
   * @param resyncs times the node reconciled with Redis and reread every session (one at start, one
   *     per recovery)
   * @param reseeded sessions this node wrote back to a Redis that lacked them or held them older
   * @param conflicts changes retried because another node changed the session first
   * @param failedWrites changes refused, not made, because Redis was unreachable, not yet
   *     reconciled, or being rebuilt
   * @param unknownOutcomes changes sent without an answer (timeout or dropped connection)
   * @param duplicates changes not made again because their change id was already made
   * @param rebuilds times this node found that Redis went back (lost data) and started a rebuild
   *     window
   * @param received updates received over pub/sub
   */
  public record Stats(
      boolean connected,
      long disconnects,
      long resyncs,
      long reseeded,
      long conflicts,
      long failedWrites,
      long unknownOutcomes,
      long duplicates,
      long rebuilds,
      long received) {}

  /**
   * Whether a change applied now would be made without waiting: false while this node is
   * disconnected, reconciling with Redis, or inside a rebuild window (Redis lost data, and the
   * nodes are writing back what they hold). A node that cannot write is not ready to serve: point
   * the readiness probe here. The windows it knows are those it saw: one started by its own
   * reconcile, or reported to one of its writes; a window another node starts after this one
   * reconciled shows here at this node's next write.
   */
  @Override
  public boolean acceptsWrites() {
    return readiness.acceptsWrites();
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    // Before the background thread stops: it would drop the timers of waiting writes.
    readiness.close(
        () ->
            new IllegalStateException("RedisSessionStore is closed; the change" + " was not made"));
    background.shutdownNow();
    if (link != null) {
      link.close();
    }
  }

  @Override
  public String toString() {
    return "RedisSessionStore["
        + redisUri
        + ", prefix="
        + keys.hash()
        + ", sessions="
        + size()
        + ", connected="
        + readiness.isReady()
        + "]";
  }

  /** Waits for {@code stage}, rethrowing what it failed with. */
  private static <T> T join(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().join();
    } catch (CompletionException e) {
      Throwable cause = RedisLink.unwrap(e);
      if (cause instanceof RuntimeException) {
        throw (RuntimeException) cause;
      }
      if (cause instanceof Error) {
        throw (Error) cause;
      }
      throw e;
    }
  }

  /** Builds a {@link RedisSessionStore}; {@link #build()} connects and fails fast. */
  public static final class Builder {

    private final RedisURI uri;
    private String prefix = "broadcast";
    private Duration connectTimeout = Duration.ofSeconds(2);
    private Duration commandTimeout = Duration.ofSeconds(2);
    private Duration reconnectDelayMax = Duration.ofSeconds(2);
    private Duration tombstoneTtl = Duration.ofMinutes(10);
    private Duration sweepInterval = Duration.ofSeconds(1);
    private Duration dedupWindow = Duration.ofMinutes(1);
    private Duration rebuildWindow; // Null: twice reconnectDelayMax.
    private Function<ObjectNode, Duration> expiry = state -> null;
    private int maxAttempts = 50;
    private Clock clock = Clock.systemUTC();

    private ClientResources sharedResources; // Null: the store's own.

    private Builder(RedisURI uri) {
      this.uri = uri;
    }

    /**
     * Shares the application's Lettuce {@link ClientResources} (its event loops, timer, metrics and
     * tracing; under Spring Boot, Boot's {@code lettuceClientResources} bean) instead of starting
     * the store's own. The store keeps its own reconnect delay ({@link #reconnectDelayMax}), which
     * its rebuild window is reckoned from, and never shuts the shared parts down: their owner does,
     * after the store is closed. Default: the store's own.
     */
    public Builder clientResources(ClientResources shared) {
      this.sharedResources =
          requireNonNull(shared, "clientResources : null (expected: the application's)");
      return this;
    }

    /**
     * Sets the prefix of the keys and the channel (default {@code broadcast}), so that several
     * dashboards can share one Redis.
     */
    public Builder prefix(String prefix) {
      requireNonNull(prefix, "prefix : null (expected: letters, digits, - _ . :)");
      if (!prefix.matches("[A-Za-z0-9_.:-]+")) {
        throw new IllegalArgumentException(
            "prefix : " + prefix + " (expected: letters, digits, - _ . :)");
      }
      this.prefix = prefix;
      return this;
    }

    /** Sets how long connecting may take (default 2 s). */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive("connectTimeout", timeout);
      return this;
    }

    /** Sets how long one Redis command may take (default 2 s). */
    public Builder commandTimeout(Duration timeout) {
      this.commandTimeout = positive("commandTimeout", timeout);
      return this;
    }

    /**
     * Sets the longest wait between two reconnect attempts (default 2 s; the wait doubles from 50
     * ms, with jitter).
     */
    public Builder reconnectDelayMax(Duration max) {
      this.reconnectDelayMax = positive("reconnectDelayMax", max);
      return this;
    }

    /**
     * Sets when a session expires: {@code expiry} gets its state and returns how long after its
     * last change it is removed, or null for never (default: never).
     */
    public Builder expireAfter(Function<ObjectNode, Duration> expiry) {
      this.expiry = requireNonNull(expiry, "expireAfter : null (expected: a function)");
      return this;
    }

    /** Sets how long a removed session's tombstone stays in Redis (default 10 min). */
    public Builder tombstoneTtl(Duration ttl) {
      this.tombstoneTtl = positive("tombstoneTtl", ttl);
      return this;
    }

    /** Sets how often expiry is checked (default 1 s; 100 ms to 1 s). */
    public Builder sweepInterval(Duration interval) {
      this.sweepInterval = positive("sweepInterval", interval);
      return this;
    }

    /**
     * Sets how long Redis remembers a change id, so that a change retried after an unknown outcome
     * within that time is not made twice (default 1 minute).
     */
    public Builder dedupWindow(Duration window) {
      this.dedupWindow = positive("dedupWindow", window);
      return this;
    }

    /**
     * Sets how long changes pause after a node finds that Redis went back (it restarted empty or
     * from an older snapshot), so that every node still running reconnects and writes back what it
     * holds first (default: twice {@code reconnectDelayMax}, 4 s). A node that returns later than
     * this may find its newer changes superseded; see the design note.
     */
    public Builder rebuildWindow(Duration window) {
      this.rebuildWindow = positive("rebuildWindow", window);
      return this;
    }

    /** Sets how many times a change is retried after conflicts (default 50). */
    public Builder maxAttempts(int attempts) {
      if (attempts <= 0) {
        throw new IllegalArgumentException("maxAttempts : " + attempts + " (expected: > 0)");
      }
      this.maxAttempts = attempts;
      return this;
    }

    /** Sets the clock for write times and expiry (default UTC system clock). */
    public Builder clock(Clock clock) {
      this.clock = requireNonNull(clock, "clock : null (expected: non-null)");
      return this;
    }

    /**
     * Connects, subscribes, reconciles and reads every session: the returned store holds the whole
     * view.
     *
     * @throws IllegalStateException if Redis cannot be reached, refuses the password, or does not
     *     answer while the sessions are read; the message names the address (never the password)
     *     and the cause
     */
    public RedisSessionStore build() {
      return new RedisSessionStore(this);
    }

    private static Duration positive(String name, Duration value) {
      return Checks.requirePositive(name, value);
    }
  }
}
