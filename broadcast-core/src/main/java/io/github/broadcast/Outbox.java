package io.github.broadcast;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;

/*
 * Design note: the per-client outbox.
 *
 * Concurrency:
 *   Every mutable field is guarded by this outbox's monitor. Three kinds of thread touch it: the
 *   publisher (enqueue, inside the registry lock), transport threads (send completions, pongs and
 *   acks) and the scheduler (check, for timeouts and heartbeats). None of them sends, closes,
 *   pings, completes a future or calls a listener while holding the monitor: each decides under
 *   the lock and acts after it (OkHttp's RealWebSocket does the same). No library lock is held
 *   across any call into the client, so a transport whose send completes inline may call straight
 *   back into the broadcaster (RecoveryTest.noSendClosePingUnderALibraryLock,
 *   BroadcasterPropertyTest). The lock order is registry lock, then outbox monitor, never the
 *   reverse; no codec call is made under the monitor.
 *
 *   One drainer at a time, by the `draining` flag: whoever finds new work calls drain(); if a
 *   drainer is already running, the call returns and the running drainer sees the work, because
 *   it re-checks for work under the monitor before it clears the flag (no lost wake-up). At most
 *   one send is in flight; the next starts from the previous one's completion, which calls
 *   drain() unless a drainer is running. A send that completes synchronously, inside
 *   client.send, finds the flag set and leaves the next send to the drainer's loop, so the
 *   stack never grows with the queue (a trampoline, as in Tyrus' TaskProcessor). The outbox is
 *   itself the completion callback, the send in flight is a few fields, and a send that completed
 *   at once is finished without a callback: a send allocates nothing here.
 *
 * Pacing (ClientClock):
 *   A send completes when the transport took the frame, not when the client read it. In a paced
 *   broadcaster each client's clock counts the data frames it was sent against those it proved it
 *   consumed (a pong answering a ping sent after them, or its own ack), and a data frame starts
 *   only while the client's window is open (OutboxTest, ClientClockTest). While it is closed, the
 *   client stops taking broadcasts and keeps a cursor instead (see "Coalescing"), and when a proof
 *   reopens the window it is sent everything that changed meanwhile as one catch-up: one frame
 *   per round trip, latest state per session. That is pacing, not an overflow: no update is
 *   counted as dropped and no listener hears of it. A client that is idle when a broadcast comes
 *   still takes the shared frame at once. A client whose transport has no pings, or one of an
 *   unpaced broadcaster, is paced by its send completions, by the rules below.
 *
 * Faults:
 *   Nothing that a codec, a listener or the client throws escapes drain() or leaves `draining`
 *   set, so no failure can wedge a client (RecoveryTest). A catch-up the codec cannot encode
 *   becomes an owed resync; a resync snapshot or a pong it cannot encode closes this client with
 *   INTERNAL_ERROR (1011); a send that throws counts as a failed send (SEND_FAILED). The engine
 *   counts each fault and logs at most one line a second. Other clients never notice.
 *
 * Coalescing (a cursor, not a copy):
 *   A client that stops taking broadcasts (its window closed, or its queue past a limit under
 *   CONFLATE) drops its queue and keeps one number, `owedSince`: the position in the publish order
 *   (View) up to which it holds or was sent everything. Later broadcasts pass it by at no cost.
 *   When it can take a frame again, the engine reads under the registry lock what changed after
 *   the cursor (View.changedSince: the latest update of each such session, tombstones included)
 *   and the drainer encodes that one catch-up outside every lock. The catch-up is exact whatever
 *   was published meanwhile, and a busy client holds no updates of its own: a thousand busy
 *   clients cost a thousand numbers, not a thousand maps. A cursor older than a dropped tombstone
 *   is sent a resync instead (View.remembers).
 *
 * Overflow:
 *   The queue is bounded by OutboxLimits (bytes and frames waiting; the frame in flight is the
 *   transport's). A frame offered to an idle outbox (nothing queued, owed, in flight or being
 *   drained, and its window open) is always taken, whatever its size: it goes to the socket at
 *   once and never waits. Otherwise a frame that would pass a limit triggers the policy: CONFLATE
 *   drops the queue for a cursor; DROP_AND_RESYNC drops the queue and remembers only that a
 *   snapshot is owed; DISCONNECT closes the client. Either way the bytes held for a client never
 *   pass maxBytes, whatever is published: what a cursor is owed is read at send time, never held.
 *   While a cursor or a resync is owed, new broadcasts are not queued; nothing queues behind a
 *   cursor, so its catch-up is always the newest thing this client is owed.
 *
 *   "Behind" runs from the moment a cursor or an owed resync is created (by an overflow, or by
 *   pacing) until it is consumed: the catch-up taken, or the resync snapshot installed. Either
 *   hands the client a state at least as new as the view, so the grace clock stops there, and the
 *   next one starts anew (RecoveryTest: the clock used to survive a resync). A client behind for
 *   longer than its grace period is closed by the scheduler's check; a client with nothing owed is
 *   never closed as too slow.
 *
 * Liveness:
 *   A heartbeat ping is owed like a pong and handed to the transport only when nothing of ours is
 *   in flight, ahead of queued updates; the client's time to answer counts from that moment. A
 *   client the server is behind on is therefore never closed as unresponsive for a silence the
 *   server caused (issue 15); its own pace is judged by the send timeout and the grace period.
 *   The rules live in ClientClock.
 *
 * The flush clock (self-clocked batching):
 *   A batch flush carries a Handover. An outbox that takes one of its frames straight to the
 *   socket (a ready client) counts itself on it and remembers the broadcast in `handingOver`; the
 *   count is released when that send completes or fails, when the frame is dropped from the queue
 *   by an overflow (through releaseLocked, released by the next drain, outside the monitor), or
 *   when the outbox closes. A busy client never counts, so it never holds the next flush back.
 *
 * Convergence:
 *   A catch-up holds, per session changed after the cursor, the newest update in the view, so
 *   sending it brings every session to its latest version. A resync snapshot is taken by the
 *   registry under its lock (see FanoutBroadcaster.installResync), at one point of the publish
 *   order: everything published before is in the snapshot, everything after is queued behind it.
 *   Control frames (initial_state, resync, pong) are kept outside the queue, are never dropped,
 *   and are sent before any queued update.
 */
