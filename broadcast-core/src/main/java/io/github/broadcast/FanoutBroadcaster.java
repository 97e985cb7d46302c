package io.github.broadcast;

import static java.util.Objects.requireNonNull;

import io.github.broadcast.internal.Checks;
import java.lang.System.Logger.Level;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/*
 * Design note: registration and the publish order.
 *
 * The registry lock is the sequence point of the whole broadcaster. Under it, a publish checks
 * its updates against the view (the latest published update per session), applies them, and
 * offers the one encoded frame to every outbox; a registration encodes the view as initial_state
 * and adds the new outbox. So every outbox sees broadcasts in one global order, and a new client
 * gets exactly the broadcasts after its snapshot: no gap, no duplicate (proven by
 * ConcurrencyStressTest and BroadcasterPropertyTest).
 *
 * The view moves only together with a frame that every outbox is offered: a frame that must be
 * encoded under the lock (some update proved stale, or a client registered after the unlocked
 * check) is encoded before the view is applied, so a codec failure leaves the view, the clients
 * and later snapshots in agreement (issue 19, F3). An update the codec cannot encode is counted
 * as a fault and discarded; the others of its batch are delivered one by one.
 *
 * Nothing is sent, closed or pinged under any lock: offering only queues, and the publisher
 * drains the outboxes after releasing the lock. The sequential strategy waits for each client in
 * turn without a lock, so concurrent sequential publishers interleave as concurrent callers of
 * the original loop would; their order is still the registry's.
 *
 * Faults: a codec, listener or client that throws is contained (counted in BroadcastStats.faults
 * and logged at most once a second) and affects only the client concerned; see Outbox.
 *
 * The view keeps tombstones for a while (the newest MAX_TOMBSTONES), so that a late update from
 * before a session's removal cannot bring the session back.
 *
 * Why one engine for sequential, concurrent and backpressure: they differ only in how long the
 * publisher waits (sequential: for each client in turn) and how much an outbox may hold
 * (concurrent: unbounded; backpressure: OutboxLimits). Registration, ordering, timeouts and
 * convergence are then written, and tested, once.
 */
/**
 * The delivery engine behind every strategy: a registry of client outboxes, the view used for
 * {@code initial_state} and resyncs, and the scheduler's sweep for timeouts and heartbeats; see the
 * design note at the top of this file.
 *
 * <p>Threads: every public method may be called from any thread. {@code lock} guards the view and
 * the registry; outboxes guard themselves; {@code outboxes} is a copy-on-write array, published
 * through a volatile field for the sweep and the stats.
 */
final class FanoutBroadcaster implements Broadcaster, Outbox.Host {

  private static final System.Logger logger = System.getLogger(Broadcaster.class.getName());
  private static final Outbox[] NO_OUTBOXES = {};
  static final int MAX_TOMBSTONES = 10_000;
  private static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

  final MessageCodec codec;
  private final JsonCodec json; // The codec, if it is the JSON one (epochs, resumes, patches).
  // This view's identity in resume points: random, so a client's point from another broadcaster
  // (another node, or this one before a restart) never matches it.
  final String epoch = newEpoch();
  final Ticker ticker;
  final StatsRecorder stats = new StatsRecorder();
  private final Outbox.Settings settings;
  private final FrameBudget budget;
  private final AtomicBoolean releaseScheduled = new AtomicBoolean();
  private final long slowBroadcastNanos;
  private final boolean sequential;
  private final BroadcastListener listener;
  private final Scheduler scheduler;
  private final Duration sweepInterval;
  private final Runnable onClose;
  private final LogGate slowLog;
  private final LogGate faultLog;

  private final Object lock = new Object();
  // The topic of a session's live update, or null when sessions are not sorted into topics.
  private final Function<SessionUpdate, String> topicOf;
  // Guarded by lock: the latest update per session, in the order of their changes.
  private final View view;
  // Guarded by lock: the clients of every topic, and the scopes of the others, by their topics,
  // indexed by each name for the scopes of named topics, listed for those of globs; a scope is
  // dropped with its last client. See Scope.
  private final Scope all = new Scope(Topics.all());
  private final HashMap<Topics, Scope> scopes = new HashMap<>();
  private final HashMap<String, List<Scope>> scopesByName = new HashMap<>();
  private final List<Scope> globScopes = new ArrayList<>();
  private final TreeMap<String, Integer> subscribers = new TreeMap<>();
  private long publishes; // Guarded by lock: stamps each publish, for the scopes' broadcasts.
  // Guarded by lock: initial_state of the view, encoded on demand; null after any change.
  private Frame snapshot;
  // Guarded by lock.
  private boolean closed;
  // Guarded by lock.
  private Future<?> sweepTask;
  // Sweep thread only: when the budget's controller last looked at the load.
  private long budgetAdjustedNanos;
  // Written under lock, read anywhere.
  private final Map<Client, Outbox> byClient = new ConcurrentHashMap<>();
  // Written under lock, read anywhere: copy-on-write, in registration order.
  private volatile Outbox[] outboxes = NO_OUTBOXES;

