package io.github.broadcast;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;

/*
 * Design note: the server-wide guard.
 *
 * Pacing keeps each client within what it consumes; nothing in it keeps all clients together
 * within what the server's CPU can encode and write. With thousands of clients that each consume
 * fast, the sum can exceed it: the CPU saturates, the server's own work (taking in the updates it
 * broadcasts) waits behind the frames, and every round trip lengthens. This budget caps the data
 * frames started per second across the paced clients, only while this server saturates the CPU.
 *
 * The controller (AIMD, as TCP's congestion window), every PERIOD_NANOS:
 *   - load >= HIGH: the limit drops to three quarters of the frames actually started in the last
 *     period (or of the limit, if lower): below what saturated the CPU;
 *   - load <= LOW while limited: the limit grows by a quarter; once it is twice what was started,
 *     it no longer binds, and the budget is off again.
 * The floor is one frame a second per client, so no client starves however busy the machine.
 *
 * While limited, a client whose window is open and that is owed a frame takes a token first; with
 * none left it waits in a FIFO (Outbox.waitForBudget), keeping its cursor, and the release task
 * hands the tokens to the waiting clients in order as they accrue: under fan-out, clients get fewer
 * and fuller frames, taking turns, never a backlog. An idle client offered a broadcast while no
 * token is left keeps a cursor instead and waits its turn the same way.
 *
 * The load is this process's share of the machine's CPU (com.sun.management's getProcessCpuLoad,
 * 0 to 1: 1 when it keeps every core busy), not the whole machine's. Cutting this server's frames
 * relieves only what this server spends; a machine filled by a neighbour is no reason to starve
 * its clients. Measured: with the whole machine's load as the signal, the load test's clients
 * (which share the 2 cores here) kept the guard engaged, and it cost more than it saved: p99 at
 * (100, 10, 1000) 1.3 to 1.6 s against 0.7 to 0.9 s without the guard, at (50, 10, 500) 0.3 to
 * 0.9 s against 0.15 to 0.18 s (load test, same jar but for this signal, two runs each).
 *
 * Threads: tryTake is lock-free (a CAS on the tokens), so an outbox calls it under its monitor; the
 * controller and the release run on the broadcaster's scheduler; the FIFO is a concurrent queue.
 */
/** The engine-wide cap on paced frames per second under CPU saturation; see the design note. */
final class FrameBudget {

  /** How often the controller looks at the load. */
  static final long PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

  /** How often waiting clients are released while the budget is limited. */
  static final long RELEASE_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  static final double HIGH = 0.90;
  static final double LOW = 0.75;

  private static final long UNLIMITED = Long.MAX_VALUE;
  private static final long NANOS_PER_SECOND = TimeUnit.SECONDS.toNanos(1);

  private final DoubleSupplier load;
  // Frames a second while limited, UNLIMITED when off. Written by the controller.
  private volatile long limit = UNLIMITED;
  // Tokens, in frames times NANOS_PER_SECOND (so that a fraction of a frame accrues), and when
  // they were last refilled.
  private final AtomicLong tokens = new AtomicLong();
  private final AtomicLong refilledNanos = new AtomicLong();
  private final LongAdder started = new LongAdder(); // Paced data frames since the last period.
  private final LongAdder waited = new LongAdder(); // Times a client waited for a token.
  private final ConcurrentLinkedQueue<Outbox> waiting = new ConcurrentLinkedQueue<>();

  FrameBudget(DoubleSupplier load) {
    this.load = load;
  }

  /** Whether frames are limited now. */
  boolean limited() {
    return limit != UNLIMITED;
  }

  /** The limit in frames a second, or -1 when there is none. */
  long limitPerSecond() {
    long current = limit;
    return current == UNLIMITED ? -1 : current;
  }

  /** How many times a client waited for a token, since the start. */
  long waits() {
    return waited.sum();
  }

  /**
   * Takes a token for one data frame at {@code nowNanos}; returns false if none is left (the caller
   * then waits its turn, {@link #enqueue}). Lock-free.
   */
  boolean tryTake(long nowNanos) {
    long current = limit;
    if (current == UNLIMITED) {
      started.increment();
      return true;
    }
    refill(nowNanos, current);
    while (true) {
      long available = tokens.get();
      if (available < NANOS_PER_SECOND) {
        waited.increment();
        return false;
      }
      if (tokens.compareAndSet(available, available - NANOS_PER_SECOND)) {
        started.increment();
        return true;
      }
    }
  }

  /** Counts a data frame started by a client the budget does not govern. */
  void startedUnbudgeted() {
    started.increment();
  }

  private void refill(long nowNanos, long perSecond) {
    long last = refilledNanos.get();
    long elapsed = nowNanos - last;
    if (elapsed <= 0 || !refilledNanos.compareAndSet(last, nowNanos)) {
      return;
    }
    // A burst of at most a tenth of a second's frames.
    long cap = Math.max(perSecond / 10, 1) * NANOS_PER_SECOND;
    long add = Math.min(elapsed, NANOS_PER_SECOND) * perSecond;
    tokens.getAndUpdate(t -> Math.min(cap, t + add));
  }

  /** Puts {@code outbox} in line for a token; the release task drains it in turn. */
  void enqueue(Outbox outbox) {
    waiting.add(outbox);
  }

  /** Whether clients wait for tokens. */
  boolean hasWaiting() {
    return !waiting.isEmpty();
  }

  /**
   * Drains waiting clients in order while tokens last (all of them once the budget is off); each
   * takes its token when it starts its frame, or waits again. Called by the release task, outside
   * every lock.
   */
  void release(long nowNanos) {
    long current = limit;
    int count = waiting.size();
    if (current != UNLIMITED) {
      refill(nowNanos, current);
      count = (int) Math.min(count, tokens.get() / NANOS_PER_SECOND);
    }
    for (int i = 0; i < count; i++) {
      Outbox outbox = waiting.poll();
      if (outbox == null) {
        return;
      }
      outbox.budgetReleased();
      outbox.drain();
    }
  }

  /**
   * The controller's look at the load after a period of {@code periodNanos}, at {@code nowNanos},
   * with {@code clients} registered; see the design note.
   */
  void adjust(long periodNanos, long nowNanos, int clients) {
    double now = load.getAsDouble();
    long rate = started.sumThenReset() * NANOS_PER_SECOND / Math.max(1, periodNanos);
    long floor = Math.max(1, clients);
    long current = limit;
    if (now >= HIGH) {
      long base = current == UNLIMITED ? rate : Math.min(current, rate);
      long next = Math.max(floor, base * 3 / 4);
      if (current == UNLIMITED) {
        tokens.set(0);
        refilledNanos.set(nowNanos);
      }
      limit = next;
    } else if (now <= LOW && current != UNLIMITED) {
      long next = current + Math.max(1, current / 4);
      limit = next > 2 * Math.max(rate, floor) ? UNLIMITED : next;
    }
  }

  @Override
  public String toString() {
    long current = limit;
    return "FrameBudget[" + (current == UNLIMITED ? "off" : current + " frames/s") + "]";
  }
}
