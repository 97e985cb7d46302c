package io.github.broadcast;

import static java.util.Objects.requireNonNull;

import io.github.broadcast.internal.Checks;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;

/**
 * Coalesces updates per session, latest version wins, and hands each flush to the delivery engine
 * as one {@code batch_update} frame (several, if a cap on entries is set). The cost of a publish is
 * one map write, whatever the number of clients.
 *
 * <p>Self-clocked: a flush starts once the previous one has reached the socket of every client that
 * was ready for it ({@link Handover}) and the minimum interval has passed since the previous flush
 * started. An update that arrives when all is quiet therefore leaves at once; under load, flushes
 * lengthen by themselves to what the sockets take, and more updates coalesce into each. A client
 * that is still busy with earlier frames when a flush is offered is not waited for (its outbox
 * conflates or catches up). Once only stragglers are left (at most a tenth of the ready clients),
 * the clock waits for them as long again as the others took (at least the minimum interval), then
 * goes on: a client that stalls on the very frame it was ready for holds the others back by about
 * that. If more stall at once, {@code maxDelay} caps the wait: an update never waits longer than
 * that for its flush to start, counted from when it arrived.
 *
 * <p>Threads: {@link #publish} may be called from any thread and never blocks on delivery. A flush
 * runs on the scheduler. {@code lock} guards the pending map and the clock and is never held while
 * the engine delivers: a flush takes the pending map under it, then hands each chunk to the engine
 * outside it. A handover completes on whichever thread released it last (a transport thread, or the
 * flusher), and only schedules. Two flushes may overlap (one forced by {@code maxDelay} while an
 * earlier one is still being handed over, or the one in {@link #close}); the engine's version check
 * keeps that safe, since an entry older than what the other flush already delivered is discarded as
 * stale, never applied over it. An idle broadcaster schedules nothing.
 *
 * <p>Faults: a chunk the codec cannot encode is delivered update by update, so only the update that
 * cannot be encoded is lost (counted as a fault); the remaining chunks and the clock carry on.
 */
final class BatchingBroadcaster implements Broadcaster {

  private static final System.Logger logger = System.getLogger(Broadcaster.class.getName());
  private static final long NEVER = Long.MIN_VALUE;

  private final FanoutBroadcaster engine;
  private final Scheduler scheduler;
  private final long minIntervalNanos;
  private final long maxDelayNanos;
  private final int maxEntries;
  private final Ticker ticker;

  private final Object lock = new Object();
  // All fields below are guarded by lock.
  private LinkedHashMap<String, SessionUpdate> pending = new LinkedHashMap<>();
  private long windowStartNanos; // When the oldest pending update was accepted.
  private long lastFlushNanos = NEVER; // When the latest flush started.
  private long handingOver; // The flush whose handover is awaited; 0 when none.
  private long flushes; // Flushes started, numbering their handovers.
  private Future<?> flushTask;
  private long flushAtNanos; // When flushTask runs.
  private long plans; // Numbers scheduled tasks, so that a superseded one does nothing.
  private Future<?> stragglerTask; // Stops waiting for a flush's last few clients.
  private boolean closed;

  BatchingBroadcaster(
      FanoutBroadcaster engine,
      Scheduler scheduler,
      Duration minInterval,
      Duration maxDelay,
      int maxEntries) {
    this.engine = engine;
    this.scheduler = scheduler;
    this.minIntervalNanos = minInterval.toNanos();
    this.maxDelayNanos = maxDelay.toNanos();
    this.maxEntries = maxEntries;
    this.ticker = engine.ticker;
  }

  @Override
  public void publish(SessionUpdate update) {
    requireNonNull(update, "update");
    boolean first = false;
    synchronized (lock) {
      Checks.requireState(!closed, "broadcaster is closed; cannot publish %s", update);
      SessionUpdate previous = pending.get(update.sessionId());
      if (previous == null) {
        if (pending.isEmpty()) {
          windowStartNanos = ticker.read();
          first = true;
        }
        pending.put(update.sessionId(), update);
      } else if (update.isNewerThan(previous)) {
        pending.put(update.sessionId(), update);
        engine.stats.coalesced(1);
      } else {
        engine.stats.stale(1);
      }
    }
    engine.stats.published(1);
    if (first) {
      plan();
    }
  }

  /**
   * When the next flush may start: the minimum interval after the previous one, and, while that one
   * is still being handed over, not before the oldest pending update has waited {@code maxDelay}
   * (unless the handover completes first, which plans again).
   */
  private long nextFlushNanosLocked() {
    long at = lastFlushNanos == NEVER ? windowStartNanos : lastFlushNanos + minIntervalNanos;
    if (handingOver != 0) {
      at = Math.max(at, windowStartNanos + maxDelayNanos);
    }
    return at;
  }

  /** Schedules the next flush if something is pending and no earlier one is scheduled. */
  private void plan() {
    boolean now = false;
    synchronized (lock) {
      if (closed || pending.isEmpty()) {
        return;
      }
      long at = nextFlushNanosLocked();
      if (flushTask != null && flushAtNanos <= at) {
        return; // An earlier (or the same) flush is already on its way.
      }
      if (flushTask != null) {
        flushTask.cancel(/* mayInterruptIfRunning= */ false);
      }
      long plan = ++plans;
      flushAtNanos = at;
      long delay = Math.max(0, at - ticker.read());
      try {
        flushTask = scheduler.schedule(() -> scheduledFlush(plan), Duration.ofNanos(delay));
      } catch (RejectedExecutionException e) {
        logger.log(Level.ERROR, "scheduler refused the batch flush; flushing now", e);
        flushTask = null;
        now = true;
      }
    }
    if (now) {
      clockedFlush();
    }
  }

