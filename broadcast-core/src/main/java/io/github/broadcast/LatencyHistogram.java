package io.github.broadcast;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAccumulator;

/**
 * Latencies in nanoseconds, recorded from any thread without a lock, read as percentiles within 1%
 * (log-linear buckets: 128 per power of two, so a bucket is at most 1/128 of its value wide; values
 * under 128 ns are exact). Values past {@link #MAX_NANOS} count as {@code MAX_NANOS}.
 *
 * <p>Why not HdrHistogram, which does the same: it declares no module name, so a named module that
 * requires it can be used on the module path only while the jar keeps its Maven file name, and a
 * library should not publish that promise. This is the part of it the library needs: one cumulative
 * histogram, a few percentiles and the maximum, about 37 KB per broadcaster.
 *
 * <p>Thread-safe. A reader may see a recording that is under way in the count but not yet in the
 * maximum, or the reverse; every recording is seen by the next read that starts after it ends.
 */
final class LatencyHistogram {

  /** The largest value kept apart: one hour. */
  static final long MAX_NANOS = 3_600_000_000_000L;

  private static final int SUB_BITS = 7;
  private static final int SUB_COUNT = 1 << SUB_BITS;

  private final AtomicLongArray counts = new AtomicLongArray(index(MAX_NANOS) + 1);
  private final LongAccumulator max = new LongAccumulator(Math::max, 0);

  /** Records one latency; a negative one is a caller's bug and is refused. */
  void record(long nanos) {
    if (nanos < 0) {
      throw new IllegalArgumentException("latency : " + nanos + " (expected: >= 0)");
    }
    long value = Math.min(nanos, MAX_NANOS);
    counts.incrementAndGet(index(value));
    max.accumulate(value);
  }

  /** The largest recorded value, exactly; 0 if none. */
  long max() {
    return max.get();
  }

  /**
   * The value at {@code percentile} (0 to 100): the upper end of the bucket that holds it, so never
   * below the true value and at most 1% above it, and never above {@link #max()}; 0 if none.
   */
  long valueAt(double percentile) {
    long[] snapshot = new long[counts.length()];
    long total = 0;
    for (int i = 0; i < snapshot.length; i++) {
      snapshot[i] = counts.get(i);
      total += snapshot[i];
    }
    if (total == 0) {
      return 0;
    }
    long rank = Math.max(1, (long) Math.ceil(percentile / 100.0 * total));
    long seen = 0;
    for (int i = 0; i < snapshot.length; i++) {
      seen += snapshot[i];
      if (seen >= rank) {
        return Math.min(highestIn(i), max());
      }
    }
    return max();
  }

  /** The bucket of {@code value}: exact below 128, then 128 buckets per power of two. */
  static int index(long value) {
    if (value < SUB_COUNT) {
      return (int) value;
    }
    int exponent = 63 - Long.numberOfLeadingZeros(value); // >= SUB_BITS
    int shift = exponent - SUB_BITS;
    int sub = (int) (value >>> shift) - SUB_COUNT; // 0 to 127
    return ((shift + 1) << SUB_BITS) + sub;
  }

  /** The largest value that falls in bucket {@code index}. */
  static long highestIn(int index) {
    if (index < SUB_COUNT) {
      return index;
    }
    int shift = (index >>> SUB_BITS) - 1;
    long sub = (index & (SUB_COUNT - 1)) + SUB_COUNT;
    return ((sub + 1) << shift) - 1;
  }
}