/**
 * A client's bounded queue of broadcasts with at most one send in flight, drained from send
 * completions and paced by its {@link ClientClock}; see the design note at the top of this file.
 */
final class Outbox implements BiConsumer<Void, Throwable> {

  private static final long NOT_BEHIND = Long.MIN_VALUE;
  private static final long NO_ORIGIN = Long.MIN_VALUE;
  private static final long NOT_OWED = -1;

  /** {@link #enqueue} left this outbox as it was: nothing to drain. */
  static final int PASSED = 0;

  /** {@link #enqueue} queued the broadcast, and holds a reference to it: drain. */
  static final int QUEUED = 1;

  /** {@link #enqueue} did not queue it but changed what is owed (an overflow): drain. */
  static final int CHANGED = 2;

  /** What an outbox needs from its engine: where it reports, and the codec calls it makes. */
  interface Host {

    /** Counts and logs a contained failure of a codec, listener or client. */
    void fault(String where, Client client, Throwable error);

    /** Installs the resync {@code outbox} owes, taken at one point of the publish order. */
    boolean installResync(Outbox outbox);

    /** Encodes a pong; null if the codec failed (counted). */
    Frame encodePong(Client client);

    /**
     * Under the registry lock, takes what {@code outbox} is owed after its cursor: returns the
     * catch-up's updates, or null if it was closed, not owed, or given a resync snapshot instead.
     */
    View.Updates takeCatchUp(Outbox outbox);

    /** Encodes one client's coalesced catch-up; null if the codec failed (counted). */
    Frame encodeCatchUp(Client client, List<SessionUpdate> latest);

    /** A send completed; {@code latencyNanos} is negative for a frame with no update. */
    void sent(Outbox outbox, Frame frame, long latencyNanos);

    /** The last outbox holding {@code broadcast} released it. */
    void broadcastDone(Broadcast broadcast, long nowNanos, String clientId);

    /** An overflow policy dropped or coalesced away {@code updates} of this client's. */
    void updatesDropped(Client client, int updates);

    /** A send failed (the client is then closed). */
    void logSendFailure(Client client, Throwable error);

    /** The outbox closed its client for {@code reason}. */
    void clientClosed(Outbox outbox, CloseReason reason);

    /** The outbox closed: drop it from the registry. */
    void remove(Outbox outbox);

    /** The engine's guard on paced frames per second; see {@link FrameBudget}. */
    FrameBudget budget();

    /** An outbox waits for a token: release the waiting ones as tokens accrue. */
    void budgetWaiting();
  }

  /**
   * What every outbox of one engine shares: its clock, limits, policy and deadlines.
   *
   * @param paced whether clients that can prove consumption are paced by it ({@link ClientClock})
   */
  record Settings(
      Ticker ticker,
      OutboxLimits limits,
      OverflowPolicy policy,
      long sendTimeoutNanos,
      long pingIntervalNanos,
      long silenceNanos,
      boolean paced) {}