  FanoutBroadcaster(Broadcasters.Builder builder, Scheduler scheduler, Runnable onClose) {
    this.codec = builder.codec;
    this.json = codec instanceof JsonCodec ? (JsonCodec) codec : null;
    this.topicOf = builder.topicOf;
    this.view = new View(MAX_TOMBSTONES, 4096, topicOf != null);
    this.ticker = builder.ticker;
    this.settings =
        new Outbox.Settings(
            builder.ticker,
            builder.outboxLimits,
            builder.overflowPolicy,
            builder.sendTimeout.toNanos(),
            builder.pingInterval == null ? 0 : builder.pingInterval.toNanos(),
            builder.silenceTimeout == null ? 0 : builder.silenceTimeout.toNanos(),
            builder.paced);
    this.budget = new FrameBudget(builder.cpuLoad);
    this.slowBroadcastNanos = builder.slowBroadcastThreshold.toNanos();
    this.sequential = builder.sequential;
    this.listener = builder.listener;
    this.scheduler = scheduler;
    this.onClose = onClose;
    this.sweepInterval = sweepInterval(builder);
    this.slowLog = new LogGate(LOG_INTERVAL_NANOS, ticker.read());
    this.faultLog = new LogGate(LOG_INTERVAL_NANOS, ticker.read());
    this.budgetAdjustedNanos = ticker.read();
    synchronized (lock) {
      scheduleSweepLocked();
    }
  }

  /** A quarter of the shortest deadline, between 1 ms and 1 s. */
  static Duration sweepInterval(Broadcasters.Builder builder) {
    Duration shortest = builder.sendTimeout;
    for (Duration d :
        Arrays.asList(builder.outboxLimits.grace(), builder.pingInterval, builder.silenceTimeout)) {
      if (d != null && d.compareTo(shortest) < 0) {
        shortest = d;
      }
    }
    Duration quarter = shortest.dividedBy(4);
    if (quarter.compareTo(Duration.ofMillis(1)) < 0) {
      return Duration.ofMillis(1);
    }
    return quarter.compareTo(Duration.ofSeconds(1)) > 0 ? Duration.ofSeconds(1) : quarter;
  }

  @Override
  public void register(Client client) {
    requireNonNull(client, "client");
    // Asked outside every lock.
    boolean sendsThenPings = client.canSendThenPing();
    boolean patches = json != null && client.receivesPatches();
    ResumePoint resume = json == null ? null : client.resumeFrom();
    Topics topics = client.topics();
    if (topics == null) {
      topics = Topics.all();
    }
    Outbox outbox;
    CodecFailure failure = null;
    boolean resumed = false;
    synchronized (lock) {
      Checks.requireState(!closed, "broadcaster is closed; cannot register %s", client.id());
      if (byClient.containsKey(client)) {
        throw new IllegalArgumentException("client " + client.id() + " is already registered");
      }
      Scope scope = scopes.getOrDefault(topics, topics.isAll() ? all : new Scope(topics));
      Frame initialState = null;
      try {
        initialState = resume == null ? null : resumedStateLocked(resume, client, scope);
        resumed = initialState != null;
        if (initialState == null) {
          initialState = snapshotLocked(scope);
        }
      } catch (CodecFailure e) {
        failure = e;
      }
      outbox =
          new Outbox(this, settings, client, sendsThenPings, patches, initialState, ticker.read());
      if (failure == null) {
        joinLocked(outbox, scope);
        byClient.put(client, outbox);
        Outbox[] current = outboxes;
        Outbox[] grown = Arrays.copyOf(current, current.length + 1);
        grown[current.length] = outbox;
        outboxes = grown;
      }
    }
    if (failure != null) {
      fault("encoding initial_state", client, failure.getCause());
      outbox.close(CloseReason.INTERNAL_ERROR); // Never registered: closes the client only.
      return;
    }
    if (resumed) {
      stats.resumed();
    }
    outbox.drain();
  }

  /**
   * Returns what changed after {@code resume} as a resumed {@code initial_state}, or null if this
   * view cannot prove it (another epoch, a version it cannot place, a removal since forgotten), if
   * it would be no smaller than the whole view (a client away long enough, or many removals since:
   * the whole view is encoded once for all and is always right), or if it cannot be encoded (a
   * fault, counted and logged; the whole view is sent instead).
   */
  private Frame resumedStateLocked(ResumePoint resume, Client client, Scope scope) {
    if (!resume.epoch().equals(epochOf(scope)) || resume.version() == 0) {
      return null;
    }
    long cursor = view.resumeCursor(resume.version());
    if (cursor < 0) {
      return null;
    }
    List<View.Entry> changed = view.changedSince(cursor);
    if (changed.size() > 4L * view.liveCount() + 64) {
      return null; // Far more changes than sessions: not worth encoding to compare.
    }
    // The cursor is one the client is surely past, not where it is: project conservatively.
    changed = View.project(changed, cursor, scope.topics, /* atLeast= */ true);
    if (changed == null) {
      return null; // A topic history cut short: the whole view of its topics.
    }
    Frame resumed;
    stats.encoded();
    try {
      resumed = json.resumedState(View.updates(changed), epochOf(scope), resume.version());
    } catch (RuntimeException e) {
      fault("encoding a resume (the whole view sent instead)", client, e);
      return null;
    }
    return resumed.bytes() < snapshotLocked(scope).bytes() ? resumed : null;
  }

