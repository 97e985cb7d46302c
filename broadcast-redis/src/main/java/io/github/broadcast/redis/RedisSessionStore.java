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
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
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
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * The latest state of every session, shared by several server nodes through Redis: any node can
 * change a session, every node sees every change, and any node can serve {@code initial_state}
 * for every session. Each node feeds its broadcaster with {@link #subscribe}.
 *
 * <pre>{@code
 * RedisSessionStore store = RedisSessionStore.newBuilder("redis://127.0.0.1:6379").build();
 * store.subscribe(broadcaster::publish);              // the sessions already there, then every change
 * store.apply("session-1", state -> state.put("status", "working"));  // every node's clients
 * }</pre>
 *
 * <h2>What Redis holds, and how a change is made</h2>
 *
 * <p>One hash ({@code PREFIX:sessions}) maps each session id to its version, write time, change
 * id and JSON state (a tombstone has no state); one counter ({@code PREFIX:version}) hands out
 * versions; one pub/sub channel ({@code PREFIX:updates}) carries every change; one short-lived key
 * per change ({@code PREFIX:change:ID}) remembers that it was made. {@link #apply} is an
 * optimistic read-modify-write: it computes the new state from the version this node holds, and a
 * Lua script stores it only if the session is still at that version, takes the next version from
 * the counter, and publishes, all atomically; on a conflict (another node changed the session
 * first) it rereads and applies the change again. So versions are global and grow with every
 * change, and two nodes changing one session never lose either change.
 *
 * <h2>What an acknowledged change means</h2>
 *
 * <p>When {@link #apply} returns, the change is in Redis, published to every node, and in this
 * node's view. It survives, without persistence in Redis, any Redis failure that leaves at least
 * one node holding it: see the design note in the source for the rules. Two outcomes are not
 * acknowledgements, and they are told apart:
 *
 * <ul>
 *   <li>{@link RedisUnavailableException}: the change was not made; nothing was sent. Redis is
 *       unreachable, or the node has not yet reconciled with a Redis that came back.
 *   <li>{@link RedisOutcomeUnknownException}: the change was sent and no answer came (a timeout,
 *       or the connection dropped). Apply it again with the same change id: Redis drops a change
 *       id it has already made within the dedup window (default 1 minute).
 * </ul>
 *
 * <h2>Faults</h2>
 *
 * <ul>
 *   <li>Pub/sub is fire-and-forget. Whenever the subscription is (re)established, the node
 *       reconciles with Redis and rereads every session: a lost connection, or a restart of Redis,
 *       ends with every node at the true view.
 *   <li>A Redis restarted empty, or from an older snapshot, is reconciled by every node before
 *       any node writes through it again: the counter is raised above every version the node
 *       knows, and every session Redis lacks or holds at an older version is written back.
 *   <li>While Redis is unreachable or paused, each node keeps serving its clients from its last
 *       view, logs it, and reports {@code connected=false} in {@link #stats()}, from the first
 *       disconnect or command timeout until it has reconciled; changes are refused meanwhile.
 * </ul>
 *
 * <p>States are shared, never copied, as {@link SessionUpdate} says: {@code change} gets a copy to
 * modify, and nothing may modify a state once an update carries it.
 *
 * <p>Threads: every method may be called from any thread. {@link #apply} and {@link #remove}
 * block for a Redis round trip (two on a conflict), and, just after Redis came back, for the
 * reconcile (at most the command timeout). Subscribers are called from Lettuce's I/O thread, the
 * store's own thread or an applying thread, never under a lock of the store, possibly at once:
 * they must not block, and must keep the newest version of each session (broadcasters do).
 */
public final class RedisSessionStore implements AutoCloseable {

  private static final Logger logger = System.getLogger(RedisSessionStore.class.getName());
  private static final ObjectMapper mapper = new ObjectMapper();
  private static final String NOT_CONNECTED = "Currently not connected";
  private static final int RECONCILE_CHUNK = 200; // Sessions per script call.

  /*
   * Design note: versions and acknowledged state across Redis failures.
   *
   * Rule 1: a node never writes a session on a base older than what it holds. Its view holds
   *   everything it acknowledged and everything it received, newest version per session. APPLY
   *   sends the version it builds on; a conflict whose stored version is below the node's means
   *   Redis lost data (an empty restart, an older snapshot): the node stops writing (rule 2)
   *   instead of rebasing on the older state (issue 20, R1).
   *
   * Rule 2: after any loss (either connection dropped, a command timed out, or rule 1 fired) the
   *   node is not ready, and refuses or waits; it becomes ready again only after, in order: the
   *   subscription is live, Redis answers a PING, RECONCILE ran over its whole view, and it
   *   reread the hash. RECONCILE raises the counter above every version the node knows, and for
   *   each session writes the node's entry back if Redis lacks it or holds an older version,
   *   atomically per call. So a version the node acknowledged is never handed out again, and the
   *   newest state any node holds ends up in Redis (issue 20, R2).
   *
   * Rule 2b: Redis went back (restarted empty or from an older snapshot) exactly when its
   *   counter is below a version some node has seen, since versions only come from it. APPLY
   *   refuses a write from a node that knows a higher version, and RECONCILE, finding it, starts
   *   a rebuild window (PREFIX:rebuilding, twice the longest reconnect delay) during which APPLY
   *   refuses every write. Every node still running reconnects within that delay and writes back
   *   what it holds before anyone builds on the rebuilt state, so a node that reconciled first
   *   cannot build on a version another node has already acknowledged newer.
   *
   * Rule 3: one version, one content. Every write carries a change id, stored with the state.
   *   If Redis and a node hold the same version with different change ids (a node wrote into an
   *   emptied or restored Redis before an older node came back), the larger change id wins and is
   *   written again under a fresh version, which every node takes; so no two nodes can keep
   *   different states under one version.
   *
   * Rule 4: a change id made within the dedup window is not made again: APPLY remembers each id
   *   under PREFIX:change:ID and answers a repeat with the version it got. So retrying after an
   *   unknown outcome never applies a change twice (issue 20, R3).
   *
   * Limit: newest wins by version. A node that returns after the rebuild window, or a fresh
   *   node that writes into a Redis that went back before any node with history returned (it
   *   knows no version to compare), may have its changes superseded when the newer state comes
   *   back; and a Redis restart that no node outlived loses what only Redis held. Redis' AOF
   *   persistence (appendonly yes) closes all three.
   */
  /**
   * The stored value's fields, shared by the scripts: version, write time, change id, JSON state
   * ("" for a tombstone), each but the last followed by a line break. {@code parse(v)} returns
   * them; plain finds, not a pattern, since Lua matches a pattern character by character and a
   * state can be kilobytes.
   */
  private static final String PARSE = String.join("\n",
      "local function parse(value)",
      "  local a = string.find(value, '\\n', 1, true)",
      "  local b = string.find(value, '\\n', a + 1, true)",
      "  local c = string.find(value, '\\n', b + 1, true)",
      "  return tonumber(string.sub(value, 1, a - 1)), string.sub(value, a + 1, b - 1),",
      "    string.sub(value, b + 1, c - 1), string.sub(value, c + 1)",
      "end");

  /**
   * KEYS: the hash, the counter, the change's key, the rebuild marker. ARGV: id, the live version
   * the write builds on ("0": absent or a tombstone), write time, change id, JSON state (""
   * removes), channel, the highest version the writing node knows, dedup window in ms. Returns
   * {1, version} when written; {0, stored version} on a conflict (tombstones included; 0 means
   * absent); {2, version} if this change id was already made; {3, ms left} while Redis is being
   * rebuilt; {4, counter} if the counter is below a version the writer knows (Redis went back:
   * the writer must reconcile first). Only 1 writes.
   */
  static final String APPLY = String.join("\n", PARSE,
      "local seen = redis.call('GET', KEYS[3])",
      "if seen then return {2, tonumber(seen)} end",
      "local rebuilding = redis.call('PTTL', KEYS[4])",
      "if rebuilding > 0 then return {3, rebuilding} end",
      "local counter = tonumber(redis.call('GET', KEYS[2]) or '0')",
      "if counter < tonumber(ARGV[7]) then return {4, counter} end",
      "local current = redis.call('HGET', KEYS[1], ARGV[1])",
      "local stored, live = 0, 0",
      "if current then",
      "  local version, at, change, json = parse(current)",
      "  stored = version",
      "  if #json > 0 then live = version end",
      "end",
      "if live ~= tonumber(ARGV[2]) then return {0, stored} end",
      "local next = redis.call('INCR', KEYS[2])",
      "local value = next .. '\\n' .. ARGV[3] .. '\\n' .. ARGV[4] .. '\\n' .. ARGV[5]",
      "redis.call('HSET', KEYS[1], ARGV[1], value)",
      "redis.call('PUBLISH', ARGV[6], ARGV[1] .. '\\n' .. value)",
      "redis.call('SET', KEYS[3], next, 'PX', ARGV[8])",
      "return {1, next}");

  /**
   * Reconciling after a loss (see the design note). KEYS: the hash, the counter, the rebuild
   * marker. ARGV: the highest version the node knows, the channel, the rebuild window in ms, then
   * for each session: id, version, write time, change id, JSON ("" for a tombstone). If the
   * counter is below that version, Redis went back: raises it and (re)starts the rebuild window.
   * Writes each session Redis lacks or holds older at the node's version; where both hold one
   * version with different change ids, writes the larger change id's content under a fresh
   * version. Publishes what it writes. Returns {written, 1 if it found Redis gone back}.
   */
  static final String RECONCILE = String.join("\n", PARSE,
      "local counter = tonumber(redis.call('GET', KEYS[2]) or '0')",
      "local back = 0",
      "if counter < tonumber(ARGV[1]) then",
      "  redis.call('SET', KEYS[2], ARGV[1])",
      "  redis.call('SET', KEYS[3], '1', 'PX', ARGV[3])",
      "  back = 1",
      "end",
      "local written = 0",
      "for i = 4, #ARGV, 5 do",
      "  local id, version = ARGV[i], tonumber(ARGV[i + 1])",
      "  local value = nil",
      "  local current = redis.call('HGET', KEYS[1], id)",
      "  if not current then",
      "    value = ARGV[i + 1] .. '\\n' .. ARGV[i + 2] .. '\\n' .. ARGV[i + 3] .. '\\n' .. ARGV[i + 4]",
      "  else",
      "    local stored, at, change, json = parse(current)",
      "    if stored < version then",
      "      value = ARGV[i + 1] .. '\\n' .. ARGV[i + 2] .. '\\n' .. ARGV[i + 3] .. '\\n' .. ARGV[i + 4]",
      "    elseif stored == version and change ~= ARGV[i + 3] then",
      "      local next = redis.call('INCR', KEYS[2])",
      "      if ARGV[i + 3] > change then",
      "        value = next .. '\\n' .. ARGV[i + 2] .. '\\n' .. ARGV[i + 3] .. '\\n' .. ARGV[i + 4]",
      "      else",
      "        value = next .. '\\n' .. at .. '\\n' .. change .. '\\n' .. json",
      "      end",
      "    end",
      "  end",
      "  if value then",
      "    redis.call('HSET', KEYS[1], id, value)",
      "    redis.call('PUBLISH', ARGV[2], id .. '\\n' .. value)",
      "    written = written + 1",
      "  end",
      "end",
      "return {written, back}");

  /** KEYS: the hash. ARGV: id, version. Deletes a tombstone if it is still at that version. */
  static final String PURGE = String.join("\n",
      "local current = redis.call('HGET', KEYS[1], ARGV[1])",
      "if current and string.match(current, '^(%d+)\\n') == ARGV[2] then",
      "  redis.call('HDEL', KEYS[1], ARGV[1])",
      "  return 1",
      "end",
      "return 0");

  /** What a node knows of one session: the newest version, when and by which change. */
  record Entry(long version, long writtenAt, String changeId, ObjectNode state) {
    boolean isTombstone() {
      return state == null;
    }

    SessionUpdate update(String sessionId) {
      return state == null
          ? SessionUpdate.tombstone(sessionId, version)
          : SessionUpdate.of(sessionId, version, state);
    }
  }

  private final String redisUri;
  private final String hash;
  private final String counter;
  private final String channel;
  private final String changePrefix;
  private final String rebuilding;
  private final long rebuildWindowMillis;
  private final Function<ObjectNode, Duration> expiry;
  private final Duration tombstoneTtl;
  private final long dedupWindowMillis;
  private final long commandTimeoutMillis;
  private final int maxAttempts;
  private final Clock clock;
  private final ClientResources resources;
  private final RedisClient client;
  private final StatefulRedisConnection<String, String> connection;
  private final RedisCommands<String, String> redis;
  private final StatefulRedisPubSubConnection<String, String> pubSub;
  private final ScheduledExecutorService background;
  private final Map<String, String> scripts = new ConcurrentHashMap<>();

  /** The node's view: every session it knows, tombstones included. Guarded by itself. */
  private final Map<String, Entry> view = new HashMap<>();
  private final List<Consumer<SessionUpdate>> subscribers = new CopyOnWriteArrayList<>();

  // Readiness (rule 2), guarded by readyLock: ready only after a reconcile since the last loss.
  private final Object readyLock = new Object();
  private boolean ready;
  private boolean subscribed; // The pub/sub subscription is live.
  private boolean recovering; // A recover() is scheduled or running on the background thread.
  private long recoverDelayMillis; // Backoff of the next recover() after a failed one.
  private long losses; // Counts lost(): a recover() that saw one meanwhile does not mark ready.

  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicLong disconnects = new AtomicLong();
  private final AtomicLong resyncs = new AtomicLong();
  private final AtomicLong reseeded = new AtomicLong();
  private final AtomicLong conflicts = new AtomicLong();
  private final AtomicLong failedWrites = new AtomicLong();
  private final AtomicLong unknownOutcomes = new AtomicLong();
  private final AtomicLong duplicates = new AtomicLong();
  private final AtomicLong rebuilds = new AtomicLong();
  private final AtomicLong received = new AtomicLong();
  /** The highest version this node has seen. */
  private final AtomicLong maxVersion = new AtomicLong();

  private RedisSessionStore(Builder builder) {
    this.redisUri = redacted(builder.uri);
    this.hash = builder.prefix + ":sessions";
    this.counter = builder.prefix + ":version";
    this.channel = builder.prefix + ":updates";
    this.changePrefix = builder.prefix + ":change:";
    this.rebuilding = builder.prefix + ":rebuilding";
    this.rebuildWindowMillis = (builder.rebuildWindow == null
        ? builder.reconnectDelayMax.multipliedBy(2) : builder.rebuildWindow).toMillis();
    this.expiry = builder.expiry;
    this.tombstoneTtl = builder.tombstoneTtl;
    this.dedupWindowMillis = builder.dedupWindow.toMillis();
    this.commandTimeoutMillis = builder.commandTimeout.toMillis();
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
        // While Redis is away, fail commands at once instead of queueing them, and do not replay
        // in-flight commands after a reconnect: a caller learns whether its change was not made
        // (rejected) or may have been (in flight), and no caller hangs.
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
      shutdownClient();
      throw new IllegalStateException("cannot connect to Redis at " + redisUri + ": "
          + rootMessage(e) + " (check the URL, that Redis runs there, and the password)", e);
    }
    this.connection = commands;
    this.redis = commands.sync();
    this.pubSub = subscription;
    client.addListener(new RedisConnectionStateListener() {
      @Override
      public void onRedisConnected(RedisChannelHandler<?, ?> handler, SocketAddress address) {
        if (handler == connection) {
          scheduleRecover(); // Waits for the subscription too.
        }
      }

      @Override
      public void onRedisDisconnected(RedisChannelHandler<?, ?> handler) {
        if (handler == pubSub) {
          synchronized (readyLock) {
            subscribed = false;
          }
        }
        if (handler == pubSub || handler == connection) {
          lost("the connection dropped");
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
        // everything. Reconcile and reread off Lettuce's I/O thread, which the commands need.
        if (channel.equals(to)) {
          synchronized (readyLock) {
            subscribed = true;
          }
          scheduleRecover();
        }
      }
    });
    try {
      pubSub.sync().subscribe(channel);
      awaitReady(builder.connectTimeout.plus(builder.commandTimeout.multipliedBy(2)), "build");
    } catch (RuntimeException e) {
      close();
      throw new IllegalStateException("connected to Redis at " + redisUri
          + " but could not read its sessions: " + rootMessage(e), e);
    }
    long sweep = Math.max(100, Math.min(1_000, builder.sweepInterval.toMillis()));
    background.scheduleWithFixedDelay(this::sweep, sweep, sweep, TimeUnit.MILLISECONDS);
  }

  /** Starts a builder for a store on the Redis at {@code uri} ({@code redis://[:password@]host:port}). */
  public static Builder newBuilder(String uri) {
    return new Builder(uri);
  }

  /**
   * Changes one session under a new random change id; see {@link #apply(String, String,
   * UnaryOperator)}.
   */
  public SessionUpdate apply(String sessionId, UnaryOperator<ObjectNode> change) {
    return apply(sessionId, newChangeId(), change);
  }

  /**
   * Changes one session: {@code change} receives a copy of its current state (an empty object
   * for a new session) and returns the new one. It may run more than once (after a conflict with
   * another node), so it must not have side effects. If a change with {@code changeId} was already
   * made within the dedup window, it is not made again, and the session is returned as it is.
   *
   * @param changeId identifies this change across retries: letters, digits, {@code - _ . :}, at
   *     most 128 characters (a UUID, or a hash of the request)
   * @return the update every node's subscribers receive
   * @throws RedisUnavailableException if the change was not made (nothing was sent)
   * @throws RedisOutcomeUnknownException if it was sent and no answer came: retry with the same
   *     change id
   * @throws IllegalStateException if this store is closed, or if other nodes kept changing the
   *     session first, more times than the builder's {@code maxAttempts}
   */
  public SessionUpdate apply(String sessionId, String changeId, UnaryOperator<ObjectNode> change) {
    checkId(sessionId);
    checkChangeId(changeId);
    requireNonNull(change, "change : null (expected: a function of the state)");
    SessionUpdate update = write(sessionId, changeId, WAIT, known -> {
      ObjectNode base = known == null || known.isTombstone()
          ? mapper.createObjectNode() : known.state().deepCopy();
      ObjectNode next = change.apply(base);
      if (next == null) {
        throw new IllegalArgumentException("change : returned null (expected: the new state)");
      }
      return next;
    });
    if (update == null) {
      // Made before under this change id, but Redis no longer holds the session.
      throw new RedisOutcomeUnknownException("change " + changeId + " of " + sessionId
          + " was made before, but Redis no longer holds the session", changeId, null);
    }
    return update;
  }

  /**
   * Removes one session everywhere (a tombstone goes to every node).
   *
   * @return the tombstone, or empty if the session did not exist
   * @throws RedisUnavailableException if nothing was removed (nothing was sent)
   * @throws RedisOutcomeUnknownException if it was sent and no answer came
   * @throws IllegalStateException if this store is closed
   */
  public Optional<SessionUpdate> remove(String sessionId) {
    checkId(sessionId);
    checkOpen(sessionId);
    Entry known = known(sessionId);
    if (known == null || known.isTombstone()) {
      return Optional.empty();
    }
    SessionUpdate tombstone = write(sessionId, newChangeId(), WAIT, current -> {
      if (current == null || current.isTombstone()) {
        throw new AlreadyRemoved();
      }
      return null;
    });
    return tombstone == null ? Optional.empty() : Optional.of(tombstone);
  }

  /** Thrown by a removal's change when another node removed the session first. */
  private static final class AlreadyRemoved extends RuntimeException {
    private static final long serialVersionUID = 1L;

    AlreadyRemoved() {
      super(null, null, false, false);
    }
  }

  /** How long a change waits for the node to become ready: the command timeout. */
  private static final boolean WAIT = true;

  /**
   * The optimistic write loop behind {@link #apply}, {@link #remove} and expiry: {@code next}
   * computes the new state (null for a tombstone) from what the node holds. Waits for the node
   * to be ready at most the command timeout if {@code wait}, else not at all (the background
   * thread, which recovers, must never wait for itself). Returns null for a removal whose session
   * was already removed.
   */
  private SessionUpdate write(
      String sessionId, String changeId, boolean wait, Function<Entry, ObjectNode> next) {
    checkOpen(sessionId);
    Duration patience = wait ? Duration.ofMillis(commandTimeoutMillis) : Duration.ZERO;
    long deadline = System.nanoTime() + patience.toNanos();
    awaitReady(patience, sessionId);
    Entry known = known(sessionId);
    for (int attempt = 1; attempt <= maxAttempts; ) {
      ObjectNode state;
      try {
        state = next.apply(known);
      } catch (AlreadyRemoved e) {
        return null;
      }
      long expected = known == null || known.isTombstone() ? 0 : known.version();
      long now = clock.millis();
      List<?> reply = (List<?>) eval(APPLY, sessionId, changeId,
          new String[] {hash, counter, changePrefix + changeId, rebuilding},
          new String[] {sessionId, Long.toString(expected), Long.toString(now), changeId,
              state == null ? "" : json(state), channel, Long.toString(maxVersion.get()),
              Long.toString(dedupWindowMillis)},
          ScriptOutputType.MULTI);
      long code = ((Number) reply.get(0)).longValue();
      long version = ((Number) reply.get(1)).longValue();
      if (code == 3) {
        // Redis is being rebuilt after it went back: the other nodes are writing back what
        // they hold (rule 2). Wait for it, within the patience; nothing was written.
        waitForRebuild(version, deadline, sessionId);
        continue;
      }
      if (code == 4) {
        lost("Redis' version counter is at v" + version + ", below v" + maxVersion.get()
            + " which this node has seen");
        awaitReady(remaining(deadline), sessionId);
        known = known(sessionId);
        continue;
      }
      attempt++;
      if (code == 1) {
        Entry entry = new Entry(version, now, changeId, state);
        deliver(sessionId, entry);
        return entry.update(sessionId);
      }
      if (code == 2) {
        // Made before, by an attempt whose answer was lost: return the session as it is now.
        duplicates.incrementAndGet();
        read(sessionId);
        Entry current = known(sessionId);
        return current == null ? null : current.update(sessionId);
      }
      long held = known == null ? 0 : known.version();
      if (version < held) {
        // Redis holds this session older than this node does (or not at all): it lost data.
        // Never rebase on it (rule 1); reconcile first (rule 2), then try again.
        lost("Redis holds " + sessionId + " at v" + version + ", this node at v" + held);
        awaitReady(remaining(deadline), sessionId);
        known = known(sessionId);
        continue;
      }
      conflicts.incrementAndGet();
      known = read(sessionId);
    }
    throw new IllegalStateException("change of " + sessionId + " : other nodes changed it first "
        + maxAttempts + " times in a row (expected: fewer writers per session)");
  }

  private static Duration remaining(long deadlineNanos) {
    return Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime()));
  }

  /**
   * Sleeps while Redis is being rebuilt ({@code leftMillis} more), if that ends before {@code
   * deadlineNanos}; otherwise the change is refused, not made.
   */
  private void waitForRebuild(long leftMillis, long deadlineNanos, String sessionId) {
    long left = TimeUnit.MILLISECONDS.toNanos(leftMillis);
    if (System.nanoTime() + left > deadlineNanos) {
      failedWrites.incrementAndGet();
      throw new RedisUnavailableException("Redis at " + redisUri + " lost data and the nodes are"
          + " writing back what they hold, for " + leftMillis + " ms more; " + sessionId
          + " was not changed", null);
    }
    try {
      TimeUnit.NANOSECONDS.sleep(left); // Redis has no event for a key expiring that we await.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RedisUnavailableException("interrupted while Redis at " + redisUri
          + " was being rebuilt; " + sessionId + " was not changed", e);
    }
  }

  /** The session's state on this node, if it exists. */
  public Optional<SessionUpdate> get(String sessionId) {
    Entry entry = known(sessionId);
    return entry == null || entry.isTombstone()
        ? Optional.empty()
        : Optional.of(entry.update(sessionId));
  }

  /** Every live session on this node, by id. */
  public List<SessionUpdate> snapshot() {
    List<SessionUpdate> sessions = new ArrayList<>();
    synchronized (view) {
      view.forEach((id, entry) -> {
        if (!entry.isTombstone()) {
          sessions.add(entry.update(id));
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
   * Adds a subscriber: it first receives every live session this node holds, then every change,
   * from every node, after this call (a node's broadcaster: {@code broadcaster::publish}). After
   * a reconnect it also receives the sessions it missed and tombstones for those removed
   * meanwhile. Calls may come from several threads and out of version order: a subscriber keeps
   * the newest version of each session (broadcasters do).
   */
  public void subscribe(Consumer<SessionUpdate> subscriber) {
    requireNonNull(subscriber, "subscriber : null (expected: non-null)");
    List<SessionUpdate> current;
    synchronized (view) {
      subscribers.add(subscriber); // Under the lock: no change falls between replay and live.
      current = new ArrayList<>(view.size());
      view.forEach((id, entry) -> {
        if (!entry.isTombstone()) {
          current.add(entry.update(id));
        }
      });
    }
    for (SessionUpdate update : current) {
      notify(subscriber, update);
    }
  }

  /** A snapshot of the store's connection and counters. */
  public Stats stats() {
    boolean connected;
    synchronized (readyLock) {
      connected = ready;
    }
    return new Stats(connected, disconnects.get(), resyncs.get(), reseeded.get(),
        conflicts.get(), failedWrites.get(), unknownOutcomes.get(), duplicates.get(),
        rebuilds.get(), received.get());
  }

  /**
   * What a node's store has seen.
   *
   * @param connected whether the node is connected to Redis and reconciled with it now: false
   *     from a lost connection or a command timeout until Redis answers and the node reconciled
   * @param disconnects times the node lost Redis (a dropped connection, a timed-out command, or
   *     Redis found to have lost data)
   * @param resyncs times the node reconciled with Redis and reread every session (one at start,
   *     one per recovery)
   * @param reseeded sessions this node wrote back to a Redis that had lost them or held them
   *     older
   * @param conflicts changes retried because another node changed the session first
   * @param failedWrites changes refused, not made, because Redis was unreachable or not yet
   *     reconciled
   * @param unknownOutcomes changes sent without an answer (timeout or dropped connection)
   * @param duplicates changes not made again because their change id was already made
   * @param rebuilds times this node found that Redis went back (lost data) and started a rebuild
   *     window
   * @param received updates received over pub/sub
   */
  public record Stats(boolean connected, long disconnects, long resyncs, long reseeded,
      long conflicts, long failedWrites, long unknownOutcomes, long duplicates, long rebuilds,
      long received) {}

  /**
   * Unsubscribes and closes the connections. Idempotent. Afterwards {@link #apply} and {@link
   * #remove} throw {@link IllegalStateException}; the last view stays readable.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    synchronized (readyLock) {
      ready = false;
      readyLock.notifyAll();
    }
    try {
      if (pubSub != null) {
        pubSub.close();
      }
      if (connection != null) {
        connection.close();
      }
    } finally {
      shutdownClient();
    }
  }

  private void shutdownClient() {
    background.shutdownNow();
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    resources.shutdown(0, 2, TimeUnit.SECONDS);
  }

  // ---- Readiness (rule 2) -------------------------------------------------------------------

  /** Marks the node not ready after a loss, and starts recovering. */
  private void lost(String why) {
    if (closed.get()) {
      return;
    }
    boolean wasReady;
    synchronized (readyLock) {
      wasReady = ready;
      ready = false;
      losses++;
    }
    if (wasReady) {
      disconnects.incrementAndGet();
      logger.log(Level.WARNING, "Redis at {0}: {1}; serving this node''s clients from its last"
          + " view, changes are refused until it answers and this node has reconciled",
          redisUri, why);
    }
    scheduleRecover();
  }

  private void scheduleRecover() {
    long delay;
    synchronized (readyLock) {
      if (recovering || ready || closed.get()) {
        return;
      }
      recovering = true;
      delay = recoverDelayMillis;
    }
    try {
      background.schedule(this::recover, delay, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // Closing.
    }
  }

  /**
   * On the background thread: once subscribed, reconciles with Redis and rereads the hash, then
   * marks the node ready; on failure tries again with backoff (50 ms doubling to 1 s).
   */
  private void recover() {
    long lossesBefore;
    synchronized (readyLock) {
      recovering = false;
      if (!subscribed || ready || closed.get()) {
        return; // The subscribed() callback schedules the next attempt.
      }
      lossesBefore = losses;
    }
    try {
      redis.ping();
      reconcile();
      Map<String, String> all = redis.hgetall(hash);
      all.forEach((id, value) -> deliver(id, decode(value)));
      resyncs.incrementAndGet();
      boolean first;
      synchronized (readyLock) {
        first = resyncs.get() == 1;
        // A loss while this ran (a dropped connection, a timeout) needs another round.
        ready = subscribed && !closed.get() && losses == lossesBefore;
        recoverDelayMillis = 0;
        readyLock.notifyAll();
      }
      if (!first) {
        logger.log(Level.INFO, "Redis at {0}: reconciled and resynced; changes accepted again",
            redisUri);
      }
      if (!ready()) {
        scheduleRecover();
      }
    } catch (RedisException | RedisUnavailableException | RedisOutcomeUnknownException e) {
      synchronized (readyLock) {
        recoverDelayMillis = Math.min(1_000, Math.max(50, 2 * recoverDelayMillis));
      }
      logger.log(Level.DEBUG, () -> "recovery interrupted (" + rootMessage(e) + ")");
      scheduleRecover();
    }
  }

  private boolean ready() {
    synchronized (readyLock) {
      return ready;
    }
  }

  /**
   * Writes back, through RECONCILE, every session of the view that Redis lacks or holds older,
   * after raising the counter above every version the node knows (rule 2).
   */
  private void reconcile() {
    List<String> args = new ArrayList<>();
    long maxKnown = maxVersion.get();
    List<Map.Entry<String, Entry>> entries;
    synchronized (view) {
      entries = new ArrayList<>(view.entrySet());
    }
    long written = 0;
    for (int from = 0; from < Math.max(1, entries.size()); from += RECONCILE_CHUNK) {
      args.clear();
      args.add(Long.toString(maxKnown));
      args.add(channel);
      args.add(Long.toString(rebuildWindowMillis));
      for (Map.Entry<String, Entry> e : entries.subList(from,
          Math.min(entries.size(), from + RECONCILE_CHUNK))) {
        Entry entry = e.getValue();
        args.add(e.getKey());
        args.add(Long.toString(entry.version()));
        args.add(Long.toString(entry.writtenAt()));
        args.add(entry.changeId());
        args.add(entry.isTombstone() ? "" : json(entry.state()));
      }
      List<?> reply = (List<?>) eval(RECONCILE, null, null,
          new String[] {hash, counter, rebuilding}, args.toArray(String[]::new),
          ScriptOutputType.MULTI);
      written += ((Number) reply.get(0)).longValue();
      if (((Number) reply.get(1)).longValue() == 1) {
        rebuilds.incrementAndGet();
        logger.log(Level.WARNING, "Redis at {0} went back (its version counter is below v{1},"
            + " which this node has seen): it lost data; changes pause for {2} ms while the nodes"
            + " write back what they hold", redisUri, maxKnown, rebuildWindowMillis);
      }
    }
    reseeded.addAndGet(written);
    if (written > 0) {
      logger.log(Level.WARNING, "Redis at {0} lacked {1} sessions or held them older; this node"
          + " wrote them back", redisUri, written);
    }
  }

  /**
   * Waits until the node is ready, at most {@code timeout}.
   *
   * @throws RedisUnavailableException if it is not ready by then (nothing was sent)
   * @throws IllegalStateException if the store closed
   */
  private void awaitReady(Duration timeout, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (readyLock) {
      while (!ready) {
        checkOpen(what);
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          failedWrites.incrementAndGet();
          throw new RedisUnavailableException("Redis at " + redisUri + " is unreachable, or"
              + " this node has not reconciled with it yet; " + what + " was not changed", null);
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(readyLock, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new RedisUnavailableException("interrupted while waiting for Redis at "
              + redisUri + "; " + what + " was not changed", e);
        }
      }
    }
  }

  // ---- Incoming -----------------------------------------------------------------------------

  /** One pub/sub message: {@code id \n version \n writtenAt \n changeId \n json}. */
  private void incoming(String message) {
    int first = message.indexOf('\n');
    if (first <= 0) {
      logger.log(Level.WARNING, "ignoring a malformed message on {0}", channel);
      return;
    }
    try {
      deliver(message.substring(0, first), decode(message.substring(first + 1)));
    } catch (RuntimeException e) {
      logger.log(Level.WARNING, "ignoring a malformed message on " + channel, e);
    }
  }

  /**
   * Takes {@code entry} if it is newer than what the node has, then tells the subscribers,
   * outside the lock.
   */
  private void deliver(String id, Entry entry) {
    synchronized (view) {
      Entry current = view.get(id);
      if (current != null && current.version() >= entry.version()) {
        return;
      }
      view.put(id, entry);
      maxVersion.accumulateAndGet(entry.version(), Math::max);
    }
    SessionUpdate update = entry.update(id);
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

  // ---- Expiry -------------------------------------------------------------------------------

  /** Removes expired sessions (any node may; a conflict means another node changed it). */
  private void sweep() {
    if (!ready()) {
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
          eval(PURGE, null, null, new String[] {hash},
              new String[] {id, Long.toString(entry.version())}, ScriptOutputType.INTEGER);
          synchronized (view) {
            view.remove(id, entry);
          }
        } else {
          write(id, newChangeId(), /* wait= */ false, current -> {
            if (current == null || current.version() != entry.version()) {
              throw new AlreadyRemoved(); // Changed meanwhile: no longer due.
            }
            return null;
          });
        }
      } catch (RuntimeException e) {
        logger.log(Level.DEBUG, () -> "expiry of " + id + " deferred: " + rootMessage(e));
      }
    });
  }

  // ---- Redis --------------------------------------------------------------------------------

  /**
   * The session as Redis holds it now (null if absent), taken into the view if newer. Read after
   * a conflict, so a failure means the change was not made.
   */
  private Entry read(String sessionId) {
    String value;
    try {
      value = redis.hget(hash, sessionId);
    } catch (RedisException e) {
      throw failure(e, sessionId, /* changeId= */ null);
    }
    if (value == null) {
      return null;
    }
    Entry entry = decode(value);
    deliver(sessionId, entry);
    return entry;
  }

  /**
   * EVALSHA, loading the script on first use and again after Redis forgot it (a restart); a
   * failure becomes the exception that says whether the change was made.
   */
  private Object eval(String script, String sessionId, String changeId, String[] keys,
      String[] args, ScriptOutputType type) {
    try {
      String sha = scripts.computeIfAbsent(script, redis::scriptLoad);
      try {
        return redis.evalsha(sha, type, keys, args);
      } catch (RedisNoScriptException e) {
        scripts.put(script, redis.scriptLoad(script));
        return redis.evalsha(scripts.get(script), type, keys, args);
      }
    } catch (RedisException e) {
      throw failure(e, sessionId, changeId);
    }
  }

  /**
   * Classifies a failed command: refused before it was sent, or carrying no change ({@code
   * changeId} null), means not made; sent without an answer means unknown. Either way a timeout or
   * a dropped connection makes the node not ready until it has reconciled. Changes by the
   * background thread ({@code sessionId} null: reconcile, purge) are not counted.
   */
  private RuntimeException failure(RedisException e, String sessionId, String changeId) {
    String what = sessionId == null ? "the reconcile" : sessionId;
    if (closed.get()) {
      return new IllegalStateException("RedisSessionStore is closed; " + what
          + " was not changed", e);
    }
    String message = String.valueOf(e.getMessage());
    boolean refused =
        message.startsWith(NOT_CONNECTED) || e instanceof RedisCommandExecutionException;
    if (!(e instanceof RedisCommandExecutionException)) {
      lost(e instanceof RedisCommandTimeoutException ? "a command timed out"
          : "the connection dropped");
    }
    if (refused || changeId == null) {
      if (sessionId != null) {
        failedWrites.incrementAndGet();
      }
      return new RedisUnavailableException("Redis at " + redisUri + " is unreachable: "
          + rootMessage(e) + "; " + what + " was not changed", e);
    }
    unknownOutcomes.incrementAndGet();
    return new RedisOutcomeUnknownException("Redis at " + redisUri + " did not answer ("
        + rootMessage(e) + "): the change of " + what + " may or may not have been made;"
        + " retry with change id " + changeId, changeId, e);
  }

  private Entry known(String sessionId) {
    synchronized (view) {
      return view.get(sessionId);
    }
  }

  private static Entry decode(String value) {
    int a = value.indexOf('\n');
    int b = value.indexOf('\n', a + 1);
    int c = value.indexOf('\n', b + 1);
    if (a <= 0 || b < 0 || c < 0) {
      throw new IllegalStateException("a session value in Redis is malformed: " + value);
    }
    String json = value.substring(c + 1);
    return new Entry(Long.parseLong(value.substring(0, a)),
        Long.parseLong(value.substring(a + 1, b)), value.substring(b + 1, c),
        json.isEmpty() ? null : parse(json));
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

  private static String newChangeId() {
    return UUID.randomUUID().toString();
  }

  private void checkOpen(String what) {
    if (closed.get()) {
      throw new IllegalStateException("RedisSessionStore is closed; cannot change " + what);
    }
  }

  private static void checkId(String sessionId) {
    requireNonNull(sessionId, "sessionId : null (expected: an id)");
    if (sessionId.isBlank() || sessionId.indexOf('\n') >= 0) {
      throw new IllegalArgumentException("sessionId : " + sessionId
          + " (expected: at least one non-space, no line break)");
    }
  }

  private static void checkChangeId(String changeId) {
    requireNonNull(changeId, "changeId : null (expected: letters, digits, - _ . :)");
    if (changeId.isEmpty() || changeId.length() > 128 || !CHANGE_ID.matcher(changeId).matches()) {
      throw new IllegalArgumentException("changeId : " + changeId
          + " (expected: 1 to 128 letters, digits, - _ . :)");
    }
  }

  private static final Pattern CHANGE_ID = Pattern.compile("[A-Za-z0-9_.:-]+");

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
    private Duration dedupWindow = Duration.ofMinutes(1);
    private Duration rebuildWindow; // Null: twice reconnectDelayMax.
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

    /**
     * Sets how long Redis remembers a change id, so that a change retried after an unknown
     * outcome within that time is not made twice (default 1 minute).
     */
    public Builder dedupWindow(Duration window) {
      this.dedupWindow = positive("dedupWindow", window);
      return this;
    }

    /**
     * Sets how long changes pause after a node finds that Redis went back (it restarted empty or
     * from an older snapshot), so that every node still running reconnects and writes back what
     * it holds first (default: twice {@code reconnectDelayMax}, 4 s). A node that returns later
     * than this may find its newer changes superseded; see the design note.
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
     * Connects, subscribes, reconciles and reads every session: the returned store holds the
     * whole view.
     *
     * @throws IllegalStateException if Redis cannot be reached, refuses the password, or does
     *     not answer while the sessions are read; the message names the address (never the
     *     password) and the cause
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