  final Client client;
  private final Host host;
  private final Settings settings;
  private final long graceNanos;
  private final boolean sendsThenPings; // The client writes a frame and its ping at once.
  final boolean patches; // The client takes patches: it is sent each broadcast's patch frame.
  // The client's topics, with the others of the same: written and read under the registry lock.
  Scope scope;

  // All fields below are guarded by this.
  private final ClientClock clock;
  private final ArrayDeque<Broadcast> queue = new ArrayDeque<>();
  private long queuedBytes;
  // The cursor: owed everything that changed after this position of the view; NOT_OWED if none.
  // Written under this monitor and, but when closing, under the registry lock too; read by the
  // publisher under the registry lock alone (passesBy), hence volatile.
  private volatile long owedSince = NOT_OWED;
  private volatile boolean resyncOwed; // Guarded by this for writes; read bare by isBehind.
  private Frame snapshot; // initial_state or a resync, waiting to be sent.
  private boolean pongOwed;
  // The send in flight: its frame (null when none), its broadcast (null for a frame of this
  // client's own: a snapshot, pong or catch-up), when its update was published, and whether it is
  // a data frame (everything but a pong).
  private Frame inFlight;
  private Broadcast inFlightBroadcast;
  private long inFlightOriginNanos;
  private long inFlightSinceNanos;
  private boolean inFlightData;
  private boolean inFlightThenPing; // Its ping goes in the same write.
  private long behindSinceNanos = NOT_BEHIND;
  private boolean waitingForBudget; // In the budget's line for a token.
  private boolean releaseOwed; // Tell the engine, outside the monitor, that it waits.
  private boolean draining;
  private CloseReason closeOwed;
  private boolean closed;
  private int dropsToReport;
  private List<Broadcast> finished; // Broadcasts this outbox released last, to report.
  private CompletableFuture<Void> idle;
  // A flush's frame that went straight to the socket, counted on its Handover until it is sent,
  // dropped or closed; and a dropped one's Handover, released by the next drain, outside the lock.
  private Broadcast handingOver;
  private Handover handoverDropped;

  /**
   * @param sendsThenPings what {@code client.canSendThenPing()} answered, asked outside every lock
   * @param patches whether the client takes patches (and the codec writes them)
   */
  Outbox(
      Host host,
      Settings settings,
      Client client,
      boolean sendsThenPings,
      boolean patches,
      Frame initialState,
      long nowNanos) {
    this.host = host;
    this.settings = settings;
    this.graceNanos = settings.limits().grace().toNanos();
    this.client = client;
    this.sendsThenPings = sendsThenPings;
    this.patches = patches;
    this.snapshot = initialState;
    ClientClock.Proof proof =
        !settings.paced()
            ? ClientClock.Proof.COMPLETION
            : client.acknowledges() ? ClientClock.Proof.ACK : ClientClock.Proof.PONG;
    this.clock =
        new ClientClock(proof, settings.pingIntervalNanos(), settings.silenceNanos(), nowNanos);
  }

  /**
   * Whether this outbox keeps a cursor, so that a broadcast passes it by: its catch-up will carry
   * what is latest of it. Read by the publisher under the registry lock without this monitor, so
   * that a thousand busy clients cost a thousand reads; a cursor is created and consumed only under
   * the registry lock, so the answer cannot change while the publisher holds it (closing may clear
   * it, and a closed outbox takes nothing anyway).
   */
  boolean passesBy() {
    return owedSince != NOT_OWED;
  }

  /**
   * Offers {@code broadcast}; returns {@link #QUEUED} if it was queued (and so holds a reference to
   * it), {@link #CHANGED} if what this client is owed changed without it, else {@link #PASSED}.
   * Called by the publisher inside the registry lock; never sends.
   */
  synchronized int enqueue(Broadcast broadcast, long nowNanos) {
    if (closed || closeOwed != null || owedSince != NOT_OWED) {
      return PASSED;
    }
    if (resyncOwed) {
      dropsToReport += broadcast.updates.size();
      return CHANGED; // The drain reports the drop.
    }
    OutboxLimits limits = settings.limits();
    long bytes = queuedBytes + broadcast.frameFor(patches).bytes();
    boolean fits = bytes <= limits.maxBytes() && queue.size() < limits.maxFrames();
    boolean straight = goesStraightToTheSocketLocked();
    if (pacedLocked() && !straight && !(fits && hasRoomLocked())) {
      pace(broadcast, nowNanos); // Not consumed yet: coalesce until it is.
      return PASSED; // A proof, or the completion in flight, drains it.
    }
    if (pacedLocked() && host.budget().limited()) {
      // The server is saturated: no shared frame goes to anyone at once; each paced client
      // coalesces and takes its turn for a token (FrameBudget).
      pace(broadcast, nowNanos);
      return CHANGED;
    }
    if (fits || straight) {
      queue.add(broadcast);
      queuedBytes = bytes;
      if (straight && broadcast.handover != null) {
        broadcast.handover.acquire(); // A ready client: the flush clock waits for this send.
        handingOver = broadcast;
      }
      return QUEUED;
    }
    overflow(broadcast, nowNanos);
    return CHANGED;
  }