  /**
   * The epoch {@code scope}'s initial_state carries: this view's, followed, for clients of some
   * topics only, by a digest of them. A client resumes with the epoch of the latest initial_state
   * it applied, so one that asked for other topics since (and reconnected before their
   * initial_state came) presents an epoch that does not match its new topics, and is sent their
   * whole view: what it holds is of other topics.
   */
  private String epochOf(Scope scope) {
    if (scope == all) {
      return epoch;
    }
    if (scope.epoch == null) {
      scope.epoch = epoch + "t" + Topics.digest(scope.topics);
    }
    return scope.epoch;
  }

  /** A random epoch: 64 bits, in base 36. */
  private static String newEpoch() {
    return Long.toString(new SecureRandom().nextLong() >>> 1, Character.MAX_RADIX);
  }

  @Override
  public void unregister(Client client) {
    Outbox outbox = byClient.get(requireNonNull(client, "client"));
    if (outbox != null) {
      outbox.close(/* reason= */ null);
    }
  }

  /** Removes a closed outbox from the registry; called by the outbox, outside its monitor. */
  @Override
  public void remove(Outbox outbox) {
    synchronized (lock) {
      if (byClient.remove(outbox.client, outbox)) {
        leaveLocked(outbox);
        Outbox[] current = outboxes;
        Outbox[] shrunk = new Outbox[current.length - 1];
        int i = 0;
        for (Outbox o : current) {
          if (o != outbox) {
            shrunk[i++] = o;
          }
        }
        outboxes = shrunk;
      }
    }
  }

  @Override
  public void publish(SessionUpdate update) {
    requireNonNull(update, "update");
    if (!deliver(List.of(update), ticker.read(), /* batch= */ false)) {
      throw new IllegalStateException("broadcaster is closed; cannot publish " + update);
    }
    stats.published(1);
  }

  /**
   * Delivers {@code updates} (at most one per session) as one frame: a {@code batch_update} if
   * {@code batch}, else one {@code session_update}. {@code originNanos} is when the oldest of them
   * was accepted, for the latency figures. Returns false, delivering nothing, if this broadcaster
   * is closed. An update the codec cannot encode is counted as a fault and discarded; the others
   * are delivered one by one.
   */
  boolean deliver(List<SessionUpdate> updates, long originNanos, boolean batch) {
    return deliver(updates, originNanos, batch, null);
  }

  /**
   * As {@link #deliver(List, long, boolean)}, counting on {@code handover} (if non-null) each
   * outbox that takes the frame straight to its socket; see {@link Handover}.
   */
  boolean deliver(List<SessionUpdate> updates, long originNanos, boolean batch, Handover handover) {
    Outbox[] targets;
    try {
      targets = offer(updates, originNanos, batch, handover);
    } catch (CodecFailure e) {
      if (updates.size() == 1) {
        fault("encoding " + updates.get(0) + " (discarded)", null, e.getCause());
        return true;
      }
      fault(
          "encoding a batch of " + updates.size() + " (delivered one by one)", null, e.getCause());
      for (SessionUpdate update : updates) {
        deliver(List.of(update), originNanos, batch, handover);
      }
      return true;
    }
    if (targets == null) {
      return false;
    }
    for (Outbox outbox : targets) {
      if (outbox == null) {
        break; // The end of those that took it.
      }
      outbox.drain(); // Never throws; no lock is held.
      if (sequential) {
        awaitIdle(outbox);
      }
    }
    return true;
  }

