package io.github.broadcast.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/*
 * Design note: readiness, rule 2 of the store.
 *
 * A node may write only while ready: connected, subscribed, and reconciled since its last loss.
 * lost() (a dropped connection, a command that timed out, Redis found older than the node)
 * clears it at once and schedules a recovery on the store's one background thread; the
 * subscription going down clears it too, and coming back up schedules one. A recovery runs
 * beginRecovery(), its work (PING, reconcile, reread), then endRecovery() or recoveryFailed().
 *
 * The race this guards: a loss while a recovery runs. beginRecovery() returns the count of
 * losses so far and endRecovery() marks the node ready only if none came since; otherwise the
 * loss already scheduled the next round. So a node never becomes ready on a reconcile that a
 * loss overtook. At most one recovery is scheduled or running (recovering); failed rounds back
 * off from 50 ms, doubling to 1 s.
 *
 * Waiters: a blocking caller waits on this monitor; an asynchronous one holds a future, completed
 * when the node becomes ready, or failed by a timer on the background thread when its patience
 * runs out, or at close. A write that must wait out a rebuild window holds a delay, completed by
 * a timer, or failed at close: closing stops the background thread and drops its timers, so
 * every future a timer would complete is kept here to be failed instead (a writer must never
 * wait on a timer that will not run). Every field is guarded by this.
 */
/** Whether a node may write now, and who waits until it may; see the design note. */
final class Readiness {

  private static final long MAX_DELAY_MILLIS = 1_000;

  private final ScheduledExecutorService background;
  private final Runnable recovery;

  private boolean ready;
  private boolean subscribed;
  private boolean recovering;
  private boolean closed;
  private long losses;
  private long delayMillis;
  private long rebuildUntilNanos; // 0: no rebuild window seen.
  private final List<CompletableFuture<Void>> waiters = new ArrayList<>();
  private final List<CompletableFuture<Void>> delays = new ArrayList<>();

  /**
   * @param recovery runs one recovery round: {@link #beginRecovery}, the work, then {@link
   *     #endRecovery} or {@link #recoveryFailed}; on {@code background}
   */
  Readiness(ScheduledExecutorService background, Runnable recovery) {
    this.background = background;
    this.recovery = recovery;
  }

  synchronized boolean isReady() {
    return ready;
  }

  /**
   * Whether a write now would be made without waiting: ready, and past every rebuild window this
   * node has seen (its own reconcile started one, or a write was told to wait one out).
   */
  synchronized boolean acceptsWrites() {
    return ready && (rebuildUntilNanos == 0 || System.nanoTime() - rebuildUntilNanos >= 0);
  }

  /** A rebuild window with {@code leftMillis} to run was seen (0: none). */
  synchronized void rebuilding(long leftMillis) {
    if (leftMillis > 0) {
      long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(leftMillis);
      if (rebuildUntilNanos == 0 || until - rebuildUntilNanos > 0) {
        rebuildUntilNanos = until;
      }
    }
  }

  /**
   * The subscription came up (schedules a recovery) or went down. Going down is a loss, which the
   * caller reports through {@link #lost()} once, so that it is counted and logged once.
   */
  void subscribed(boolean up) {
    synchronized (this) {
      subscribed = up;
    }
    if (up) {
      scheduleRecovery();
    }
  }

  /** Clears readiness and schedules a recovery; returns whether the node was ready. */
  boolean lost() {
    boolean wasReady;
    synchronized (this) {
      wasReady = ready;
      ready = false;
      losses++;
    }
    scheduleRecovery();
    return wasReady;
  }