  /** Whether this client is paced by what it proves it consumed, not by send completions. */
  private boolean pacedLocked() {
    return clock.proof() != ClientClock.Proof.COMPLETION;
  }

  /** Whether this client's window takes one more frame: it is open, and nothing is queued. */
  private boolean hasRoomLocked() {
    return queue.isEmpty() && clock.windowOpen();
  }

  /** Whether a frame queued now would be sent by the very next drain, without waiting. */
  private boolean goesStraightToTheSocketLocked() {
    return queue.isEmpty()
        && inFlight == null
        && !draining
        && snapshot == null
        && !pongOwed
        && clock.windowOpen();
  }

  /** The client has not consumed enough to be sent more: keep a cursor until it has. */
  private void pace(Broadcast broadcast, long nowNanos) {
    if (behindSinceNanos == NOT_BEHIND) {
      behindSinceNanos = nowNanos;
    }
    oweSince(broadcast);
  }

  /** Applies the overflow policy to the queue plus {@code broadcast}. */
  private void overflow(Broadcast broadcast, long nowNanos) {
    if (behindSinceNanos == NOT_BEHIND) {
      behindSinceNanos = nowNanos;
    }
    switch (settings.policy()) {
      case DISCONNECT:
        closeOwed = CloseReason.TOO_SLOW;
        return;
      case DROP_AND_RESYNC:
        dropsToReport += broadcast.updates.size();
        oweResync();
        return;
      case CONFLATE:
        oweSince(broadcast); // The catch-up counts what it coalesced away.
        return;
    }
  }

  /**
   * Drops the queue for a cursor: this client holds, or was sent, everything before the first
   * queued broadcast (or before {@code broadcast}, the first it did not take), and is owed the
   * rest.
   */
  private void oweSince(Broadcast broadcast) {
    Broadcast first = queue.peek();
    owedSince = (first == null ? broadcast : first).firstSeq - 1;
    for (Broadcast queued : queue) {
      releaseLocked(queued);
    }
    queue.clear();
    queuedBytes = 0;
  }

  /** Drops everything queued or owed; the next drain installs a snapshot. */
  private void oweResync() {
    for (Broadcast queued : queue) {
      dropsToReport += queued.updates.size();
      releaseLocked(queued);
    }
    queue.clear();
    queuedBytes = 0;
    owedSince = NOT_OWED;
    resyncOwed = true;
  }

  private void releaseLocked(Broadcast broadcast) {
    if (broadcast == handingOver) { // Dropped before it was sent: the clock must not wait for it.
      handoverDropped = handingOver.handover;
      handingOver = null;
    }
    if (broadcast.release()) {
      if (finished == null) {
        finished = new ArrayList<>(2);
      }
      finished.add(broadcast);
    }
  }

  /**
   * Installs a resync snapshot taken inside the registry lock; see the design note. Consuming the
   * owed resync ends this client's time behind.
   */
  synchronized boolean installResync(Frame resync) {
    if (closed || !resyncOwed) {
      return false;
    }
    resyncOwed = false;
    behindSinceNanos = NOT_BEHIND;
    snapshot = resync;
    return true;
  }

  /**
   * Called by the engine under the registry lock when the client's topics changed: whatever is
   * queued or owed was for the old ones; {@code snapshot}, of the new ones at this point of the
   * publish order, replaces it all, and the broadcasts after it follow.
   */
  synchronized void resubscribed(Frame snapshot) {
    if (closed) {
      return;
    }
    for (Broadcast queued : queue) {
      releaseLocked(queued);
    }
    queue.clear();
    queuedBytes = 0;
    owedSince = NOT_OWED;
    resyncOwed = false;
    behindSinceNanos = NOT_BEHIND;
    this.snapshot = snapshot;
  }

  /**
   * Called by the engine under the registry lock: returns the cursor this client is owed a catch-up
   * after, or a value {@link #owes} says is none (closed, or nothing owed).
   */
  synchronized long owedCursor() {
    return closed ? NOT_OWED : owedSince;
  }

  /**
   * Called by the engine under the registry lock once it read the catch-up: the cursor is consumed,
   * and with it this client's time behind; an overflow during the encoding starts anew. {@code
   * coalesced} updates after the cursor are not in the catch-up (a newer one of their session is):
   * dropped by an overflow, for a client not paced by consumption.
   */
  synchronized void catchUpTaken(long coalesced) {
    owedSince = NOT_OWED;
    behindSinceNanos = NOT_BEHIND;
    if (!pacedLocked()) {
      dropsToReport += (int) Math.min(Integer.MAX_VALUE, coalesced);
    }
  }