  /**
   * Checks, encodes, applies and queues the updates under the lock; returns the outboxes to drain
   * (those it changed, up to the first null), or null if closed. An outbox that keeps a cursor is
   * passed by without its monitor: a busy client costs the publisher one read.
   *
   * @throws CodecFailure if the frame cannot be encoded; then nothing changed
   */
  private Outbox[] offer(
      List<SessionUpdate> updates, long originNanos, boolean batch, Handover handover) {
    if (updates.isEmpty()) {
      return NO_OUTBOXES;
    }
    // Encoded before taking the lock, so publishers do not wait on each other's encoding; if
    // some update proves stale under the lock, the rest is encoded again (rare). With no client
    // of every topic there is nothing to encode for here (the view still moves): encoded under
    // the lock only if one registered meanwhile. Not when every such client takes patches: nobody
    // would read it. (The counts are read without the lock: a wrong guess costs one encoding.)
    Frame frame = all.hasWholeClients() ? encode(updates, batch) : null;
    Broadcast broadcast = null;
    List<Broadcast> scoped = List.of();
    Outbox[] targets;
    Outbox[] changed;
    long stamp;
    synchronized (lock) {
      if (closed) {
        return null;
      }
      List<SessionUpdate> fresh = updates;
      for (SessionUpdate update : updates) {
        if (!update.isNewerThan(view.get(update.sessionId()))) {
          fresh = freshLocked(updates);
          break;
        }
      }
      if (fresh.size() != updates.size()) {
        stats.stale(updates.size() - fresh.size());
        if (fresh.isEmpty()) {
          return NO_OUTBOXES;
        }
        frame = null;
      }
      targets = outboxes;
      List<View.Entry> entries = prepareLocked(fresh, originNanos);
      long now = ticker.read();
      // Encoded before the view moves, so that a failure changes nothing: for the clients of
      // every topic, the whole frame if one takes it, the patches if one takes them (or the whole
      // frame instead, should they fail); then once per scope its publish concerns.
      if (all.outboxes > 0) {
        broadcast =
            broadcastLocked(
                all, entries, fresh, frame, batch, originNanos, now, handover, entries.get(0).seq);
      }
      stamp = ++publishes;
      if (!scopes.isEmpty()) {
        scoped = scopedBroadcastsLocked(entries, batch, originNanos, now, handover, stamp);
      }
      applyLocked(entries);
      changed = new Outbox[targets.length];
      int n = 0;
      for (Outbox outbox : targets) {
        if (outbox.passesBy()) {
          continue;
        }
        Broadcast its = outbox.scope == all ? broadcast : outbox.scope.broadcastOf(stamp);
        if (its == null) {
          continue; // Nothing of its topics.
        }
        int result = outbox.enqueue(its, now);
        if (result == Outbox.QUEUED) {
          its.queued();
        }
        if (result != Outbox.PASSED) {
          changed[n++] = outbox;
        }
      }
    }
    if (broadcast != null && broadcast.offered()) {
      broadcastDone(broadcast, ticker.read(), /* slowestClientId= */ null);
    }
    for (Broadcast its : scoped) {
      if (its.offered()) {
        broadcastDone(its, ticker.read(), /* slowestClientId= */ null);
      }
    }
    return changed;
  }

  /**
   * Projects and encodes the prepared {@code entries} for each scope of some topics they concern (a
   * session's topic, or the one it leaves): once per scope, whatever its client count. Returns the
   * broadcasts made, each recorded on its scope under {@code stamp}; a scope concerned by none of
   * them is not even looked at, so a topic nobody watches costs nothing.
   */
  private List<Broadcast> scopedBroadcastsLocked(
      List<View.Entry> entries,
      boolean batch,
      long originNanos,
      long now,
      Handover handover,
      long stamp) {
    List<Broadcast> made = new ArrayList<>(2);
    long firstSeq = entries.get(0).seq;
    for (Scope scope : globScopes) {
      considerLocked(scope, entries, batch, originNanos, now, handover, stamp, made);
    }
    for (View.Entry entry : entries) {
      for (String topic : new String[] {entry.topic, entry.previousTopic()}) {
        List<Scope> named = topic == null ? null : scopesByName.get(topic);
        if (named != null) {
          for (Scope scope : named) {
            considerLocked(scope, entries, batch, originNanos, now, handover, stamp, made);
          }
        }
      }
    }
    assert made.stream().allMatch(b -> b.firstSeq == firstSeq);
    return made;
  }

  private void considerLocked(
      Scope scope,
      List<View.Entry> entries,
      boolean batch,
      long originNanos,
      long now,
      Handover handover,
      long stamp,
      List<Broadcast> made) {
    if (scope.considered(stamp)) {
      return;
    }
    long cursor = entries.get(0).seq - 1; // Its clients hold everything before this publish.
    List<View.Entry> projected = View.project(entries, cursor, scope.topics, /* atLeast= */ false);
    if (projected == null) {
      // Cannot happen: the newest topic changes are always kept, and they tell where a session
      // was just before its latest change.
      throw new IllegalStateException("no topic history at " + cursor + " for " + scope);
    }
    Broadcast broadcast = null;
    if (!projected.isEmpty()) {
      broadcast =
          broadcastLocked(
              scope,
              projected,
              View.updates(projected),
              null,
              batch,
              originNanos,
              now,
              handover,
              entries.get(0).seq);
      made.add(broadcast);
    }
    scope.broadcast(stamp, broadcast);
  }