  /** Schedules a recovery round unless one is pending, the node is ready, or closed. */
  void scheduleRecovery() {
    long delay;
    synchronized (this) {
      if (recovering || ready || closed) {
        return;
      }
      recovering = true;
      delay = delayMillis;
    }
    try {
      background.schedule(recovery, delay, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      synchronized (this) {
        recovering = false; // Closing.
      }
    }
  }

  /**
   * Starts a round: returns the losses so far, for {@link #endRecovery}, or -1 if there is nothing
   * to do (not subscribed: the subscription's return schedules the next round).
   */
  synchronized long beginRecovery() {
    recovering = false;
    if (!subscribed || ready || closed) {
      return -1;
    }
    return losses;
  }

  /**
   * Ends a round that reconciled: the node is ready if no loss came since {@code token}; returns
   * whether it is. Completes the waiting futures outside the monitor.
   */
  boolean endRecovery(long token) {
    List<CompletableFuture<Void>> released;
    synchronized (this) {
      ready = subscribed && !closed && losses == token;
      if (!ready) {
        return false;
      }
      delayMillis = 0;
      notifyAll();
      released = new ArrayList<>(waiters);
      waiters.clear();
    }
    released.forEach(waiter -> waiter.complete(null));
    return true;
  }

  /** Ends a round that failed: backs off and schedules the next. */
  void recoveryFailed() {
    synchronized (this) {
      delayMillis = Math.min(MAX_DELAY_MILLIS, Math.max(50, 2 * delayMillis));
    }
    scheduleRecovery();
  }

  /**
   * Blocks until the node is ready, at most {@code patience}; then throws what {@code refusal}
   * makes (the change was not made). Throws it at once after {@link #close}.
   */
  void await(Duration patience, Supplier<RuntimeException> refusal) {
    long deadline = System.nanoTime() + patience.toNanos();
    synchronized (this) {
      while (!ready) {
        long left = deadline - System.nanoTime();
        if (closed || left <= 0) {
          throw refusal.get();
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(this, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw refusal.get();
        }
      }
    }
  }

  /**
   * Returns a future completed once the node is ready, or failed with what {@code refusal} makes
   * after {@code patience}, or at {@link #close}.
   */
  CompletableFuture<Void> whenReady(Duration patience, Supplier<RuntimeException> refusal) {
    CompletableFuture<Void> waiter = new CompletableFuture<>();
    synchronized (this) {
      if (ready) {
        return CompletableFuture.completedFuture(null);
      }
      if (closed || patience.isZero() || patience.isNegative()) {
        return CompletableFuture.failedFuture(refusal.get());
      }
      waiters.add(waiter);
    }
    try {
      background.schedule(
          () -> {
            synchronized (this) {
              if (!waiters.remove(waiter)) {
                return; // Released meanwhile.
              }
            }
            waiter.completeExceptionally(refusal.get());
          },
          patience.toNanos(),
          TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      synchronized (this) {
        waiters.remove(waiter);
      }
      waiter.completeExceptionally(refusal.get());
    }
    return waiter;
  }

  /**
   * Returns a future completed after {@code delay} by the background thread, or failed with what
   * {@code refusal} makes at {@link #close}.
   */
  CompletableFuture<Void> delay(Duration delay, Supplier<RuntimeException> refusal) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    synchronized (this) {
      if (closed) {
        return CompletableFuture.failedFuture(refusal.get());
      }
      delays.add(done);
    }
    try {
      background.schedule(
          () -> {
            synchronized (this) {
              if (!delays.remove(done)) {
                return; // Failed by close meanwhile.
              }
            }
            done.complete(null);
          },
          delay.toNanos(),
          TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      synchronized (this) {
        delays.remove(done);
      }
      done.completeExceptionally(refusal.get());
    }
    return done;
  }

  /** Refuses every waiter, every delay and every later wait; the node never becomes ready again. */
  void close(Supplier<RuntimeException> refusal) {
    List<CompletableFuture<Void>> refused;
    synchronized (this) {
      closed = true;
      ready = false;
      notifyAll();
      refused = new ArrayList<>(waiters);
      refused.addAll(delays);
      waiters.clear();
      delays.clear();
    }
    refused.forEach(waiter -> waiter.completeExceptionally(refusal.get()));
  }
}
