package io.github.broadcast.redis;

import io.github.broadcast.redis.RedisFormat.Entry;
import io.github.broadcast.redis.RedisFormat.Keys;
import io.lettuce.core.RedisException;
import io.lettuce.core.ScriptOutputType;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/*
 * Design note: versions and acknowledged state across Redis failures.
 *
 * The parts: RedisFormat (what Redis holds, and the Lua scripts), NodeView (the node's view and
 * its ordering), Readiness (when the node may write), Replication (recovery rounds and incoming
 * messages), Writes (the asynchronous write loop), Expiry (removal of expired sessions),
 * RedisLink (the two Lettuce connections). Each opens with what it guards and from which threads.
 *
 * Concurrency: three kinds of thread touch a store. Callers apply and read; Lettuce's I/O thread
 * delivers messages and completes the steps of every write; the store's one background thread
 * runs recoveries, rebuild waits and expiry, one at a time. The only shared state is the view
 * (its own monitor), readiness (its own monitor) and counters (atomics); no lock is held across
 * a call into Redis or into a subscriber.
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
 * Keeps a node's view equal to Redis and Redis at least as new as the view (rules 2 and 2b of the
 * store): one recovery round after every loss, run on the store's background thread, and the
 * messages of the updates channel, on Lettuce's thread. See {@link Readiness} for when a round runs
 * and {@link RedisSessionStore}'s design note for why in this order.
 */
final class Replication implements RedisLink.Events {

  private static final Logger logger = System.getLogger(RedisSessionStore.class.getName());
  static final int RECONCILE_CHUNK = 200; // Sessions per script call.

  private final NodeView view;
  private final Keys keys;
  private final long rebuildWindowMillis;
  private final String redisUri;
  final Counters counters;
  // Set once by attach(). An event before it (a drop while the store is being built) is ignored:
  // the build itself waits for a first recovery, which the subscription starts.
  private volatile RedisLink link;
  private volatile Readiness readiness;

  Replication(
      NodeView view, Keys keys, long rebuildWindowMillis, String redisUri, Counters counters) {
    this.view = view;
    this.keys = keys;
    this.rebuildWindowMillis = rebuildWindowMillis;
    this.redisUri = redisUri;
    this.counters = counters;
  }

  /** Completes the wiring: the link exists only once it has this as its events. */
  void attach(RedisLink link, Readiness readiness) {
    this.link = link;
    this.readiness = readiness;
  }

  @Override
  public void disconnected(boolean subscription) {
    if (readiness == null) {
      return;
    }
    if (subscription) {
      readiness.subscribed(false);
    }
    lost("the connection dropped");
  }

  @Override
  public void reconnected() {
    if (readiness != null) {
      readiness.scheduleRecovery(); // Waits for the subscription too.
    }
  }

  @Override
  public void subscribed() {
    if (readiness != null) {
      readiness.subscribed(true);
    }
  }

  /** Marks the node not ready after a loss, and logs it once per loss of a ready node. */
  void lost(String why) {
    if (readiness != null && readiness.lost()) {
      counters.disconnects.incrementAndGet();
      logger.log(
          Level.WARNING,
          "Redis at {0}: {1}; serving this node''s clients from its last"
              + " view, changes are refused until it answers and this node has reconciled",
          redisUri,
          why);
    }
  }

  /**
   * One recovery round: once subscribed, PING, reconcile, reread the hash, then mark the node ready
   * unless a loss came meanwhile. On failure, the next round backs off.
   */
  void recover() {
    long token = readiness.beginRecovery();
    if (token < 0) {
      return;
    }
    try {
      link.sync.ping();
      reconcile();
      link.sync
          .hgetall(keys.hash())
          .forEach((id, value) -> view.deliver(id, RedisFormat.decode(value)));
      long rounds = counters.resyncs.incrementAndGet();
      if (readiness.endRecovery(token) && rounds > 1) {
        logger.log(
            Level.INFO, "Redis at {0}: reconciled and resynced; changes accepted again", redisUri);
      }
    } catch (RedisException | IllegalStateException e) {
      logger.log(Level.DEBUG, () -> "recovery interrupted (" + Writes.rootMessage(e) + ")");
      readiness.recoveryFailed();
    }
  }

  /**
   * Writes back, through RECONCILE, every entry of the view that Redis lacks or holds older, after
   * raising the counter above every version the node knows; starts the rebuild window if Redis went
   * back.
   */
  void reconcile() {
    long maxKnown = view.maxVersion();
    List<Map.Entry<String, Entry>> entries = view.entries();
    long written = 0;
    for (String[] args :
        reconcileArguments(entries, maxKnown, keys.channel(), rebuildWindowMillis)) {
      List<?> reply =
          (List<?>)
              link.eval(
                  RedisFormat.RECONCILE,
                  ScriptOutputType.MULTI,
                  new String[] {keys.hash(), keys.counter(), keys.rebuilding()},
                  args);
      written += ((Number) reply.get(0)).longValue();
      readiness.rebuilding(((Number) reply.get(2)).longValue());
      if (((Number) reply.get(1)).longValue() == 1) {
        counters.rebuilds.incrementAndGet();
        logger.log(
            Level.WARNING,
            "Redis at {0} went back (its version counter is below v{1}, which this node has seen):"
                + " it lost data; changes pause for {2} ms while the nodes write back what they"
                + " hold",
            redisUri,
            maxKnown,
            rebuildWindowMillis);
      }
    }
    counters.reseeded.addAndGet(written);
    if (written > 0) {
      logger.log(
          Level.WARNING,
          "Redis at {0} lacked {1} sessions or held them older; this node" + " wrote them back",
          redisUri,
          written);
    }
  }

  /**
   * The RECONCILE calls for {@code entries}: at least one (it also raises the counter), each with
   * at most {@link #RECONCILE_CHUNK} sessions.
   */
  static List<String[]> reconcileArguments(
      List<Map.Entry<String, Entry>> entries,
      long maxKnown,
      String channel,
      long rebuildWindowMillis) {
    List<String[]> calls = new ArrayList<>();
    for (int from = 0; from < Math.max(1, entries.size()); from += RECONCILE_CHUNK) {
      List<String> args = new ArrayList<>();
      args.add(Long.toString(maxKnown));
      args.add(channel);
      args.add(Long.toString(rebuildWindowMillis));
      for (Map.Entry<String, Entry> e :
          entries.subList(from, Math.min(entries.size(), from + RECONCILE_CHUNK))) {
        Entry entry = e.getValue();
        args.add(e.getKey());
        args.add(Long.toString(entry.version()));
        args.add(Long.toString(entry.writtenAt()));
        args.add(entry.changeId());
        args.add(entry.isTombstone() ? "" : RedisFormat.json(entry.state()));
      }
      calls.add(args.toArray(String[]::new));
    }
    return calls;
  }

  /** One message of the updates channel: into the view if newer. */
  @Override
  public void message(String message) {
    counters.received.incrementAndGet();
    try {
      String id = RedisFormat.messageId(message);
      if (id == null) {
        throw new IllegalStateException("no session id");
      }
      view.deliver(id, RedisFormat.messageEntry(message));
    } catch (RuntimeException e) {
      logger.log(Level.WARNING, "ignoring a malformed message on " + keys.channel(), e);
    }
  }
}