  /**
   * The broadcast of prepared {@code entries} (their {@code updates}) for {@code scope}'s clients,
   * expecting one reference per client: the whole frame ({@code whole} if already encoded) if one
   * takes it, the patches if one takes them, or the whole frame instead, should they fail. {@code
   * firstSeq} is the position of the publish's first entry: its clients hold all before it.
   */
  private Broadcast broadcastLocked(
      Scope scope,
      List<View.Entry> entries,
      List<SessionUpdate> updates,
      Frame whole,
      boolean batch,
      long originNanos,
      long now,
      Handover handover,
      long firstSeq) {
    if (whole == null && scope.hasWholeClients()) {
      whole = encode(updates, batch);
    }
    Frame patches = scope.patchOutboxes == 0 ? null : patchedLocked(entries, batch, whole);
    if (whole == null && patches == null) {
      whole = encode(updates, batch);
    }
    Broadcast broadcast =
        new Broadcast(whole, patches, updates, batch, originNanos, now, handover, firstSeq);
    broadcast.expect(scope.outboxes);
    return broadcast;
  }

  private List<SessionUpdate> freshLocked(List<SessionUpdate> updates) {
    List<SessionUpdate> fresh = new ArrayList<>(updates.size());
    for (SessionUpdate update : updates) {
      if (update.isNewerThan(view.get(update.sessionId()))) {
        fresh.add(update);
      }
    }
    return fresh;
  }

  /** The entries {@code fresh} will be in the view, in order, before any is applied. */
  private List<View.Entry> prepareLocked(List<SessionUpdate> fresh, long originNanos) {
    assert fresh.stream().map(SessionUpdate::sessionId).distinct().count() == fresh.size()
        : "one update per session: " + fresh;
    List<View.Entry> entries = new ArrayList<>(fresh.size());
    for (int i = 0; i < fresh.size(); i++) {
      SessionUpdate update = fresh.get(i);
      entries.add(view.prepare(update, originNanos, i, topicOf(update)));
    }
    return entries;
  }

  /**
   * The topic of a live update, or null: for a removal (it keeps its session's), without a topic
   * function, or when the function fails (a fault, counted and logged; the session is then in no
   * topic, seen by clients of every topic only).
   */
  private String topicOf(SessionUpdate update) {
    if (topicOf == null || update.isTombstone()) {
      return null;
    }
    try {
      return topicOf.apply(update);
    } catch (RuntimeException e) {
      fault("the topic function, for " + update.sessionId() + " (in no topic)", null, e);
      return null;
    }
  }

  /** Applies the prepared entries to the view, in order. */
  private void applyLocked(List<View.Entry> entries) {
    for (View.Entry entry : entries) {
      view.apply(entry);
    }
    snapshot = null;
  }

  /**
   * The broadcast for the clients that take patches, encoded once for all of them, from entries
   * prepared but not yet applied; or null, so that they are sent the whole states, if it cannot be
   * encoded (a fault, counted and logged).
   */
  private Frame patchedLocked(List<View.Entry> entries, boolean batch, Frame whole) {
    if (whole != null && entries.stream().allMatch(entry -> entry.base == null)) {
      return whole; // Nothing to patch (new sessions, removals): the same bytes, encoded once.
    }
    stats.encoded();
    try {
      return json.patchedBroadcast(entries, batch);
    } catch (RuntimeException e) {
      fault("encoding patches (whole states sent instead)", null, e);
      return null;
    }
  }

  /** Adds {@code outbox} to {@code scope}, and the scope to the registry if it is new. */
  private void joinLocked(Outbox outbox, Scope scope) {
    if (scope != all && scope.outboxes == 0) {
      scopes.put(scope.topics, scope);
      if (scope.topics.globs().isEmpty()) {
        for (String name : scope.topics.names()) {
          scopesByName.computeIfAbsent(name, n -> new ArrayList<>(1)).add(scope);
        }
      } else {
        globScopes.add(scope);
      }
    }
    scope.add(outbox.patches);
    outbox.scope = scope;
    for (String key : scope.topics.keys()) {
      subscribers.merge(key, 1, Integer::sum);
    }
  }

  /**
   * Takes {@code outbox} out of its scope, and the scope out of the registry if it was the last.
   */
  private void leaveLocked(Outbox outbox) {
    Scope scope = outbox.scope;
    scope.remove(outbox.patches);
    for (String key : scope.topics.keys()) {
      subscribers.computeIfPresent(key, (k, n) -> n == 1 ? null : n - 1);
    }
    if (scope != all && scope.outboxes == 0) {
      scopes.remove(scope.topics);
      if (!globScopes.remove(scope)) {
        for (String name : scope.topics.names()) {
          List<Scope> named = scopesByName.get(name);
          named.remove(scope);
          if (named.isEmpty()) {
            scopesByName.remove(name);
          }
        }
      }
    }
  }

  @Override
  public void subscribe(Client client, Topics topics) {
    requireNonNull(client, "client");
    requireNonNull(topics, "topics");
    Outbox outbox = byClient.get(client);
    if (outbox == null) {
      return;
    }
    boolean failed = false;
    synchronized (lock) {
      if (closed || byClient.get(client) != outbox) {
        return;
      }
      Scope scope = scopes.getOrDefault(topics, topics.isAll() ? all : new Scope(topics));
      try {
        Frame snapshot = snapshotLocked(scope);
        leaveLocked(outbox);
        joinLocked(outbox, scope);
        outbox.resubscribed(snapshot);
      } catch (CodecFailure e) {
        fault("encoding initial_state for new topics", client, e.getCause());
        failed = true;
      }
    }
    if (failed) {
      outbox.close(CloseReason.INTERNAL_ERROR);
      return;
    }
    outbox.drain();
  }

