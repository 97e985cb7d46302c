package io.github.broadcast;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;

/*
 * Design note: the per-client outbox.
 *
 * Concurrency:
 *   Every mutable field is guarded by this outbox's monitor. Three kinds of thread touch it: the
 *   publisher (enqueue, inside the registry lock), transport threads (send completions) and the
 *   scheduler (check, for timeouts and heartbeats). None of them sends, closes, completes a
 *   future or calls a listener while holding the monitor: each decides under the lock and acts
 *   after it (OkHttp's RealWebSocket does the same). The lock order is registry lock, then
 *   outbox monitor, never the reverse.
 *
 *   One drainer at a time, by the `draining` flag: whoever finds new work calls drain(); if a
 *   drainer is already running, the call returns and the running drainer sees the work, because
 *   it re-checks for work under the monitor before it clears the flag (no lost wake-up). At most
 *   one send is in flight; the next starts from the previous one's completion, which calls
 *   drain() unless a drainer is running. A send that completes synchronously, inside
 *   client.send, finds the flag set and leaves the next send to the drainer's loop, so the
 *   stack never grows with the queue (a trampoline, as in Tyrus' TaskProcessor). The outbox is
 *   itself the completion callback, so a send allocates no lambda.
 *
 * Overflow:
 *   The queue is bounded by OutboxLimits (bytes and frames waiting; the frame in flight is the
 *   transport's). A broadcast that would pass a limit makes the client "behind" and triggers the
 *   policy: CONFLATE folds the queue into a map of session to latest update; DROP_AND_RESYNC
 *   drops the queue and remembers only that a snapshot is owed; DISCONNECT closes the client. A
 *   conflated map that itself passes the byte limit degrades to a resync, so the bytes held for
 *   a client never pass maxBytes, whatever is published. While behind, new broadcasts merge into
 *   the map (or are dropped, while a resync is owed); nothing queues behind the map, so the map
 *   is always the newest thing this client is owed. A client behind for longer than its grace
 *   period is closed by the scheduler's check.
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
  private Sending inFlight;
  private long inFlightSinceNanos;
  private long behindSinceNanos = NOT_BEHIND;
  private boolean draining;
  private CloseReason closeOwed;
  private boolean closed;
  private long lastHeardNanos;
  private long lastPingNanos;
  private int dropsToReport;
  private List<Broadcast> finished; // Broadcasts this outbox released last, to report.
  private CompletableFuture<Void> idle;

  Outbox(FanoutBroadcaster engine, Client client, Frame initialState, long nowNanos) {
    this.engine = engine;
    this.client = client;
    this.snapshot = initialState;
    this.lastHeardNanos = nowNanos;
    this.lastPingNanos = nowNanos;
  }

  /**
   * Offers {@code broadcast}; returns whether it was queued, and so holds a reference to it.
   * Called by the publisher inside the registry lock; never sends.
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
    if (bytes <= limits.maxBytes() && queue.size() < limits.maxFrames()) {
      queue.add(broadcast);
      queuedBytes = bytes;
      return true;
    }
    overflow(broadcast, nowNanos);
    return false;
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
        conflated = new LinkedHashMap<>();
        conflatedBytes = 0;
        conflatedOriginNanos = broadcast.originNanos;
        for (Broadcast queued : queue) {
          conflate(queued);
          releaseLocked(queued);
        }
        queue.clear();
        queuedBytes = 0;
        conflate(broadcast);
        return;
    }
  }

  /** Merges {@code broadcast}'s updates into the conflated map, latest version wins. */
  private void conflate(Broadcast broadcast) {
    conflatedOriginNanos = Math.min(conflatedOriginNanos, broadcast.originNanos);
    for (SessionUpdate update : broadcast.updates) {
      Sized previous = conflated.get(update.sessionId());
      if (previous != null && !update.isNewerThan(previous.update)) {
        dropsToReport++;
        continue;
      }
      if (previous != null) {
        conflatedBytes -= previous.bytes;
        dropsToReport++;
      }
      conflated.put(update.sessionId(), new Sized(update, broadcast.bytesPerUpdate));
      conflatedBytes += broadcast.bytesPerUpdate;
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
    if (broadcast.release()) {
      if (finished == null) {
        finished = new ArrayList<>(2);
      }
      finished.add(broadcast);
    }
  }

  /** Installs a resync snapshot taken inside the registry lock; see the design note. */
  synchronized boolean installResync(Frame resync) {
    if (closed || !resyncOwed) {
      return false;
    }
    resyncOwed = false;
    snapshot = resync;
    return true;
  }

  /** Queues a pong ahead of the updates; at most one pong is ever owed. */
  synchronized void owePong(long nowNanos) {
    lastHeardNanos = nowNanos;
    pongOwed = true;
  }

  /** Records a sign of life from the client. */
  synchronized void heard(long nowNanos) {
    lastHeardNanos = nowNanos;
  }

  /** Bytes of updates waiting, for the stats gauge. */
  synchronized long queuedBytes() {
    return queuedBytes + conflatedBytes;
  }

  /** Owes a close for {@code reason}; the next drain carries it out. */
  synchronized void oweClose(CloseReason reason) {
    if (!closed && closeOwed == null) {
      closeOwed = reason;
    }
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
        || conflated != null
        || !queue.isEmpty();
  }

  /**
   * Starts sending what is owed, unless a send is in flight or another thread is draining; see
   * the design note. Called after any change that may have created work, outside every lock.
   */
  void drain() {
    synchronized (this) {
      if (draining || closed) {
        return;
      }
      draining = true;
    }
    while (true) {
      Step step;
      int drops;
      List<Broadcast> done;
      CompletableFuture<Void> nowIdle = null;
      synchronized (this) {
        drops = dropsToReport;
        dropsToReport = 0;
        done = finished;
        finished = null;
        step = nextStepLocked();
        if (step == null) {
          draining = false;
          if (isIdleLocked() && idle != null) {
            nowIdle = idle;
            idle = null;
          }
        }
      }
      report(drops, done);
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
          engine.installResync(this);
          break;
        case CATCH_UP:
          Frame frame = engine.encodeCatchUp(step.catchUp);
          Sending sending = new Sending(frame, null, step.originNanos);
          synchronized (this) {
            if (closed) {
              return;
            }
            inFlight = sending;
            inFlightSinceNanos = engine.ticker.read();
          }
          send(sending);
          break;
        case SEND:
          send(step.sending);
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
    Sending next;
    if (snapshot != null) {
      next = new Sending(snapshot, null, NO_ORIGIN);
      snapshot = null;
    } else if (pongOwed) {
      pongOwed = false;
      next = new Sending(engine.codec.pong(), null, NO_ORIGIN);
    } else if (resyncOwed) {
      return Step.RESYNC;
    } else if (conflated != null) {
      List<SessionUpdate> latest = new ArrayList<>(conflated.size());
      for (Sized sized : conflated.values()) {
        latest.add(sized.update);
      }
      long origin = conflatedOriginNanos;
      conflated = null;
      conflatedBytes = 0;
      behindSinceNanos = NOT_BEHIND;
      // Encoded outside the monitor by the drainer; broadcasts arriving meanwhile queue behind.
      return Step.catchUp(latest, origin);
    } else if (!queue.isEmpty()) {
      Broadcast broadcast = queue.poll();
      queuedBytes -= broadcast.frame.bytes();
      next = new Sending(broadcast.frame, broadcast, broadcast.originNanos);
    } else {
      return null;
    }
    inFlight = next;
    inFlightSinceNanos = engine.ticker.read();
    return Step.send(next);
  }

  private void send(Sending sending) {
    CompletionStage<Void> stage;
    try {
      stage = client.send(sending.frame);
    } catch (RuntimeException e) {
      stage = CompletableFuture.failedFuture(e);
    }
    stage.whenComplete(this); // This outbox is the callback: no allocation per send.
  }

  /**
   * The completion of the send in flight, on the transport's thread, or on the drainer's when
   * the send completed at once. In that case the drainer is still in its loop and sends the
   * next frame itself; otherwise this thread drains.
   */
  @Override
  public void accept(Void ignored, Throwable error) {
    long now = engine.ticker.read();
    Sending sending;
    boolean drainHere;
    synchronized (this) {
      sending = inFlight;
      if (sending == null || closed) {
        return; // Closed meanwhile; close() released the broadcast.
      }
      inFlight = null;
      drainHere = !draining;
    }
    if (error == null) {
      engine.stats.sent(
          sending.frame, sending.originNanos == NO_ORIGIN ? -1 : now - sending.originNanos);
    }
    if (sending.broadcast != null && sending.broadcast.release()) {
      engine.broadcastDone(sending.broadcast, now, client.id());
    }
    if (error != null) {
      engine.logSendFailure(client, error);
      close(CloseReason.SEND_FAILED);
    } else if (drainHere) {
      drain();
    }
  }

  /** Checks timeouts and heartbeats; returns the close reason to act on, or null. */
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
        if (nowNanos - lastHeardNanos > engine.silenceNanos) {
          reason = CloseReason.UNRESPONSIVE;
        } else if (nowNanos - lastPingNanos >= engine.pingIntervalNanos) {
          lastPingNanos = nowNanos;
          ping = true;
        }
      }
    }
    if (ping) {
      try {
        client.ping();
      } catch (RuntimeException e) {
        engine.logSendFailure(client, e);
      }
    }
    return reason;
  }

  /**
   * Closes this outbox: discards what is queued, releases the broadcasts it held, and, when
   * {@code reason} is non-null, closes the client and counts the reason. A null reason means the
   * transport closed on its own (unregister). Idempotent.
   */
  void close(CloseReason reason) {
    List<Broadcast> held = new ArrayList<>();
    List<Broadcast> done;
    CompletableFuture<Void> nowIdle;
    int drops;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      closeOwed = null;
      held.addAll(queue);
      if (inFlight != null && inFlight.broadcast != null) {
        held.add(inFlight.broadcast);
      }
      queue.clear();
      queuedBytes = 0;
      conflated = null;
      conflatedBytes = 0;
      resyncOwed = false;
      snapshot = null;
      pongOwed = false;
      inFlight = null; // A late completion finds it gone and does nothing.
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
    if (nowIdle != null) {
      nowIdle.complete(null);
    }
    if (reason != null) {
      try {
        client.close(reason);
      } catch (RuntimeException e) {
        engine.logSendFailure(client, e);
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

  /** An update in the conflated map with its estimated share of a frame's bytes. */
  private record Sized(SessionUpdate update, long bytes) {}

  /** A frame handed to the transport, and the broadcast it belongs to, if any. */
  private record Sending(Frame frame, Broadcast broadcast, long originNanos) {}

  private enum Kind {
    SEND,
    CATCH_UP,
    RESYNC,
    CLOSE
  }

  /** What the drainer does next, decided under the monitor, carried out outside it. */
  private record Step(
      Kind kind,
      Sending sending,
      List<SessionUpdate> catchUp,
      long originNanos,
      CloseReason reason) {
    static final Step RESYNC = new Step(Kind.RESYNC, null, null, NO_ORIGIN, null);

    static Step send(Sending sending) {
      return new Step(Kind.SEND, sending, null, NO_ORIGIN, null);
    }

    static Step catchUp(List<SessionUpdate> latest, long originNanos) {
      return new Step(Kind.CATCH_UP, null, latest, originNanos, null);
    }

    static Step close(CloseReason reason) {
      return new Step(Kind.CLOSE, null, null, NO_ORIGIN, reason);
    }
  }
}