  /**
   * Called by the engine under the registry lock instead of {@link #takeCursor} consuming it: the
   * view no longer remembers what changed after this client's cursor, so it is owed a snapshot.
   */
  synchronized void cursorForgotten(long passedBy) {
    if (!closed && owedSince != NOT_OWED) {
      owedSince = NOT_OWED;
      resyncOwed = true;
      dropsToReport += (int) Math.min(Integer.MAX_VALUE, passedBy);
    }
  }

  /** Queues a pong ahead of the updates; at most one pong is ever owed. A sign of life. */
  synchronized void owePong(long nowNanos) {
    clock.heard(nowNanos);
    pongOwed = true;
  }

  /** Records a sign of life from the client: it answers every ping handed over so far. */
  synchronized void heard(long nowNanos) {
    clock.heard(nowNanos);
  }

  /**
   * The client answered our latest ping. Returns whether that proved a frame consumed, so that the
   * caller drains what waited for it.
   */
  synchronized boolean pong(long nowNanos) {
    return clock.pong(nowNanos);
  }

  /** The client applied its first {@code applied} data frames; see {@link ClientClock#ack}. */
  synchronized boolean ack(long applied, long nowNanos) {
    return clock.ack(applied, nowNanos);
  }

  /**
   * Whether this client is owed a catch-up or a resync, for the stats gauge: read without the
   * monitor, so a moment's answer.
   */
  boolean isBehind() {
    return owedSince != NOT_OWED || resyncOwed;
  }

  /** Bytes of frames waiting, for the stats gauge (a cursor holds none). */
  synchronized long queuedBytes() {
    return queuedBytes;
  }

  /** Returns a stage that completes once nothing is queued or in flight, or the outbox closed. */
  synchronized CompletionStage<Void> whenIdle() {
    if (closed || isIdleLocked()) {
      return CompletableFuture.completedFuture(null);
    }
    if (idle == null) {
      idle = new CompletableFuture<>();
    }
    return idle;
  }

  private boolean isIdleLocked() {
    return inFlight == null && !hasWorkLocked();
  }

  private boolean hasWorkLocked() {
    return closeOwed != null
        || pongOwed
        || snapshot != null
        || resyncOwed
        || owedSince != NOT_OWED
        || !queue.isEmpty();
  }

  /**
   * Starts sending what is owed, unless a send is in flight or another thread is draining; see the
   * design note. Called after any change that may have created work, outside every lock. Never
   * throws: a failure is contained to this client (see "Faults").
   */
  void drain() {
    synchronized (this) {
      if (draining || closed) {
        return;
      }
      draining = true;
    }
    try {
      drainLoop();
    } catch (RuntimeException | Error e) {
      // Every step below contains its own failures; this is the last line of defence.
      synchronized (this) {
        draining = false;
      }
      host.fault("draining", client, e);
      close(CloseReason.INTERNAL_ERROR);
      if (e instanceof Error) {
        throw (Error) e;
      }
    }
  }

  private void drainLoop() {
    while (true) {
      Step step;
      Frame toSend = null;
      int drops;
      List<Broadcast> done;
      CompletableFuture<Void> nowIdle = null;
      Handover dropped;
      boolean waits;
      synchronized (this) {
        drops = dropsToReport;
        dropsToReport = 0;
        done = finished;
        finished = null;
        dropped = handoverDropped;
        handoverDropped = null;
        step = nextStepLocked();
        if (step == Step.SEND) {
          toSend = inFlight;
          if (inFlightThenPing) {
            step = Step.SEND_THEN_PING;
          }
        }
        if (step == null) {
          draining = false;
          if (isIdleLocked() && idle != null) {
            nowIdle = idle;
            idle = null;
          }
        }
        waits = releaseOwed;
        releaseOwed = false;
      }
      if (waits) {
        host.budgetWaiting();
      }
      report(drops, done);
      if (dropped != null) {
        dropped.release();
      }
      if (nowIdle != null) {
        nowIdle.complete(null);
      }
      if (step == null) {
        return;
      }
      switch (step.kind) {
        case CLOSE:
          close(step.reason);
          return;
        case RESYNC:
          if (!host.installResync(this)) {
            close(CloseReason.INTERNAL_ERROR); // The snapshot itself cannot be encoded.
            return;
          }
          break;
        case PING:
          ping();
          break;
        case PONG:
          Frame pong = host.encodePong(client);
          if (pong == null) {
            close(CloseReason.INTERNAL_ERROR);
            return;
          }
          if (!startSend(pong, NO_ORIGIN, /* data= */ false)) {
            return;
          }
          break;
        case CATCH_UP:
          View.Updates owed = host.takeCatchUp(this);
          if (owed == null) {
            break; // Closed, or given a resync snapshot: the next step sends it.
          }
          Frame catchUp = host.encodeCatchUp(client, owed);
          if (catchUp == null) {
            synchronized (this) {
              catchUpFailedLocked(owed.size());
            }
            break; // The next step installs the resync.
          }
          if (!startSend(catchUp, owed.originNanos(), /* data= */ true)) {
            return;
          }
          break;
        case SEND:
          send(toSend, step == Step.SEND_THEN_PING);
          break;
      }
    }
  }