  @Override
  public Map<String, Integer> subscribers() {
    synchronized (lock) {
      return Collections.unmodifiableMap(new TreeMap<>(subscribers));
    }
  }

  /** Returns the view as initial_state for {@code scope}, encoded once per change of the view. */
  private Frame snapshotLocked(Scope scope) {
    if (scope == all) {
      return snapshotLocked();
    }
    Frame frame = scope.snapshotAt(view.head());
    if (frame == null) {
      stats.encoded();
      try {
        View.Updates live = View.updates(view.live(scope.topics));
        frame = json != null ? json.initialState(live, epochOf(scope)) : codec.initialState(live);
      } catch (RuntimeException e) {
        throw new CodecFailure(e);
      }
      scope.snapshot(view.head(), frame);
    }
    return frame;
  }

  /** Returns the view as initial_state, encoded once per change of the view. */
  private Frame snapshotLocked() {
    if (snapshot == null) {
      stats.encoded();
      try {
        View.Updates live = View.updates(view.live());
        snapshot = json != null ? json.initialState(live, epoch) : codec.initialState(live);
      } catch (RuntimeException e) {
        throw new CodecFailure(e);
      }
    }
    return snapshot;
  }

  /**
   * Gives {@code outbox} the resync snapshot it owes, taken at this point of the order. Returns
   * false if the snapshot cannot be encoded (the fault is counted and logged).
   */
  @Override
  public boolean installResync(Outbox outbox) {
    boolean installed;
    synchronized (lock) {
      try {
        installed = outbox.installResync(snapshotLocked(outbox.scope));
      } catch (CodecFailure e) {
        fault("encoding a resync", outbox.client, e.getCause());
        return false;
      }
    }
    if (installed) {
      stats.resynced();
    }
    return true;
  }

  /**
   * Takes what {@code outbox} is owed after its cursor, at this point of the publish order: the
   * latest update of every session that changed since, tombstones included. A cursor from before a
   * dropped tombstone is owed a resync instead (returns null; the outbox's next step installs it).
   */
  @Override
  public View.Updates takeCatchUp(Outbox outbox) {
    synchronized (lock) {
      long cursor = outbox.owedCursor();
      if (!Outbox.owes(cursor)) {
        return null;
      }
      if (!view.remembers(cursor)) {
        outbox.cursorForgotten(view.head() - cursor);
        return null;
      }
      List<View.Entry> changed = view.changedSince(cursor);
      Topics topics = outbox.scope.topics;
      List<View.Entry> projected = View.project(changed, cursor, topics, /* atLeast= */ false);
      if (projected == null) {
        outbox.cursorForgotten(0); // A topic history cut short: a snapshot of its topics.
        return null;
      }
      // Updates of other topics are not this client's to count as coalesced away.
      outbox.catchUpTaken(topics.isAll() ? view.head() - cursor - changed.size() : 0);
      if (projected.isEmpty()) {
        return null;
      }
      changed = projected;
      return outbox.patches ? View.patchableUpdates(changed, cursor) : View.updates(changed);
    }
  }

  /** Encodes one broadcast frame. */
  private Frame encode(List<SessionUpdate> updates, boolean batch) {
    stats.encoded();
    try {
      return batch ? codec.batchUpdate(updates) : codec.sessionUpdate(updates.get(0));
    } catch (RuntimeException e) {
      throw new CodecFailure(e);
    }
  }

  /**
   * Encodes one client's conflated catch-up, the only per-client encoding (after an overflow); null
   * if the codec failed (counted and logged).
   */
  @Override
  public Frame encodeCatchUp(Client client, List<SessionUpdate> latest) {
    stats.encoded();
    try {
      return codec.batchUpdate(latest);
    } catch (RuntimeException e) {
      fault("encoding a catch-up", client, e);
      return null;
    }
  }

  /** Encodes a pong; null if the codec failed (counted and logged). */
  @Override
  public Frame encodePong(Client client) {
    try {
      return codec.pong();
    } catch (RuntimeException e) {
      fault("encoding a pong", client, e);
      return null;
    }
  }

  private void awaitIdle(Outbox outbox) {
    try {
      // No timeout here: the sweep closes a client whose send passes the send timeout, and a
      // closed outbox is idle.
      outbox.whenIdle().toCompletableFuture().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException e) {
      throw new IllegalStateException("unreachable: the idle stage never fails", e);
    }
  }

  @Override
  public void onPing(Client client) {
    Outbox outbox = byClient.get(requireNonNull(client, "client"));
    if (outbox != null) {
      outbox.owePong(ticker.read());
      outbox.drain();
    }
  }