  private void scheduledFlush(long plan) {
    synchronized (lock) {
      if (plan != plans) {
        return; // Superseded by an earlier flush, planned later.
      }
      flushTask = null;
    }
    clockedFlush();
  }

  /** One flush on the clock: takes what is pending, delivers it, then plans the next one. */
  private void clockedFlush() {
    List<SessionUpdate> batch;
    long origin;
    Handover handover;
    synchronized (lock) {
      if (closed || pending.isEmpty()) {
        return;
      }
      batch = new ArrayList<>(pending.values());
      origin = windowStartNanos;
      pending = new LinkedHashMap<>();
      lastFlushNanos = ticker.read();
      long flush = ++flushes;
      handingOver = flush;
      handover = new Handover(() -> handedOver(flush), () -> stragglers(flush));
    }
    try {
      deliver(batch, origin, handover);
    } catch (RuntimeException e) {
      engine.fault("a batch flush (the next one is still planned)", null, e);
    } finally {
      handover.offered(); // Releases the flusher's own count.
    }
    plan();
  }

  /**
   * Flush {@code flush} is on every ready socket but a few: give those as long again as the others
   * took (at least one minimum interval), then let the next flush go without them; they are busy
   * then, and no longer counted. On a uniformly slow link the others took long too, so the clock
   * still follows the link; a stalled client costs the others one short wait.
   */
  private void stragglers(long flush) {
    synchronized (lock) {
      if (closed || handingOver != flush) {
        return;
      }
      long grace = Math.max(minIntervalNanos, ticker.read() - lastFlushNanos);
      if (stragglerTask != null) {
        stragglerTask.cancel(/* mayInterruptIfRunning= */ false); // An earlier flush's: moot.
      }
      try {
        stragglerTask = scheduler.schedule(() -> handedOver(flush), Duration.ofNanos(grace));
        return;
      } catch (RejectedExecutionException e) {
        logger.log(Level.ERROR, "scheduler refused the straggler timer; not waiting for them", e);
      }
    }
    handedOver(flush); // No timer: stop waiting for them at once.
  }

  /** Flush {@code flush} reached every ready client's socket: the next one may start. */
  private void handedOver(long flush) {
    synchronized (lock) {
      if (handingOver != flush) {
        return; // A later flush started meanwhile (forced by maxDelay); its handover counts.
      }
      handingOver = 0;
    }
    plan();
  }

  /**
   * Hands everything pending to the engine at once, off the clock (closing). After {@link #close},
   * chunks not yet offered are dropped: the clients they were for are being closed.
   */
  void flush() {
    List<SessionUpdate> batch;
    long origin;
    synchronized (lock) {
      if (pending.isEmpty()) {
        return;
      }
      batch = new ArrayList<>(pending.values());
      origin = windowStartNanos;
      pending = new LinkedHashMap<>();
    }
    deliver(batch, origin, null);
  }

  /** Delivers {@code batch} in chunks of at most {@code maxEntries}, each offered, then drained. */
  private void deliver(List<SessionUpdate> batch, long origin, Handover handover) {
    for (int from = 0; from < batch.size(); from += maxEntries) {
      int to = Math.min(batch.size(), from + maxEntries);
      if (!engine.deliver(batch.subList(from, to), origin, /* batch= */ true, handover)) {
        return;
      }
    }
  }

  @Override
  public void register(Client client) {
    engine.register(client);
  }

  @Override
  public void unregister(Client client) {
    engine.unregister(client);
  }

  @Override
  public void subscribe(Client client, Topics topics) {
    engine.subscribe(client, topics); // A pending batch follows the snapshot, like any publish.
  }

  @Override
  public Map<String, Integer> subscribers() {
    return engine.subscribers();
  }

  @Override
  public void onPing(Client client) {
    engine.onPing(client);
  }

  @Override
  public void onPong(Client client) {
    engine.onPong(client);
  }

  @Override
  public boolean onAck(Client client, long framesApplied) {
    return engine.onAck(client, framesApplied);
  }

  @Override
  public void onMessage(Client client) {
    engine.onMessage(client);
  }

  @Override
  public BroadcastStats stats() {
    return engine.stats();
  }

  /**
   * Returns whether the calling thread holds any lock of this broadcaster; for tests (see {@link
   * FanoutBroadcaster#holdsAnyLock()} for why).
   */
  boolean holdsAnyLock() {
    return Thread.holdsLock(lock) || engine.holdsAnyLock();
  }

  /** Returns the delivery engine; for tests. */
  FanoutBroadcaster engine() {
    return engine;
  }

  @Override
  public void close() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      if (flushTask != null) {
        flushTask.cancel(/* mayInterruptIfRunning= */ false);
      }
      if (stragglerTask != null) {
        stragglerTask.cancel(/* mayInterruptIfRunning= */ false);
      }
    }
    try {
      flush();
    } finally {
      engine.close();
    }
  }

  @Override
  public String toString() {
    return "BatchingBroadcaster[minInterval="
        + Duration.ofNanos(minIntervalNanos)
        + ", maxDelay="
        + Duration.ofNanos(maxDelayNanos)
        + ", maxEntries="
        + maxEntries
        + ", engine="
        + engine
        + "]";
  }
}
