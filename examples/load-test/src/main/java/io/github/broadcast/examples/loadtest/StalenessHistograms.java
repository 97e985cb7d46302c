package io.github.broadcast.examples.loadtest;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * The staleness of a group of clients, as a whole and per window of {@link #WINDOW_NANOS} of the
 * events' send times: a strategy whose clients fall further behind through a run shows it as a
 * rising line, which a single percentile over the run would hide. Thread-safe: every client of the
 * group records into it from its connection's thread.
 */
final class StalenessHistograms {

  static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(10);

  private static final long MAX_NANOS = TimeUnit.MINUTES.toNanos(1);

  final Histogram overall;
  private final int digits;
  private final List<Histogram> windows = new ArrayList<>(); // Guarded by itself.
  private volatile long startNanos = Long.MIN_VALUE;

  /** Histograms of two significant digits: 1 % is finer than any figure the report gives. */
  StalenessHistograms() {
    this(2);
  }

  StalenessHistograms(int digits) {
    this.digits = digits;
    this.overall = new ConcurrentHistogram(MAX_NANOS, digits);
  }

  /** Windows count from {@code nanos}: when the measured part of the run begins. */
  void start(long nanos) {
    startNanos = nanos;
  }

  /** Records an event sent at {@code sentAtNanos} that a client held {@code nanos} later. */
  void record(long sentAtNanos, long nanos) {
    long value = Math.min(Math.max(0, nanos), MAX_NANOS);
    overall.recordValue(value);
    long start = startNanos;
    if (start == Long.MIN_VALUE || sentAtNanos < start) {
      return;
    }
    int index = (int) ((sentAtNanos - start) / WINDOW_NANOS);
    Histogram window;
    synchronized (windows) {
      while (windows.size() <= index) {
        windows.add(new ConcurrentHistogram(MAX_NANOS, digits));
      }
      window = windows.get(index);
    }
    window.recordValue(value);
  }

  /** Staleness in milliseconds per window of send time, in order. */
  List<LoadTestReport.Window> windows() {
    List<LoadTestReport.Window> out = new ArrayList<>();
    synchronized (windows) {
      for (int i = 0; i < windows.size(); i++) {
        Histogram h = windows.get(i);
        out.add(
            new LoadTestReport.Window(
                i * WINDOW_NANOS / 1_000_000_000L,
                h.getTotalCount(),
                h.getValueAtPercentile(50) / 1e6,
                h.getValueAtPercentile(99) / 1e6));
      }
    }
    return out;
  }

  /** The 99th percentile over the windows from {@code fromIndex} on, in milliseconds. */
  double p99From(int fromIndex) {
    Histogram merged = new Histogram(MAX_NANOS, digits);
    synchronized (windows) {
      for (int i = fromIndex; i < windows.size(); i++) {
        merged.add(windows.get(i));
      }
    }
    return merged.getValueAtPercentile(99) / 1e6;
  }

  /** The percentiles over the whole run. */
  LoadTestReport.Staleness summary(long undelivered) {
    return new LoadTestReport.Staleness(
        overall.getTotalCount(),
        undelivered,
        overall.getValueAtPercentile(50) / 1e6,
        overall.getValueAtPercentile(90) / 1e6,
        overall.getValueAtPercentile(99) / 1e6,
        overall.getMaxValue() / 1e6);
  }
}
