package io.github.broadcast;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Lets at most one log line through per interval and counts the ones it held back, so that a
 * condition lasting minutes (a slow client, a codec failing on every publish) cannot flood the log.
 * Lock-free; any thread may call it.
 */
final class LogGate {

  /** Returned by {@link #admit} when the line must not be logged. */
  static final long SUPPRESSED = -1;

  private final long intervalNanos;
  private final AtomicLong lastNanos;
  private final LongAdder suppressed = new LongAdder();

  LogGate(long intervalNanos, long nowNanos) {
    this.intervalNanos = intervalNanos;
    this.lastNanos = new AtomicLong(nowNanos - intervalNanos);
  }

  /**
   * Returns {@link #SUPPRESSED} if a line was let through less than an interval ago; otherwise how
   * many lines were held back since the last one let through, which the caller appends.
   */
  long admit(long nowNanos) {
    long last = lastNanos.get();
    if (nowNanos - last < intervalNanos || !lastNanos.compareAndSet(last, nowNanos)) {
      suppressed.increment();
      return SUPPRESSED;
    }
    return suppressed.sumThenReset();
  }

  /** Returns " (N more not logged)" for a non-zero count, else the empty string. */
  static String suffix(long suppressed, String what) {
    return suppressed <= 0 ? "" : " (" + suppressed + " more " + what + " not logged)";
  }
}
