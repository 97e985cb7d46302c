package io.github.broadcast;

import static java.util.Objects.requireNonNull;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;

/**
 * Coalesces updates per session, latest version wins, and every flush interval hands the batch to
 * the delivery engine as one {@code batch_update} frame (several, if a cap on entries is set). The
 * cost of a publish is one map write, whatever the number of clients.
 *
 * <p>Threads: {@link #publish} may be called from any thread and never blocks on delivery. The
 * flush runs on the scheduler, scheduled when the first update of a window arrives, so an idle
 * broadcaster does not wake up. {@code lock} guards the pending map and is never held while the
 * engine delivers: a flush takes the pending map under it, then hands each chunk to the engine
 * outside it. Two flushes may overlap (the scheduled one and the one in {@link #close}); the
 * engine's version check keeps that safe, since an entry older than what the other flush already
 * delivered is discarded as stale, never applied over it.
 *
 * <p>Faults: a chunk the codec cannot encode is delivered update by update, so only the update that
 * cannot be encoded is lost (counted as a fault); the remaining chunks and the flush clock carry
 * on.
 */
final class BatchingBroadcaster implements Broadcaster {

  private static final System.Logger logger = System.getLogger(Broadcaster.class.getName());

  private final FanoutBroadcaster engine;
  private final Scheduler scheduler;
  private final Duration interval;
  private final int maxEntries;
  private final Ticker ticker;

  private final Object lock = new Object();
  // Guarded by lock.
  private LinkedHashMap<String, SessionUpdate> pending = new LinkedHashMap<>();
  // Guarded by lock: when the oldest pending update was accepted.
  private long windowStartNanos;
  // Guarded by lock.
  private boolean flushScheduled;
  // Guarded by lock.
  private Future<?> flushTask;
  // Guarded by lock.
  private boolean closed;

  BatchingBroadcaster(
      FanoutBroadcaster engine, Scheduler scheduler, Duration interval, int maxEntries) {
    this.engine = engine;
    this.scheduler = scheduler;
    this.interval = interval;
    this.maxEntries = maxEntries;
    this.ticker = engine.ticker;
  }

  @Override
  public void publish(SessionUpdate update) {
    requireNonNull(update, "update");
    boolean schedule = false;
    synchronized (lock) {
      Checks.requireState(!closed, "broadcaster is closed; cannot publish %s", update);
      SessionUpdate previous = pending.get(update.sessionId());
      if (previous == null) {
        if (pending.isEmpty()) {
          windowStartNanos = ticker.read();
          schedule = !flushScheduled;
          flushScheduled = true;
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
    if (schedule) {
      scheduleFlush();
    }
  }

  private void scheduleFlush() {
    Future<?> task;
    try {
      task = scheduler.schedule(this::scheduledFlush, interval);
    } catch (RejectedExecutionException e) {
      logger.log(Level.ERROR, "scheduler refused the batch flush; flushing now", e);
      scheduledFlush();
      return;
    }
    synchronized (lock) {
      flushTask = task;
    }
  }

  private void scheduledFlush() {
    try {
      flush();
    } catch (RuntimeException e) {
      engine.fault("a batch flush (the next one is still scheduled)", null, e);
    }
    boolean reschedule;
    synchronized (lock) {
      reschedule = !closed && !pending.isEmpty();
      flushScheduled = reschedule;
    }
    if (reschedule) {
      scheduleFlush();
    }
  }

  /**
   * Hands everything pending to the engine, in chunks of at most {@code maxEntries}, each offered
   * and then drained with no lock held. After {@link #close}, chunks not yet offered are dropped:
   * the clients they were for are being closed.
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
    for (int from = 0; from < batch.size(); from += maxEntries) {
      int to = Math.min(batch.size(), from + maxEntries);
      if (!engine.deliver(batch.subList(from, to), origin, /* batch= */ true)) {
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
  public void onPing(Client client) {
    engine.onPing(client);
  }

  @Override
  public void onPong(Client client) {
    engine.onPong(client);
  }

  @Override
  public BroadcastStats stats() {
    return engine.stats();
  }

  /** Returns whether the calling thread holds any lock of this broadcaster; for tests. */
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
    }
    try {
      flush();
    } finally {
      engine.close();
    }
  }

  @Override
  public String toString() {
    return "BatchingBroadcaster[interval="
        + interval
        + ", maxEntries="
        + maxEntries
        + ", engine="
        + engine
        + "]";
  }
}
