package io.github.broadcast;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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
 *   publisher (enqueue, inside the registry lock), transport threads (send completions) and the
 *   scheduler (check, for timeouts and heartbeats). None of them sends, closes, pings, completes
 *   a future or calls a listener while holding the monitor: each decides under the lock and acts
 *   after it (OkHttp's RealWebSocket does the same). No library lock is held across any call
 *   into the client, so a transport whose send completes inline may call straight back into the
 *   broadcaster (Issue19Test.noSendClosePingUnderALibraryLock, BroadcasterPropertyTest). The
 *   lock order is registry lock, then outbox monitor, never the reverse. The one codec call made
 *   under the monitor measures an update entering a conflated map (Broadcast.entryBytes), at
 *   most once per broadcast.
 *
 *   One drainer at a time, by the `draining` flag: whoever finds new work calls drain(); if a
 *   drainer is already running, the call returns and the running drainer sees the work, because
 *   it re-checks for work under the monitor before it clears the flag (no lost wake-up). At most
 *   one send is in flight; the next starts from the previous one's completion, which calls
 *   drain() unless a drainer is running. A send that completes synchronously, inside
 *   client.send, finds the flag set and leaves the next send to the drainer's loop, so the
 *   stack never grows with the queue (a trampoline, as in Tyrus' TaskProcessor). The outbox is
 *   itself the completion callback, the send in flight is three fields, and a send that completed
 *   at once is finished without a callback: a send allocates nothing here.
 *
 * Faults:
 *   Nothing that a codec, a listener or the client throws escapes drain() or leaves `draining`
 *   set, so no failure can wedge a client (issue 19, F2). A catch-up the codec cannot encode
 *   becomes an owed resync; a resync snapshot or a pong it cannot encode closes this client with
 *   INTERNAL_ERROR (1011); a send that throws counts as a failed send (SEND_FAILED). The engine
 *   counts each fault and logs at most one line a second. Other clients never notice.
 *
 * Overflow:
 *   The queue is bounded by OutboxLimits (bytes and frames waiting; the frame in flight is the
 *   transport's). A frame offered to an idle outbox (nothing queued, owed, in flight or being
 *   drained) is always taken, whatever its size: it goes to the socket at once and never waits.
 *   Otherwise a frame that would pass a limit triggers the policy: CONFLATE folds the queue into
 *   a map of session to latest update; DROP_AND_RESYNC drops the queue and remembers only that a
 *   snapshot is owed; DISCONNECT closes the client. Each conflated update is charged its exact
 *   size as a batch of one, measured once per broadcast, which bounds the real catch-up frame
 *   from above (issue 19, F4); a map that passes the byte limit degrades to a resync, so the
 *   bytes held for a client never pass maxBytes, whatever is published. While a map or a resync
 *   is owed, new broadcasts merge into the map (or are dropped, while a resync is owed); nothing
 *   queues behind the map, so the map is always the newest thing this client is owed.
 *
 *   "Behind" runs from the overflow that creates a map or an owed resync until that state is
 *   consumed: the map taken for its catch-up, or the resync snapshot installed. Either hands the
 *   client a state at least as new as the view, so the grace clock stops there, and an overflow
 *   after that starts a new one (issue 19, F1: the clock used to survive a resync). A client
 *   behind for longer than its grace period is closed by the scheduler's check; a client with
 *   nothing owed is never closed as too slow.
 *
 * Liveness:
 *   A heartbeat ping is owed like a pong and handed to the transport only when nothing of ours is
 *   in flight, ahead of queued updates; the client's time to answer counts from that moment. A
 *   client the server is behind on is therefore never closed as unresponsive for a silence the
 *   server caused (issue 15); its own pace is judged by the send timeout and the grace period.
 *   Signs of life: any message from the client, a pong, and a send that had to wait for the
 *   transport and then succeeded (the client took earlier bytes); a send completed at once is not
 *   one, since it may only have reached a buffer with room (a dead peer's, even).
 *
 * The flush clock (self-clocked batching):
 *   A batch flush carries a Handover. An outbox that takes one of its frames straight to the
 *   socket (nothing queued, owed, in flight or being drained: a ready client) counts itself on it
 *   and remembers the broadcast in `handingOver`; the count is released when that send completes
 *   or fails, when the frame is dropped from the queue by an overflow (through releaseLocked,
 *   released by the next drain, outside the monitor), or when the outbox closes. A busy client
 *   never counts, so it never holds the next flush back; a ready client that then stalls
 *   holds it one more minimum interval once only such stragglers are left (Handover), and
 *   maxBatchDelay at worst.
 *
 * Convergence:
 *   A conflated map holds, per session, the newest update this client was offered, so sending it
 *   brings every session to its latest version. A resync snapshot is taken by the registry under
 *   its lock (see FanoutBroadcaster.installResync), at one point of the publish order: everything
 *   published before is in the snapshot, everything after is queued behind it. Control frames
 *   (initial_state, resync, pong) are kept outside the queue, are never dropped, and are sent
 *   before any queued update.
 */
/**
 * A client's bounded queue of broadcasts with at most one send in flight, drained from send
 * completions; see the design note at the top of this file.
 */
final class Outbox implements BiConsumer<Void, Throwable> {

  private static final long NOT_BEHIND = Long.MIN_VALUE;
  private static final long NO_ORIGIN = Long.MIN_VALUE;
  private static final long NOT_WAITING = Long.MIN_VALUE;

  final Client client;
  private final FanoutBroadcaster engine;

  // All fields below are guarded by this.
  private final ArrayDeque<Broadcast> queue = new ArrayDeque<>();
  private long queuedBytes;
  private LinkedHashMap<String, Sized> conflated; // Non-null only while conflating.
  private long conflatedBytes;
  private long conflatedOriginNanos;
  private boolean resyncOwed;
  private Frame snapshot; // initial_state or a resync, waiting to be sent.
  private boolean pongOwed;
  // The send in flight: its frame (null when none), its broadcast (null for a frame of this
  // client's own: a snapshot, pong or catch-up) and when its update was published.
  private Frame inFlight;
  private Broadcast inFlightBroadcast;
  private long inFlightOriginNanos;
  private long inFlightSinceNanos;
  private long behindSinceNanos = NOT_BEHIND;
  private boolean draining;
  private CloseReason closeOwed;
  private boolean closed;
  private long lastHeardNanos;
  private long lastPingNanos; // When the latest ping was handed over (or the outbox opened).
  private boolean pingOwed;
  private long pingSentNanos = NOT_WAITING; // When the oldest unanswered ping was handed over.
  private int dropsToReport;
  private List<Broadcast> finished; // Broadcasts this outbox released last, to report.
  private CompletableFuture<Void> idle;
  // A flush's frame that went straight to the socket, counted on its Handover until it is sent,
  // dropped or closed; and a dropped one's Handover, released by the next drain, outside the lock.
  private Broadcast handingOver;
  private Handover handoverDropped;

  Outbox(FanoutBroadcaster engine, Client client, Frame initialState, long nowNanos) {
    this.engine = engine;
    this.client = client;
    this.snapshot = initialState;
    this.lastHeardNanos = nowNanos;
    this.lastPingNanos = nowNanos;
  }

  /**
   * Offers {@code broadcast}; returns whether it was queued, and so holds a reference to it. Called
   * by the publisher inside the registry lock; never sends.
   */
  synchronized boolean enqueue(Broadcast broadcast, long nowNanos) {
    if (closed || closeOwed != null) {
      return false;
    }
    if (resyncOwed) {
      dropsToReport += broadcast.updates.size();
      return false;
    }
    if (conflated != null) {
      conflate(broadcast);
      return false;
    }
    OutboxLimits limits = engine.limits;
    long bytes = queuedBytes + broadcast.frame.bytes();
    boolean fits = bytes <= limits.maxBytes() && queue.size() < limits.maxFrames();
    boolean straight = goesStraightToTheSocketLocked();
    if (fits || straight) {
      queue.add(broadcast);
      queuedBytes = bytes;
      if (straight && broadcast.handover != null) {
        broadcast.handover.acquire(); // A ready client: the flush clock waits for this send.
        handingOver = broadcast;
      }
      return true;
    }
    overflow(broadcast, nowNanos);
    return false;
  }

  /** Whether a frame queued now would be sent by the very next drain, without waiting. */
  private boolean goesStraightToTheSocketLocked() {
    return queue.isEmpty() && inFlight == null && !draining && snapshot == null && !pongOwed;
  }

  /** Applies the overflow policy to the queue plus {@code broadcast}. */
  private void overflow(Broadcast broadcast, long nowNanos) {
    if (behindSinceNanos == NOT_BEHIND) {
      behindSinceNanos = nowNanos;
    }
    switch (engine.policy) {
      case DISCONNECT:
        closeOwed = CloseReason.TOO_SLOW;
        return;
      case DROP_AND_RESYNC:
        dropsToReport += broadcast.updates.size();
        oweResync();
        return;
      case CONFLATE:
        List<Broadcast> held = new ArrayList<>(queue);
        queue.clear();
        queuedBytes = 0;
        conflated = new LinkedHashMap<>();
        conflatedBytes = 0;
        conflatedOriginNanos = broadcast.originNanos;
        for (Broadcast queued : held) {
          conflate(queued); // May degrade to a resync, after which the rest only counts drops.
          releaseLocked(queued);
        }
        conflate(broadcast);
        return;
    }
  }

  /**
   * Merges {@code broadcast}'s updates into the conflated map, latest version wins, each charged
   * its exact size; degrades to a resync past the byte limit or if the size cannot be measured.
   */
  private void conflate(Broadcast broadcast) {
    List<SessionUpdate> updates = broadcast.updates;
    if (conflated == null) {
      dropsToReport += updates.size(); // Degraded to a resync earlier in this overflow.
      return;
    }
    conflatedOriginNanos = Math.min(conflatedOriginNanos, broadcast.originNanos);
    for (int i = 0; i < updates.size(); i++) {
      SessionUpdate update = updates.get(i);
      Sized previous = conflated.get(update.sessionId());
      if (previous != null && !update.isNewerThan(previous.update)) {
        dropsToReport++;
        continue;
      }
      long bytes = broadcast.entryBytes(i, engine);
      if (bytes < 0) {
        // The codec could not measure it (the engine counted the fault): owe a snapshot.
        dropsToReport += conflated.size() + updates.size() - i;
        oweResync();
        return;
      }
      if (previous != null) {
        conflatedBytes -= previous.bytes;
        dropsToReport++;
      }
      conflated.put(update.sessionId(), new Sized(update, bytes));
      conflatedBytes += bytes;
    }
    if (conflatedBytes > engine.limits.maxBytes()) {
      // Even the latest state per session is over the limit: owe a snapshot instead.
      dropsToReport += conflated.size();
      oweResync();
    }
  }

  /** Drops everything queued or conflated; the next drain installs a snapshot. */
  private void oweResync() {
    for (Broadcast queued : queue) {
      dropsToReport += queued.updates.size();
      releaseLocked(queued);
    }
    queue.clear();
    queuedBytes = 0;
    conflated = null;
    conflatedBytes = 0;
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

  /** Queues a pong ahead of the updates; at most one pong is ever owed. */
  synchronized void owePong(long nowNanos) {
    lastHeardNanos = nowNanos;
    pingSentNanos = NOT_WAITING;
    pongOwed = true;
  }

  /** Records a sign of life from the client: it answers every ping handed over so far. */
  synchronized void heard(long nowNanos) {
    lastHeardNanos = nowNanos;
    pingSentNanos = NOT_WAITING;
  }

  /** Bytes of updates waiting, for the stats gauge: never less than what a send would take. */
  synchronized long queuedBytes() {
    return queuedBytes + conflatedBytes;
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
        || pingOwed
        || snapshot != null
        || resyncOwed
        || conflated != null
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
      engine.fault("draining", client, e);
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
        }
        if (step == null) {
          draining = false;
          if (isIdleLocked() && idle != null) {
            nowIdle = idle;
            idle = null;
          }
        }
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
          if (!engine.installResync(this)) {
            close(CloseReason.INTERNAL_ERROR); // The snapshot itself cannot be encoded.
            return;
          }
          break;
        case PING:
          try {
            client.ping();
          } catch (RuntimeException e) {
            engine.fault("Client.ping", client, e); // The silence rule decides what follows.
          }
          break;
        case PONG:
          Frame pong = engine.encodePong(client);
          if (pong == null) {
            close(CloseReason.INTERNAL_ERROR);
            return;
          }
          if (!startSend(pong, NO_ORIGIN)) {
            return;
          }
          break;
        case CATCH_UP:
          Frame catchUp = engine.encodeCatchUp(client, step.catchUp);
          if (catchUp == null) {
            synchronized (this) {
              catchUpFailedLocked(step);
            }
            break; // The next step installs the resync.
          }
          if (!startSend(catchUp, step.originNanos)) {
            return;
          }
          break;
        case SEND:
          send(toSend);
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
    if (snapshot != null) {
      inFlight(snapshot, null, NO_ORIGIN);
      snapshot = null;
    } else if (pongOwed) {
      pongOwed = false;
      return Step.PONG; // Encoded outside the monitor, then sent before anything queued.
    } else if (pingOwed) {
      // Nothing of ours is in flight: the ping reaches the socket now, not behind our backlog,
      // and the time the client has to answer it counts from here.
      pingOwed = false;
      long now = engine.ticker.read();
      lastPingNanos = now; // The next one an interval after this one left.
      if (pingSentNanos == NOT_WAITING) {
        pingSentNanos = now;
      }
      return Step.PING;
    } else if (resyncOwed) {
      return Step.RESYNC;
    } else if (conflated != null) {
      List<SessionUpdate> latest = new ArrayList<>(conflated.size());
      for (Sized sized : conflated.values()) {
        latest.add(sized.update);
      }
      Step step = Step.catchUp(latest, conflatedOriginNanos, behindSinceNanos);
      conflated = null;
      conflatedBytes = 0;
      behindSinceNanos = NOT_BEHIND; // Consumed; an overflow during the encoding starts anew.
      // Encoded outside the monitor by the drainer; broadcasts arriving meanwhile queue behind.
      return step;
    } else if (!queue.isEmpty()) {
      Broadcast broadcast = queue.poll();
      queuedBytes -= broadcast.frame.bytes();
      inFlight(broadcast.frame, broadcast, broadcast.originNanos);
    } else {
      return null;
    }
    return Step.SEND;
  }

  /** Marks {@code frame} as the send in flight, from now. */
  private void inFlight(Frame frame, Broadcast broadcast, long originNanos) {
    inFlight = frame;
    inFlightBroadcast = broadcast;
    inFlightOriginNanos = originNanos;
    inFlightSinceNanos = engine.ticker.read();
  }

  /**
   * The catch-up {@code step} could not be encoded: owe a resync instead, behind since the overflow
   * that built the map (or since a later one, whichever came first).
   */
  private void catchUpFailedLocked(Step step) {
    if (closed) {
      return;
    }
    dropsToReport += step.catchUp.size();
    oweResync();
    behindSinceNanos =
        behindSinceNanos == NOT_BEHIND
            ? step.behindSinceNanos
            : Math.min(behindSinceNanos, step.behindSinceNanos);
  }

  /** Marks a frame encoded outside the monitor as in flight and sends it; false if closed. */
  private boolean startSend(Frame frame, long originNanos) {
    synchronized (this) {
      if (closed) {
        return false;
      }
      inFlight(frame, null, originNanos);
    }
    send(frame);
    return true;
  }

  private void send(Frame frame) {
    CompletionStage<Void> stage;
    try {
      stage = client.send(frame);
      if (stage == null) {
        throw new NullPointerException("Client.send returned null");
      }
    } catch (RuntimeException e) {
      engine.fault("Client.send", client, e);
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
      engine.fault("a send completion", client, e);
      close(CloseReason.INTERNAL_ERROR);
    }
  }

  private void completed(Throwable error, boolean waited) {
    long now = engine.ticker.read();
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
      if (waited && error == null) {
        lastHeardNanos = now;
        pingSentNanos = NOT_WAITING;
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
      engine.sent(this, frame, originNanos == NO_ORIGIN ? -1 : now - originNanos);
    }
    if (broadcast != null && broadcast.release()) {
      engine.broadcastDone(broadcast, now, client.id());
    }
    if (error != null) {
      engine.logSendFailure(client, error);
      close(CloseReason.SEND_FAILED);
    } else if (drainHere) {
      drain();
    }
  }

  /**
   * Checks timeouts and heartbeats; returns the close reason to act on, or null. A client is
   * unresponsive only for its own silence: not heard from for the silence timeout, and a ping
   * unanswered for the silence timeout less the ping interval, counted from when the ping was
   * handed to the transport. A ping waits in this outbox until nothing of ours is in flight. While
   * the server is behind on this client, no ping is handed over and its silence is not held against
   * it; the send timeout and the grace period judge it instead.
   */
  CloseReason check(long nowNanos) {
    boolean ping = false;
    CloseReason reason = null;
    synchronized (this) {
      if (closed) {
        return null;
      }
      if (inFlight != null && nowNanos - inFlightSinceNanos > engine.sendTimeoutNanos) {
        reason = CloseReason.SEND_TIMEOUT;
      } else if (behindSinceNanos != NOT_BEHIND
          && nowNanos - behindSinceNanos > engine.graceNanos) {
        reason = CloseReason.TOO_SLOW;
      } else if (engine.pingIntervalNanos > 0) {
        if (nowNanos - lastHeardNanos > engine.silenceNanos
            && pingSentNanos != NOT_WAITING
            && nowNanos - pingSentNanos > engine.silenceNanos - engine.pingIntervalNanos) {
          reason = CloseReason.UNRESPONSIVE;
        } else if (nowNanos - lastPingNanos >= engine.pingIntervalNanos && !pingOwed) {
          lastPingNanos = nowNanos;
          pingOwed = true;
          ping = true;
        }
      }
    }
    if (ping) {
      drain(); // Hands the ping over now if nothing is in flight, else after the send in flight.
    }
    return reason;
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
      conflated = null;
      conflatedBytes = 0;
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
    long now = engine.ticker.read();
    for (Broadcast broadcast : held) {
      if (broadcast.release()) {
        engine.broadcastDone(broadcast, now, client.id());
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
        engine.fault("Client.close", client, e);
      }
      engine.clientClosed(this, reason);
    }
    engine.remove(this);
  }

  private void report(int drops, List<Broadcast> done) {
    if (drops > 0) {
      engine.updatesDropped(client, drops);
    }
    if (done != null) {
      long now = engine.ticker.read();
      for (Broadcast broadcast : done) {
        engine.broadcastDone(broadcast, now, client.id());
      }
    }
  }

  /** What this outbox holds now, for tests: queued frames and the conflated updates. */
  synchronized Held held() {
    List<Frame> frames = new ArrayList<>(queue.size());
    for (Broadcast broadcast : queue) {
      frames.add(broadcast.frame);
    }
    List<SessionUpdate> latest = new ArrayList<>();
    if (conflated != null) {
      for (Sized sized : conflated.values()) {
        latest.add(sized.update);
      }
    }
    return new Held(frames, latest, queuedBytes + conflatedBytes, resyncOwed, inFlight != null);
  }

  /** A test's view of an outbox; see {@link #held()}. */
  record Held(
      List<Frame> queued,
      List<SessionUpdate> conflated,
      long chargedBytes,
      boolean resyncOwed,
      boolean sending) {}

  /** An update in the conflated map with its exact size as a batch of one. */
  private record Sized(SessionUpdate update, long bytes) {}

  private enum Kind {
    SEND,
    PING,
    PONG,
    CATCH_UP,
    RESYNC,
    CLOSE
  }

  /** What the drainer does next, decided under the monitor, carried out outside it. */
  private record Step(
      Kind kind,
      List<SessionUpdate> catchUp,
      long originNanos,
      long behindSinceNanos,
      CloseReason reason) {
    /** Send the frame just marked in flight. */
    static final Step SEND = new Step(Kind.SEND, null, NO_ORIGIN, NOT_BEHIND, null);

    static final Step RESYNC = new Step(Kind.RESYNC, null, NO_ORIGIN, NOT_BEHIND, null);
    static final Step PONG = new Step(Kind.PONG, null, NO_ORIGIN, NOT_BEHIND, null);
    static final Step PING = new Step(Kind.PING, null, NO_ORIGIN, NOT_BEHIND, null);

    static Step catchUp(List<SessionUpdate> latest, long originNanos, long behindSinceNanos) {
      return new Step(Kind.CATCH_UP, latest, originNanos, behindSinceNanos, null);
    }

    static Step close(CloseReason reason) {
      return new Step(Kind.CLOSE, null, NO_ORIGIN, NOT_BEHIND, reason);
    }
  }
}
