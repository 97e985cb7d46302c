package io.github.broadcast.redis;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.broadcast.SessionUpdate;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.SocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * The latest state of every session, shared by several server nodes through Redis: any node can
 * change a session, every node sees every change in order of version, and any node can serve
 * {@code initial_state} for every session. Each node feeds its broadcaster with {@link
 * #subscribe}.
 *
 * <pre>{@code
 * RedisSessionStore store = RedisSessionStore.newBuilder("redis://127.0.0.1:6379").build();
 * store.subscribe(broadcaster::publish);
 * store.apply("session-1", state -> state.put("status", "working"));  // every node's clients
 * }</pre>
 *
 * <h2>What Redis holds, and how a change is made</h2>
 *
 * <p>One hash ({@code PREFIX:sessions}) maps each session id to its version, write time and
 * JSON state (a tombstone has no state); one counter ({@code PREFIX:version}) hands out versions;
 * one pub/sub channel ({@code PREFIX:updates}) carries every change. {@link #apply} is an
 * optimistic read-modify-write: it computes the new state from the version it last saw, and a
 * Lua script stores it only if the session is still at that version, takes the next version
 * from the counter, and publishes, all atomically; on a conflict (another node changed the
 * session first) it rereads and applies the change again. So versions are global and grow with
 * every change, two nodes changing one session never lose either change, and an older write
 * never overwrites a newer one.
 *
 * <h2>Faults</h2>
 *
 * <ul>
 *   <li>Pub/sub is fire-and-forget. Whenever the subscription is (re)established, the store
 *       rereads the hash and delivers what it missed (a subscriber drops what it already has,
 *       by version): a lost connection, or a restart of Redis, ends with every node at the true
 *       view.
 *   <li>A Redis restarted empty is reseeded: each node raises the counter above every version
 *       it knows and writes back the sessions it holds that Redis lost, so versions never go
 *       backwards and nothing acknowledged is lost.
 *   <li>While Redis is unreachable, each node keeps serving its clients from its last view,
 *       logs it, and reports it in {@link #stats()}; {@link #apply} and {@link #remove} fail at
 *       once with {@link RedisUnavailableException} (nothing is queued behind a caller's back),
 *       so the producer knows the change was not made and can retry.
 * </ul>
 *
 * <p>States are shared, never copied, as {@link SessionUpdate} says: {@code change} gets a copy to
 * modify, and nothing may modify a state once an update carries it.
 *
 * <p>Threads: every method may be called from any thread. {@link #apply} and {@link #remove}
 * block for a Redis round trip (two on a conflict). Subscribers are called one at a time, from
 * Lettuce's I/O thread or the store's own thread, and must not block.
 */
public final class RedisSessionStore implements AutoCloseable {

  private static final Logger logger = System.getLogger(RedisSessionStore.class.getName());
  private static final ObjectMapper mapper = new ObjectMapper();

  /**
   * KEYS: the hash, the counter. ARGV: id, expected version ("0": absent or a tombstone),
   * write time, state JSON ("" removes), channel, and the highest version the writing node knows
   * (the counter is raised to it first, so a Redis restarted empty never hands out a version
   * below one a client holds). Returns {1, version} or {0, current version}.
   */
  static final String APPLY = String.join("\n",
      "local counter = tonumber(redis.call('GET', KEYS[2]) or '0')",
      "if counter < tonumber(ARGV[6]) then redis.call('SET', KEYS[2], ARGV[6]) end",
      "local current = redis.call('HGET', KEYS[1], ARGV[1])",
      "local version = '0'",
      "if current then",
      // Plain finds, not a pattern over the state: Lua matches a pattern character by
      // character, and the state can be kilobytes (it took 100 us of Redis' one thread at 8 KB).
      "  local first = string.find(current, '\\n', 1, true)",
      "  local second = string.find(current, '\\n', first + 1, true)",
      "  if second < #current then version = string.sub(current, 1, first - 1) end",
      "end",
      "if version ~= ARGV[2] then return {0, tonumber(version)} end",
      "local next = redis.call('INCR', KEYS[2])",
      "redis.call('HSET', KEYS[1], ARGV[1], next .. '\\n' .. ARGV[3] .. '\\n' .. ARGV[4])",
      "redis.call('PUBLISH', ARGV[5], ARGV[1] .. '\\n' .. next .. '\\n' .. ARGV[4])",
      "return {1, next}");

  /**
   * Reseeding after Redis lost its data. KEYS: the hash, the counter. ARGV: the highest version
   * this node knows, write time, channel, then id and state JSON pairs. Raises the counter to at
   * least that version, then writes each session Redis does not hold under a new version and
   * publishes it. Returns how many it wrote.
   */
  static final String RESEED = String.join("\n",
      "local counter = tonumber(redis.call('GET', KEYS[2]) or '0')",
      "if counter < tonumber(ARGV[1]) then redis.call('SET', KEYS[2], ARGV[1]) end",
      "local written = 0",
      "for i = 4, #ARGV, 2 do",
      "  if redis.call('HEXISTS', KEYS[1], ARGV[i]) == 0 then",
      "    local next = redis.call('INCR', KEYS[2])",
      "    redis.call('HSET', KEYS[1], ARGV[i], next .. '\\n' .. ARGV[2] .. '\\n' .. ARGV[i + 1])",
      "    redis.call('PUBLISH', ARGV[3], ARGV[i] .. '\\n' .. next .. '\\n' .. ARGV[i + 1])",
      "    written = written + 1",
      "  end",
      "end",
      "return written");

  /** KEYS: the hash. ARGV: id, version. Deletes a tombstone if it is still at that version. */
  static final String PURGE = String.join("\n",
      "local current = redis.call('HGET', KEYS[1], ARGV[1])",
      "if current and string.match(current, '^(%d+)\\n') == ARGV[2] then",
      "  redis.call('HDEL', KEYS[1], ARGV[1])",
      "  return 1",
      "end",
      "return 0");

  /** What a node knows of one session: the newest version, when it was written, its state. */
  record Entry(long version, long writtenAt, ObjectNode state) {
    boolean isTombstone() {
      return state == null;
    }
  }

  private final String redisUri;
  private final String hash;
  private final String counter;
  private final String channel;
  private final Function<ObjectNode, Duration> expiry;
  private final Duration tombstoneTtl;
  private final int maxAttempts;
  private final Clock clock;
  private final ClientResources resources;
  private final RedisClient client;
  private final StatefulRedisConnection<String, String> connection;
  private final RedisCommands<String, String> redis;
  private final StatefulRedisPubSubConnection<String, String> pubSub;
  private final ScheduledExecutorService background;
  private final Map<String, String> scripts = new java.util.concurrent.ConcurrentHashMap<>();

  /** The node's view: every session it knows, tombstones included. Guarded by itself. */
  private final Map<String, Entry> view = new HashMap<>();
  private final List<Consumer<SessionUpdate>> subscribers = new CopyOnWriteArrayList<>();

  private final AtomicBoolean connected = new AtomicBoolean(true);
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicLong disconnects = new AtomicLong();
  private final AtomicLong resyncs = new AtomicLong();
  private final AtomicLong reseeded = new AtomicLong();
  private final AtomicLong conflicts = new AtomicLong();
  private final AtomicLong failedWrites = new AtomicLong();
  private final AtomicLong received = new AtomicLong();
  /** The wait before retrying a failed resync; only the background thread uses it. */
  private long resyncRetryMillis;
  /** The highest version this node has seen. */
  private final AtomicLong maxVersion = new AtomicLong();

  private RedisSessionStore(Builder builder) {
    this.redisUri = redacted(builder.uri);
    this.hash = builder.prefix + ":sessions";
    this.counter = builder.prefix + ":version";
    this.channel = builder.prefix + ":updates";
    this.expiry = builder.expiry;
    this.tombstoneTtl = builder.tombstoneTtl;
    this.maxAttempts = builder.maxAttempts;
    this.clock = builder.clock;
    this.background = Executors.newSingleThreadScheduledExecutor(task -> {
      Thread thread = new Thread(task, "redis-session-store");
      thread.setDaemon(true);
      return thread;
    });

    RedisURI uri = builder.uri;
    uri.setTimeout(builder.commandTimeout);
    // Reconnect soon after Redis returns: doubling from 50 ms, with jitter so that the nodes of
    // a cluster do not reconnect in lockstep, capped (Lettuce's default cap is 30 s).
    this.resources = ClientResources.builder()
        .reconnectDelay(Delay.equalJitter(Duration.ofMillis(50), builder.reconnectDelayMax, 50,
            TimeUnit.MILLISECONDS))
        .build();
    this.client = RedisClient.create(resources, uri);
    client.setOptions(ClientOptions.builder()
        .autoReconnect(true)
        // While Redis is away, fail commands at once instead of queueing them: a hook's
        // producer learns that its change was not made, and no caller hangs.
        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
        .socketOptions(SocketOptions.builder().connectTimeout(builder.connectTimeout).build())
        .timeoutOptions(TimeoutOptions.enabled(builder.commandTimeout))
        .build());
    StatefulRedisConnection<String, String> commands = null;
    StatefulRedisPubSubConnection<String, String> subscription = null;
    try {
      commands = client.connect();
      commands.sync().ping();
      subscription = client.connectPubSub();
    } catch (RedisException e) {
      if (commands != null) {
        commands.close();
      }
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      resources.shutdown(0, 2, TimeUnit.SECONDS);
      background.shutdownNow();
      throw new IllegalStateException("cannot connect to Redis at " + redisUri + ": "
          + rootMessage(e) + " (check the URL, that Redis runs there, and the password)", e);
    }
    this.connection = commands;
    this.redis = commands.sync();
    this.pubSub = subscription;
    client.addListener(new RedisConnectionStateListener() {
      @Override
      public void onRedisConnected(RedisChannelHandler<?, ?> handler, SocketAddress address) {
        if (handler == pubSub && connected.compareAndSet(false, true)) {
          logger.log(Level.INFO, "Redis at {0}: connected again; resyncing", redisUri);
        }
      }

      @Override
      public void onRedisDisconnected(RedisChannelHandler<?, ?> handler) {
        if (handler == pubSub && !closed.get() && connected.compareAndSet(true, false)) {
          disconnects.incrementAndGet();
          logger.log(Level.WARNING, "Redis at {0}: connection lost; serving this node''s clients"
              + " from its last view, changes fail until it returns", redisUri);
        }
      }
    });
    pubSub.addListener(new RedisPubSubAdapter<>() {
      @Override
      public void message(String from, String message) {
        if (channel.equals(from)) {
          received.incrementAndGet();
          incoming(message);
        }
      }

      @Override
      public void subscribed(String to, long count) {
        // The subscription is live: what the hash holds now plus what arrives from here on is
        // everything. Resync off Lettuce's I/O thread, which the commands need.
        if (channel.equals(to) && !closed.get()) {
          background.execute(RedisSessionStore.this::resync);
        }
      }
    });
    pubSub.sync().subscribe(channel);
    long sweep = Math.max(100, Math.min(1_000, builder.sweepInterval.toMillis()));
    background.scheduleWithFixedDelay(this::sweep, sweep, sweep, TimeUnit.MILLISECONDS);
  }

  /** Starts a builder for a store on the Redis at {@code uri} ({@code redis://[:password@]host:port}). */
  public static Builder newBuilder(String uri) {
    return new Builder(uri);
  }

  /**
   * Changes one session: {@code change} receives a copy of its current state (an empty object
   * for a new session) and returns the new one. It may run more than once (after a conflict with
   * another node), so it must not have side effects.
   *
   * @return the update every node's subscribers receive
   * @throws RedisUnavailableException if Redis cannot be reached; the change was not made
   * @throws IllegalStateException if other nodes kept changing the session first, more times
   *     than the builder's {@code maxAttempts}
   */
  public SessionUpdate apply(String sessionId, UnaryOperator<ObjectNode> change) {
    checkId(sessionId);
    requireNonNull(change, "change : null (expected: a function of the state)");
    Entry known = known(sessionId);
    for (int attempt = 1; attempt <= maxAttempts; attempt++) {
      long expected = known == null || known.isTombstone() ? 0 : known.version();
      ObjectNode base = known == null || known.isTombstone()
          ? mapper.createObjectNode() : known.state().deepCopy();
      ObjectNode next = change.apply(base);
      if (next == null) {
        throw new IllegalArgumentException("change : returned null (expected: the new state)");
      }
      long now = clock.millis();
      long version = write(sessionId, expected, now, json(next));
      if (version > 0) {
        SessionUpdate update = SessionUpdate.of(sessionId, version, next);
        deliver(sessionId, new Entry(version, now, next));
        return update;
      }
      conflicts.incrementAndGet();
      known = read(sessionId);
    }
    throw new IllegalStateException("apply " + sessionId + " : other nodes changed it first "
        + maxAttempts + " times in a row (expected: fewer writers per session)");
  }

  /**
   * Removes one session everywhere (a tombstone goes to every node).
   *
   * @return the tombstone, or empty if the session did not exist
   * @throws RedisUnavailableException if Redis cannot be reached; nothing was removed
   */
  public Optional<SessionUpdate> remove(String sessionId) {
    checkId(sessionId);
    Entry known = known(sessionId);
    for (int attempt = 1; attempt <= maxAttempts; attempt++) {
      if (known == null || known.isTombstone()) {
        return Optional.empty();
      }
      if (removeAt(sessionId, known.version())) {
        return Optional.of(SessionUpdate.tombstone(sessionId, known(sessionId).version()));
      }
      conflicts.incrementAndGet();
      known = read(sessionId);
    }
    throw new IllegalStateException("remove " + sessionId + " : other nodes changed it first "
        + maxAttempts + " times in a row");
  }

  /** The session's state on this node, if it exists. */
  public Optional<SessionUpdate> get(String sessionId) {
    Entry entry = known(sessionId);
    return entry == null || entry.isTombstone()
        ? Optional.empty()
        : Optional.of(SessionUpdate.of(sessionId, entry.version(), entry.state()));
  }

  /** Every live session on this node, by id. */
  public List<SessionUpdate> snapshot() {
    List<SessionUpdate> sessions = new ArrayList<>();
    synchronized (view) {
      view.forEach((id, entry) -> {
        if (!entry.isTombstone()) {
          sessions.add(SessionUpdate.of(id, entry.version(), entry.state()));
        }
      });
    }
    sessions.sort(Comparator.comparing(SessionUpdate::sessionId));
    return sessions;
  }

  /** How many live sessions this node knows. */
  public long size() {
    synchronized (view) {
      return view.values().stream().filter(e -> !e.isTombstone()).count();
    }
  }

  /**
   * Adds a subscriber that receives every change, from every node, after this call: a node's
   * broadcaster ({@code broadcaster::publish}). After a resync it also receives the sessions it
   * missed and tombstones for those removed meanwhile. Updates of one session arrive in version
   * order; a subscriber must still drop one not newer than what it has (broadcasters do).
   */
  public void subscribe(Consumer<SessionUpdate> subscriber) {
    subscribers.add(requireNonNull(subscriber, "subscriber : null (expected: non-null)"));
  }

  /** A snapshot of the store's connection and counters. */
  public Stats stats() {
    return new Stats(connected.get(), disconnects.get(), resyncs.get(), reseeded.get(),
        conflicts.get(), failedWrites.get(), received.get());
  }

  /**
   * What a node's store has seen.
   *
   * @param connected whether the subscription to Redis is up now
   * @param disconnects connections to Redis lost
   * @param resyncs times the node reread every session from Redis (one at start, one per
   *     reconnect)
   * @param reseeded sessions this node wrote back to a Redis that had lost them
   * @param conflicts changes retried because another node changed the session first
   * @param failedWrites changes and removals refused because Redis was unreachable
   * @param received updates received over pub/sub
   */
  public record Stats(boolean connected, long disconnects, long resyncs, long reseeded,
      long conflicts, long failedWrites, long received) {}

  /** Unsubscribes and closes the connections. Idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    background.shutdownNow();
    try {
      pubSub.close();
      connection.close();
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
  }

  // ---- Incoming -----------------------------------------------------------------------------

  /** One pub/sub message: {@code id \n version \n json} (no JSON: a tombstone). */
  private void incoming(String message) {
    int first = message.indexOf('\n');
    int second = message.indexOf('\n', first + 1);
    if (first <= 0 || second < 0) {
      logger.log(Level.WARNING, "ignoring a malformed message on {0}", channel);
      return;
    }
    String id = message.substring(0, first);
    long version = Long.parseLong(message.substring(first + 1, second));
    String json = message.substring(second + 1);
    deliver(id, new Entry(version, clock.millis(), json.isEmpty() ? null : parse(json)));
  }

  /** Takes {@code entry} if it is newer than what the node has, and tells the subscribers. */
  private void deliver(String id, Entry entry) {
    synchronized (view) {
      Entry current = view.get(id);
      if (current != null && current.version() >= entry.version()) {
        return;
      }
      view.put(id, entry);
      maxVersion.accumulateAndGet(entry.version(), Math::max);
      SessionUpdate update = entry.isTombstone()
          ? SessionUpdate.tombstone(id, entry.version())
          : SessionUpdate.of(id, entry.version(), entry.state());
      for (Consumer<SessionUpdate> subscriber : subscribers) {
        try {
          subscriber.accept(update);
        } catch (RuntimeException e) {
          logger.log(Level.WARNING, "a subscriber failed on " + id, e);
        }
      }
    }
  }

  /**
   * Rereads every session: takes what the node missed, and writes back the live sessions Redis
   * no longer holds (it lost them in a restart without persistence). A session removed while
   * this node was away is not revived: its tombstone stays in Redis for {@code tombstoneTtl}
   * (10 min), longer than a reconnect takes.
   */
  private void resync() {
    try {
      Map<String, String> all = redis.hgetall(hash);
      Map<String, Entry> stored = new HashMap<>();
      all.forEach((id, value) -> stored.put(id, decode(value)));
      stored.forEach(this::deliver);

      long maxKnown = 0;
      List<String> lost = new ArrayList<>();
      synchronized (view) {
        for (Map.Entry<String, Entry> e : view.entrySet()) {
          maxKnown = Math.max(maxKnown, e.getValue().version());
          if (!stored.containsKey(e.getKey()) && !e.getValue().isTombstone()) {
            lost.add(e.getKey());
            lost.add(json(e.getValue().state()));
          }
        }
      }
      if (maxKnown > 0) {
        List<String> args = new ArrayList<>(List.of(Long.toString(maxKnown),
            Long.toString(clock.millis()), channel));
        args.addAll(lost);
        long written = ((Number) evalScalar(RESEED, new String[] {hash, counter},
            args.toArray(String[]::new))).longValue();
        reseeded.addAndGet(written);
        if (written > 0) {
          logger.log(Level.WARNING, "Redis at {0} had lost {1} sessions; this node wrote them"
              + " back", redisUri, written);
        }
      }
      resyncs.incrementAndGet();
      resyncRetryMillis = 0;
    } catch (RedisException e) {
      // The two connections reconnect on their own: the subscription can be back before the
      // command connection is, which refuses commands meanwhile. Try again soon while the
      // subscription stays up; if it drops, its next subscription resyncs anyway.
      resyncRetryMillis = Math.min(1_000, Math.max(50, 2 * resyncRetryMillis));
      logger.log(Level.DEBUG, "resync interrupted (" + e.getMessage() + "); again in "
          + resyncRetryMillis + " ms");
      if (!closed.get() && connected.get()) {
        background.schedule(this::resync, resyncRetryMillis, TimeUnit.MILLISECONDS);
      }
    }
  }

  // ---- Expiry -------------------------------------------------------------------------------

  /** Removes expired sessions (any node may; a conflict means another node changed it). */
  private void sweep() {
    if (!connected.get()) {
      return;
    }
    long now = clock.millis();
    Map<String, Entry> due = new HashMap<>();
    synchronized (view) {
      view.forEach((id, entry) -> {
        Duration ttl = entry.isTombstone() ? tombstoneTtl : expiry.apply(entry.state());
        if (ttl != null && entry.writtenAt() + ttl.toMillis() <= now) {
          due.put(id, entry);
        }
      });
    }
    due.forEach((id, entry) -> {
      try {
        if (entry.isTombstone()) {
          evalScalar(PURGE, new String[] {hash}, id, Long.toString(entry.version()));
          synchronized (view) {
            view.remove(id, entry);
          }
        } else {
          removeAt(id, entry.version());
        }
      } catch (RuntimeException e) {
        logger.log(Level.DEBUG, "expiry of " + id + " deferred: " + e.getMessage());
      }
    });
  }

  // ---- Redis --------------------------------------------------------------------------------

  private boolean removeAt(String sessionId, long version) {
    long now = clock.millis();
    long tombstone = write(sessionId, version, now, "");
    if (tombstone > 0) {
      deliver(sessionId, new Entry(tombstone, now, null));
      return true;
    }
    return false;
  }

  /**
   * The APPLY script: stores {@code json} ("" for a tombstone) if the session is still at
   * {@code expected}. Returns the new version, or 0 if another node changed it first.
   */
  private long write(String sessionId, long expected, long now, String json) {
    Object result = evalScalar(APPLY, new String[] {hash, counter},
        new String[] {sessionId, Long.toString(expected), Long.toString(now), json, channel,
            Long.toString(maxVersion.get())}, ScriptOutputType.MULTI);
    List<?> reply = (List<?>) result;
    return ((Number) reply.get(0)).longValue() == 1 ? ((Number) reply.get(1)).longValue() : 0;
  }

  private Entry known(String sessionId) {
    synchronized (view) {
      return view.get(sessionId);
    }
  }

  /** The session as Redis holds it now (null if absent), taken into the view if newer. */
  private Entry read(String sessionId) {
    String value;
    try {
      value = redis.hget(hash, sessionId);
    } catch (RedisException e) {
      failedWrites.incrementAndGet();
      throw new RedisUnavailableException("Redis at " + redisUri + " is unreachable: "
          + rootMessage(e), e);
    }
    if (value == null) {
      return null;
    }
    Entry entry = decode(value);
    deliver(sessionId, entry);
    return entry;
  }

  private Object evalScalar(String script, String[] keys, String... args) {
    return evalScalar(script, keys, args, ScriptOutputType.INTEGER);
  }

  /** EVALSHA, loading the script on first use and again after Redis forgot it (a restart). */
  private Object evalScalar(String script, String[] keys, String[] args, ScriptOutputType type) {
    try {
      String sha = scripts.computeIfAbsent(script, redis::scriptLoad);
      try {
        return redis.evalsha(sha, type, keys, args);
      } catch (RedisNoScriptException e) {
        scripts.put(script, redis.scriptLoad(script));
        return redis.evalsha(scripts.get(script), type, keys, args);
      }
    } catch (RedisNoScriptException e) {
      throw e;
    } catch (RedisException e) {
      failedWrites.incrementAndGet();
      throw new RedisUnavailableException("Redis at " + redisUri + " is unreachable: "
          + rootMessage(e), e);
    }
  }

  private static Entry decode(String value) {
    int first = value.indexOf('\n');
    int second = value.indexOf('\n', first + 1);
    long version = Long.parseLong(value.substring(0, first));
    long writtenAt = Long.parseLong(value.substring(first + 1, second));
    String json = value.substring(second + 1);
    return new Entry(version, writtenAt, json.isEmpty() ? null : parse(json));
  }

  private static ObjectNode parse(String json) {
    try {
      JsonNode node = mapper.readTree(json);
      if (!(node instanceof ObjectNode)) {
        throw new IllegalStateException("a session state in Redis is not a JSON object: " + json);
      }
      return (ObjectNode) node;
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a session state in Redis is not JSON: " + json, e);
    }
  }

  private static String json(ObjectNode state) {
    try {
      return mapper.writeValueAsString(state);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("state : cannot be written as JSON", e);
    }
  }

  private static void checkId(String sessionId) {
    requireNonNull(sessionId, "sessionId : null (expected: an id)");
    if (sessionId.isBlank() || sessionId.indexOf('\n') >= 0) {
      throw new IllegalArgumentException("sessionId : " + sessionId
          + " (expected: at least one non-space, no line break)");
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    return root == e ? message : e.getMessage() + ": " + message;
  }

  private static String redacted(RedisURI uri) {
    return "redis://" + uri.getHost() + ":" + uri.getPort();
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
    private Function<ObjectNode, Duration> expiry = state -> null;
    private int maxAttempts = 50;
    private Clock clock = Clock.systemUTC();

    private Builder(String uri) {
      requireNonNull(uri, "uri : null (expected: redis://host:port)");
      if (!uri.startsWith("redis://") && !uri.startsWith("rediss://")) {
        throw new IllegalArgumentException(
            "uri : " + uri + " (expected: redis://[:password@]host:port)");
      }
      try {
        this.uri = RedisURI.create(uri);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "uri : " + uri + " (expected: redis://[:password@]host:port)", e);
      }
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
     * Sets the longest wait between two reconnect attempts (default 2 s; the wait doubles from
     * 50 ms, with jitter).
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
     * Connects, subscribes and reads every session.
     *
     * @throws IllegalStateException if Redis cannot be reached or refuses the password; the
     *     message names the address (never the password) and the cause
     */
    public RedisSessionStore build() {
      return new RedisSessionStore(this);
    }

    private static Duration positive(String name, Duration value) {
      requireNonNull(value, name + " : null (expected: a positive duration)");
      if (value.isZero() || value.isNegative()) {
        throw new IllegalArgumentException(name + " : " + value + " (expected: > 0)");
      }
      return value;
    }
  }
}