  @Override
  public void onPong(Client client) {
    Outbox outbox = byClient.get(requireNonNull(client, "client"));
    if (outbox != null && outbox.pong(ticker.read())) {
      outbox.drain(); // The pong reopened its window.
    }
  }

  @Override
  public boolean onAck(Client client, long framesApplied) {
    Outbox outbox = byClient.get(requireNonNull(client, "client"));
    if (outbox == null || !outbox.ack(framesApplied, ticker.read())) {
      return false;
    }
    outbox.drain(); // The ack reopened its window.
    return true;
  }

  @Override
  public void onMessage(Client client) {
    Outbox outbox = byClient.get(requireNonNull(client, "client"));
    if (outbox != null) {
      outbox.heard(ticker.read());
    }
  }

  @Override
  public BroadcastStats stats() {
    Outbox[] current = outboxes;
    long queued = 0;
    int behind = 0;
    for (Outbox outbox : current) {
      queued += outbox.queuedBytes();
      if (outbox.isBehind()) {
        behind++;
      }
    }
    return stats.snapshot(current.length, behind, queued);
  }

  /** Returns the version the view holds of each session; for tests (not a batch waiting). */
  Map<String, Long> viewVersions() {
    synchronized (lock) {
      return view.versions();
    }
  }

  /** Returns the bytes waiting for {@code client}, or -1 if it is not registered. */
  long queuedBytes(Client client) {
    Outbox outbox = byClient.get(client);
    return outbox == null ? -1 : outbox.queuedBytes();
  }

  /**
   * Returns what {@code client}'s outbox holds, or null if it is not registered; for tests (see
   * {@link Outbox#held()} for why a test cannot see it otherwise).
   */
  Outbox.Held held(Client client) {
    Outbox outbox = byClient.get(client);
    return outbox == null ? null : outbox.held();
  }

