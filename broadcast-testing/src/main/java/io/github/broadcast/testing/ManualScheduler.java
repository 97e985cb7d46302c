package io.github.broadcast.testing;

import io.github.broadcast.Scheduler;
import java.time.Duration;
import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link Scheduler} that runs nothing by itself: {@link #advance} moves the {@link FakeTicker}
 * and runs every task that falls due, on the calling thread, in due-time order. Tasks scheduled by
 * a running task run in the same call if they fall due within it.
 */
public final class ManualScheduler implements Scheduler {

  private final FakeTicker ticker;
  private final AtomicLong sequence = new AtomicLong();
  // Guarded by this.
  private final PriorityQueue<Task> tasks =
      new PriorityQueue<>(
          Comparator.<Task>comparingLong(t -> t.dueNanos).thenComparingLong(t -> t.sequence));

  /** A scheduler whose tasks run only when {@code ticker} is advanced past their time. */
  public ManualScheduler(FakeTicker ticker) {
    this.ticker = ticker;
  }

  @Override
  public synchronized ScheduledFuture<?> schedule(Runnable runnable, Duration delay) {
    Task task = new Task(runnable, ticker.read() + delay.toNanos(), sequence.incrementAndGet());
    tasks.add(task);
    return task;
  }

  /** Advances time by {@code duration}, running due tasks at their due times. */
  public void advance(Duration duration) {
    long target = ticker.read() + duration.toNanos();
    while (true) {
      Task next;
      synchronized (this) {
        next = tasks.peek();
        if (next == null || next.dueNanos > target) {
          break;
        }
        tasks.poll();
      }
      ticker.advanceTo(next.dueNanos);
      if (!next.cancelled) {
        next.runnable.run();
      }
    }
    ticker.advanceTo(target);
  }

  /** Runs the tasks due now without moving time. */
  public void runDue() {
    advance(Duration.ZERO);
  }

  /** Returns how many tasks are waiting, cancelled ones excluded. */
  public synchronized long pending() {
    return tasks.stream().filter(t -> !t.cancelled).count();
  }

  private static final class Task implements ScheduledFuture<Object> {
    final Runnable runnable;
    final long dueNanos;
    final long sequence;
    volatile boolean cancelled;

    Task(Runnable runnable, long dueNanos, long sequence) {
      this.runnable = runnable;
      this.dueNanos = dueNanos;
      this.sequence = sequence;
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(dueNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public int compareTo(Delayed other) {
      return Long.compare(getDelay(TimeUnit.NANOSECONDS), other.getDelay(TimeUnit.NANOSECONDS));
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      cancelled = true;
      return true;
    }

    @Override
    public boolean isCancelled() {
      return cancelled;
    }

    @Override
    public boolean isDone() {
      return cancelled;
    }

    @Override
    public Object get() throws ExecutionException {
      throw new UnsupportedOperationException("the manual scheduler does not wait");
    }

    @Override
    public Object get(long timeout, TimeUnit unit) throws ExecutionException {
      throw new UnsupportedOperationException("the manual scheduler does not wait");
    }
  }
}