  /** Decides the next step; marks the send in flight. Null when there is nothing to do now. */
  private Step nextStepLocked() {
    if (closed) {
      return null;
    }
    if (closeOwed != null) {
      return Step.close(closeOwed);
    }
    if (inFlight != null) {
      return null; // Its completion drains again.
    }
    boolean window = clock.windowOpen();
    if (snapshot != null && window) {
      inFlight(snapshot, null, NO_ORIGIN, /* data= */ true);
      snapshot = null;
    } else if (pongOwed) {
      pongOwed = false;
      return Step.PONG; // Encoded outside the monitor, then sent before anything queued.
    } else if (clock.pingDue()) {
      // Nothing of ours is in flight: the ping reaches the socket now, not behind our backlog,
      // and the time the client has to answer it counts from here.
      clock.pingHandedOver(settings.ticker().read());
      return Step.PING;
    } else if (!window) {
      return null; // A pong or an ack reopens it, and drains again.
    } else if (resyncOwed) {
      return Step.RESYNC; // A snapshot, like initial_state, takes no token.
    } else if ((owedSince != NOT_OWED || !queue.isEmpty()) && !takeTokenLocked()) {
      return null; // Its turn comes; the budget's release drains it.
    } else if (owedSince != NOT_OWED) {
      // Read under the registry lock, then encoded outside every lock by the drainer; broadcasts
      // arriving meanwhile queue behind it.
      return Step.CATCH_UP;
    } else if (!queue.isEmpty()) {
      Broadcast broadcast = queue.poll();
      Frame frame = broadcast.frameFor(patches);
      queuedBytes -= frame.bytes();
      inFlight(frame, broadcast, broadcast.originNanos, /* data= */ true);
    } else {
      return null;
    }
    return Step.SEND;
  }

  /**
   * Takes a token of the engine's budget for the next update frame of a paced client, or joins the
   * line for one (once; releaseOwed tells the engine after the monitor is released). A client that
   * is not paced takes none.
   */
  private boolean takeTokenLocked() {
    if (!pacedLocked()) {
      return true;
    }
    if (waitingForBudget) {
      return false;
    }
    if (host.budget().tryTake(settings.ticker().read())) {
      return true;
    }
    waitingForBudget = true;
    releaseOwed = true;
    host.budget().enqueue(this);
    return false;
  }

  /** The budget's release let this outbox out of the line; it drains next. */
  synchronized void budgetReleased() {
    waitingForBudget = false;
  }

  /**
   * Marks {@code frame} as the send in flight, from now. A data frame of a client paced by pongs
   * whose transport writes a frame and its ping at once takes its ping along: the ping is handed
   * over here, before the write, so that its pong, however soon it comes, proves the frame.
   */
  private void inFlight(Frame frame, Broadcast broadcast, long originNanos, boolean data) {
    long now = settings.ticker().read();
    inFlight = frame;
    inFlightBroadcast = broadcast;
    inFlightOriginNanos = originNanos;
    inFlightSinceNanos = now;
    inFlightData = data;
    inFlightThenPing = false;
    if (data) {
      clock.dataFrameStarted();
      if (sendsThenPings && clock.proof() == ClientClock.Proof.PONG) {
        clock.pingHandedOver(now);
        inFlightThenPing = true;
      }
    }
  }

  /** Hands a ping to the transport; one without pings makes this client paced by completions. */
  private void ping() {
    boolean sent;
    try {
      sent = client.ping();
    } catch (RuntimeException e) {
      host.fault("Client.ping", client, e); // The silence rule decides what follows.
      return;
    }
    if (!sent) {
      synchronized (this) {
        clock.pingsUnsupported();
      }
    }
  }

  /**
   * A catch-up of {@code updates} could not be encoded: owe a resync instead, behind from now (the
   * resync is owed anew, and the grace runs from here).
   */
  private void catchUpFailedLocked(int updates) {
    if (closed) {
      return;
    }
    dropsToReport += updates;
    oweResync();
    if (behindSinceNanos == NOT_BEHIND) {
      behindSinceNanos = settings.ticker().read();
    }
  }

