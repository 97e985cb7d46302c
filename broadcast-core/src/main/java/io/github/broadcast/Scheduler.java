package io.github.broadcast;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs a task once after a delay. A broadcaster uses one scheduler for its batch flushes, its send
 * timeouts and grace periods, and its heartbeats; periodic work reschedules itself.
 *
 * <p>Implementations must be thread-safe and must not run the task on the calling thread. Tests
 * inject a manual scheduler that runs due tasks when they advance a fake {@link Ticker}.
 *
 * <pre>{@code
 * ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
 * Broadcaster broadcaster = Broadcasters.newBuilder()
 *     .scheduler(Scheduler.forExecutor(executor))  // the caller shuts the executor down
 *     .build();
 * }</pre>
 */
@FunctionalInterface
public interface Scheduler {

  /**
   * Schedules {@code task} to run once after {@code delay}.
   *
   * @return a handle whose {@code cancel(false)} stops a task that has not started yet
   */
  Future<?> schedule(Runnable task, Duration delay);

  /**
   * Returns a scheduler that delegates to {@code executor}. The executor stays the caller's: a
   * broadcaster never shuts it down.
   */
  static Scheduler forExecutor(ScheduledExecutorService executor) {
    requireNonNull(executor, "executor");
    return (task, delay) -> executor.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
  }
}