  /**
   * Returns whether the calling thread holds any lock of this engine; for tests, which call it from
   * inside a client's send, ping and close to prove that no call into a client happens under a
   * library lock. There is no test-side alternative: the locks are private, and {@link
   * Thread#holdsLock} answers only for the calling thread, inside the call.
   */
  boolean holdsAnyLock() {
    if (Thread.holdsLock(lock) || Thread.holdsLock(stats)) {
      return true;
    }
    for (Outbox outbox : outboxes) {
      if (Thread.holdsLock(outbox)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void close() {
    Outbox[] all;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      all = outboxes;
      if (sweepTask != null) {
        sweepTask.cancel(/* mayInterruptIfRunning= */ false);
      }
    }
    for (Outbox outbox : all) {
      outbox.close(CloseReason.SHUTDOWN);
    }
    try {
      onClose.run();
    } catch (RuntimeException e) {
      logger.log(Level.WARNING, "stopping the scheduler failed", e);
    }
  }

  private void scheduleSweepLocked() {
    if (closed) {
      return;
    }
    try {
      sweepTask = scheduler.schedule(this::sweep, sweepInterval);
    } catch (RejectedExecutionException e) {
      logger.log(Level.WARNING, "scheduler refused the sweep; timeouts and heartbeats stop", e);
    }
  }

  /** Closes clients past a deadline and sends due heartbeats; then schedules itself again. */
  private void sweep() {
    try {
      long now = ticker.read();
      adjustBudget(now);
      for (Outbox outbox : outboxes) {
        CloseReason reason = outbox.check(now);
        if (reason != null) {
          outbox.close(reason);
        }
      }
    } catch (RuntimeException e) {
      fault("the sweep (it runs again at the next interval)", null, e);
    } finally {
      synchronized (lock) {
        scheduleSweepLocked();
      }
    }
  }

  /**
   * Lets the budget's controller look at the load once a period (paced broadcasters only), and logs
   * when the budget starts or stops limiting.
   */
  private void adjustBudget(long now) {
    if (!settings.paced() || now - budgetAdjustedNanos < FrameBudget.PERIOD_NANOS) {
      return;
    }
    boolean wasLimited = budget.limited();
    budget.adjust(now - budgetAdjustedNanos, now, outboxes.length);
    budgetAdjustedNanos = now;
    if (budget.limited() != wasLimited) {
      logger.log(
          Level.INFO,
          () ->
              budget.limited()
                  ? "this server saturates the CPU: paced frames limited to "
                      + budget.limitPerSecond()
                      + " a second across "
                      + outboxes.length
                      + " clients, each taking its turn"
                  : "paced frames no longer limited");
    }
    if (!budget.limited() && budget.hasWaiting()) {
      budgetWaiting(); // Off again: let everyone waiting go.
    }
  }

  @Override
  public FrameBudget budget() {
    return budget;
  }

  /** Schedules the budget's release task, unless it is scheduled already. */
  @Override
  public void budgetWaiting() {
    if (!releaseScheduled.compareAndSet(false, true)) {
      return;
    }
    try {
      scheduler.schedule(this::releaseBudget, Duration.ofNanos(FrameBudget.RELEASE_NANOS));
    } catch (RejectedExecutionException e) {
      releaseScheduled.set(false); // Closing: the outboxes close too.
    }
  }

  /** Hands the tokens that accrued to the clients waiting for them, in turn. */
  private void releaseBudget() {
    releaseScheduled.set(false);
    try {
      budget.release(ticker.read());
    } catch (RuntimeException e) {
      fault("the budget's release (it runs again)", null, e);
    }
    if (budget.hasWaiting()) {
      budgetWaiting();
    }
  }

  /**
   * Called by whoever released a broadcast's last reference: the client that did, or null for the
   * publisher. Every slow broadcast reaches the listener; the log gets at most one warning per
   * second, counting the ones it left out, so a client that is slow for minutes cannot flood it.
   */
  @Override
  public void broadcastDone(Broadcast broadcast, long nowNanos, String slowestClientId) {
    long took = nowNanos - broadcast.startNanos;
    if (took <= slowBroadcastNanos || broadcast.clients() == 0) {
      return;
    }
    // The publisher releases last only when every client was done before it finished offering.
    String slowest = slowestClientId == null ? "(none)" : slowestClientId;
    try {
      listener.slowBroadcast(slowest, Duration.ofNanos(took), broadcast.clients());
    } catch (RuntimeException e) {
      fault("BroadcastListener.slowBroadcast", null, e);
    }
    long suppressed = slowLog.admit(nowNanos);
    if (suppressed == LogGate.SUPPRESSED) {
      return;
    }
    logger.log(
        Level.WARNING,
        () ->
            String.format(
                "broadcast of %d update(s), %d bytes, to %d client(s) took %.1f ms"
                    + " (threshold %.1f ms); slowest client: %s%s",
                broadcast.updates.size(),
                broadcast.frameFor(broadcast.frame == null).bytes(),
                broadcast.clients(),
                took / 1e6,
                slowBroadcastNanos / 1e6,
                slowest,
                LogGate.suffix(suppressed, "slow broadcasts")));
  }

  @Override
  public void clientClosed(Outbox outbox, CloseReason reason) {
    stats.closed(reason);
    if (reason != CloseReason.SHUTDOWN) {
      // Slow and silent clients are what an operator looks for; failed sends are routine.
      logger.log(
          reason.isSlowClient() || reason == CloseReason.UNRESPONSIVE ? Level.INFO : Level.DEBUG,
          () -> "closed client " + outbox.client.id() + ": " + reason + " (" + reason.code() + ")");
    }
    try {
      listener.clientClosed(outbox.client.id(), reason);
    } catch (RuntimeException e) {
      fault("BroadcastListener.clientClosed", outbox.client, e);
    }
  }

  /** Counts a completed send, and tells the listener how long an update took to reach it. */
  @Override
  public void sent(Outbox outbox, Frame frame, long latencyNanos) {
    stats.sent(frame, latencyNanos);
    if (latencyNanos >= 0) {
      try {
        listener.delivered(latencyNanos);
      } catch (RuntimeException e) {
        fault("BroadcastListener.delivered", outbox.client, e);
      }
    }
  }

  @Override
  public void updatesDropped(Client client, int updates) {
    stats.dropped(updates);
    try {
      listener.updatesDropped(client.id(), settings.policy(), updates);
    } catch (RuntimeException e) {
      fault("BroadcastListener.updatesDropped", client, e);
    }
  }

  @Override
  public void logSendFailure(Client client, Throwable error) {
    logger.log(Level.DEBUG, () -> "client " + client.id() + " failed: " + error);
  }

  /**
   * Counts a contained failure of a codec, listener or client, and logs it: at most one line a
   * second, with the number left out since the last.
   */
  @Override
  public void fault(String where, Client client, Throwable error) {
    stats.fault();
    long suppressed = faultLog.admit(ticker.read());
    if (suppressed == LogGate.SUPPRESSED) {
      return;
    }
    logger.log(
        Level.WARNING,
        "contained a failure in "
            + where
            + (client == null ? "" : " for client " + client.id())
            + "; only that client or update is affected"
            + LogGate.suffix(suppressed, "failures"),
        error);
  }

  /** A codec call failed; carries the codec's exception. Never leaves the engine. */
  private static final class CodecFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CodecFailure(RuntimeException cause) {
      super(cause);
    }
  }

  @Override
  public String toString() {
    return "FanoutBroadcaster["
        + (sequential ? "sequential" : "concurrent")
        + ", clients="
        + outboxes.length
        + ", limits="
        + settings.limits()
        + ", policy="
        + settings.policy()
        + ", sendTimeout="
        + TimeUnit.NANOSECONDS.toMillis(settings.sendTimeoutNanos())
        + "ms"
        + (settings.paced() ? ", paced" : "")
        + "]";
  }
}