  /** Marks a frame encoded outside the monitor as in flight and sends it; false if closed. */
  private boolean startSend(Frame frame, long originNanos, boolean data) {
    boolean thenPing;
    synchronized (this) {
      if (closed) {
        return false;
      }
      inFlight(frame, null, originNanos, data);
      thenPing = inFlightThenPing;
    }
    send(frame, thenPing);
    return true;
  }

  private void send(Frame frame, boolean thenPing) {
    CompletionStage<Void> stage;
    try {
      stage = thenPing ? client.sendThenPing(frame) : client.send(frame);
      if (stage == null) {
        throw new NullPointerException("Client.send returned null");
      }
    } catch (RuntimeException e) {
      host.fault("Client.send", client, e);
      stage = CompletableFuture.failedFuture(e);
    }
    if (stage instanceof CompletableFuture && ((CompletableFuture<Void>) stage).isDone()) {
      // Sent at once: no callback.
      completedSafely(failureOf((CompletableFuture<Void>) stage), false);
    } else {
      stage.whenComplete(this); // This outbox is the callback: no lambda per send.
    }
  }

  /** Returns why a completed {@code future} failed, or null if it succeeded. */
  private static Throwable failureOf(CompletableFuture<Void> future) {
    try {
      future.join(); // Done: returns or throws at once.
      return null;
    } catch (CompletionException e) {
      return e.getCause() == null ? e : e.getCause();
    } catch (CancellationException e) {
      return e;
    }
  }

  /**
   * The completion of a send that did not complete at once, on the transport's thread (or on any
   * thread that completes the stage). Never throws: a completion stage would swallow the exception.
   */
  @Override
  public void accept(Void ignored, Throwable error) {
    completedSafely(error, true);
  }

  /**
   * The completion of the send in flight, on the transport's thread, or on the drainer's when the
   * send completed at once. In that case the drainer is still in its loop and sends the next frame
   * itself; otherwise this thread drains.
   *
   * <p>A send that had to wait and then succeeded is a sign of life, like a pong: the transport
   * could not take the frame at once, so it waited for the client to take earlier bytes, and the
   * client did. A client that keeps reading a long backlog is therefore never unresponsive, however
   * late its pongs, while a dead or hung one fills the buffers, stops completing sends, and is
   * judged by its silence (and the send timeout). A send completed at once proves nothing: it may
   * only have reached a buffer with room.
   */
  private void completedSafely(Throwable error, boolean waited) {
    try {
      completed(error, waited);
    } catch (RuntimeException | Error e) {
      host.fault("a send completion", client, e);
      close(CloseReason.INTERNAL_ERROR);
    }
  }

  private void completed(Throwable error, boolean waited) {
    long now = settings.ticker().read();
    Frame frame;
    Broadcast broadcast;
    long originNanos;
    boolean drainHere;
    Handover handedOver = null;
    synchronized (this) {
      frame = inFlight;
      if (frame == null || closed) {
        return; // Closed meanwhile; close() released the broadcast.
      }
      broadcast = inFlightBroadcast;
      originNanos = inFlightOriginNanos;
      inFlight = null;
      inFlightBroadcast = null;
      drainHere = !draining;
      if (error == null && inFlightData) {
        clock.dataFrameCompleted(now);
      }
      if (waited && error == null) {
        clock.heard(now);
      }
      if (broadcast != null && broadcast == handingOver) {
        handedOver = handingOver.handover;
        handingOver = null;
      }
    }
    if (handedOver != null) {
      handedOver.release();
    }
    if (error == null) {
      host.sent(this, frame, originNanos == NO_ORIGIN ? -1 : now - originNanos);
    }
    if (broadcast != null && broadcast.release()) {
      host.broadcastDone(broadcast, now, client.id());
    }
    if (error != null) {
      host.logSendFailure(client, error);
      close(CloseReason.SEND_FAILED);
    } else if (drainHere) {
      drain();
    }
  }

  /**
   * Checks timeouts, heartbeats and pacing; returns the close reason to act on, or null. A client
   * is unresponsive only for its own silence ({@link ClientClock}); while the server is behind on
   * this client, no ping is handed over and its silence is not held against it: the send timeout
   * and the grace period judge it instead.
   */
  CloseReason check(long nowNanos) {
    boolean drain = false;
    synchronized (this) {
      if (closed) {
        return null;
      }
      if (inFlight != null && nowNanos - inFlightSinceNanos > settings.sendTimeoutNanos()) {
        return CloseReason.SEND_TIMEOUT;
      }
      if (behindSinceNanos != NOT_BEHIND && nowNanos - behindSinceNanos > graceNanos) {
        return CloseReason.TOO_SLOW;
      }
      switch (clock.check(nowNanos)) {
        case UNRESPONSIVE:
          return CloseReason.UNRESPONSIVE;
        case DRAIN:
          drain = true;
          break;
        case NOTHING:
          break;
      }
    }
    if (drain) {
      drain(); // Hands a ping over now if nothing is in flight, or what a fallback let through.
    }
    return null;
  }

  /**
   * Closes this outbox: discards what is queued, releases the broadcasts it held, and, when {@code
   * reason} is non-null, closes the client and counts the reason. A null reason means the transport
   * closed on its own (unregister). Idempotent.
   */
  void close(CloseReason reason) {
    List<Broadcast> held = new ArrayList<>();
    List<Broadcast> done;
    CompletableFuture<Void> nowIdle;
    int drops;
    Handover[] handovers;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      handovers =
          new Handover[] {handingOver == null ? null : handingOver.handover, handoverDropped};
      handingOver = null;
      handoverDropped = null;
      closeOwed = null;
      held.addAll(queue);
      if (inFlightBroadcast != null) {
        held.add(inFlightBroadcast);
      }
      queue.clear();
      queuedBytes = 0;
      owedSince = NOT_OWED;
      resyncOwed = false;
      snapshot = null;
      pongOwed = false;
      inFlight = null; // A late completion finds it gone and does nothing.
      inFlightBroadcast = null;
      nowIdle = idle;
      idle = null;
      drops = dropsToReport;
      dropsToReport = 0;
      done = finished;
      finished = null;
    }
    long now = settings.ticker().read();
    for (Broadcast broadcast : held) {
      if (broadcast.release()) {
        host.broadcastDone(broadcast, now, client.id());
      }
    }
    report(drops, done);
    for (Handover handover : handovers) {
      if (handover != null) {
        handover.release();
      }
    }
    if (nowIdle != null) {
      nowIdle.complete(null);
    }
    if (reason != null) {
      try {
        client.close(reason);
      } catch (RuntimeException e) {
        host.fault("Client.close", client, e);
      }
      host.clientClosed(this, reason);
    }
    host.remove(this);
  }

  private void report(int drops, List<Broadcast> done) {
    if (drops > 0) {
      host.updatesDropped(client, drops);
    }
    if (done != null) {
      long now = settings.ticker().read();
      for (Broadcast broadcast : done) {
        host.broadcastDone(broadcast, now, client.id());
      }
    }
  }

  /**
   * What this outbox holds now, for tests: the property suite checks its byte limits and its
   * no-lost-wake-up rule against it after every step, which no view from outside the monitor can
   * give.
   */
  synchronized Held held() {
    List<Frame> frames = new ArrayList<>(queue.size());
    for (Broadcast broadcast : queue) {
      frames.add(broadcast.frameFor(patches));
    }
    boolean waitingForProof =
        !clock.windowOpen() && inFlight == null && !closed && closeOwed == null;
    return new Held(
        frames,
        owedSince,
        queuedBytes,
        resyncOwed,
        inFlight != null,
        waitingForProof,
        waitingForBudget,
        clock.proof());
  }

  /**
   * A test's view of an outbox; see {@link #held()}.
   *
   * @param owedSince the cursor it is owed a catch-up after, or -1
   * @param waitingForProof its window is closed: it waits for a pong or an ack, not for a send
   * @param waitingForBudget it waits in the budget's line for its turn to be sent a frame
   */
  record Held(
      List<Frame> queued,
      long owedSince,
      long chargedBytes,
      boolean resyncOwed,
      boolean sending,
      boolean waitingForProof,
      boolean waitingForBudget,
      ClientClock.Proof proof) {}

  /** Whether {@link Held#owedSince} means a catch-up is owed. */
  static boolean owes(long owedSince) {
    return owedSince != NOT_OWED;
  }

  private enum Kind {
    SEND,
    PING,
    PONG,
    CATCH_UP,
    RESYNC,
    CLOSE
  }

  /** What the drainer does next, decided under the monitor, carried out outside it. */
  private record Step(Kind kind, CloseReason reason) {
    /** Send the frame just marked in flight. */
    static final Step SEND = new Step(Kind.SEND, null);

    /** Send the frame just marked in flight, and its ping in the same write. */
    static final Step SEND_THEN_PING = new Step(Kind.SEND, null);

    static final Step RESYNC = new Step(Kind.RESYNC, null);
    static final Step PONG = new Step(Kind.PONG, null);
    static final Step PING = new Step(Kind.PING, null);
    static final Step CATCH_UP = new Step(Kind.CATCH_UP, null);

    static Step close(CloseReason reason) {
      return new Step(Kind.CLOSE, reason);
    }
  }
}
