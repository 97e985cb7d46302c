package io.github.broadcast;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The counters behind {@link BroadcastStats}: {@link LongAdder}s written from any thread without
 * contention, and an HdrHistogram {@link Recorder} for latency, whose recording is wait-free.
 * {@link #snapshot} folds the recorder's interval into a cumulative histogram under a lock that
 * only readers take.
 */
final class StatsRecorder {

  private static final long MAX_LATENCY_NANOS = TimeUnit.HOURS.toNanos(1);

  private final LongAdder published = new LongAdder();
  private final LongAdder staleUpdates = new LongAdder();
  private final LongAdder coalesced = new LongAdder();
  private final LongAdder framesEncoded = new LongAdder();
  private final LongAdder framesSent = new LongAdder();
  private final LongAdder bytesSent = new LongAdder();
  private final LongAdder updatesDropped = new LongAdder();
  private final LongAdder resyncs = new LongAdder();
  private final LongAdder faults = new LongAdder();
  private final EnumMap<CloseReason, LongAdder> closes = new EnumMap<>(CloseReason.class);
  private final Recorder latency = new Recorder(MAX_LATENCY_NANOS, 2);

  // Guarded by this: only snapshot() reads the recorder.
  private Histogram interval;
  private final Histogram total = new Histogram(MAX_LATENCY_NANOS, 2);

  StatsRecorder() {
    for (CloseReason reason : CloseReason.values()) {
      closes.put(reason, new LongAdder());
    }
  }

  void published(int updates) {
    published.add(updates);
  }

  void stale(int updates) {
    staleUpdates.add(updates);
  }

  void coalesced(int updates) {
    coalesced.add(updates);
  }

  void encoded() {
    framesEncoded.increment();
  }

  /** Counts a completed send; a negative latency (a control frame) is not recorded. */
  void sent(Frame frame, long latencyNanos) {
    framesSent.increment();
    bytesSent.add(frame.bytes());
    if (latencyNanos >= 0) {
      latency.recordValue(Math.min(latencyNanos, MAX_LATENCY_NANOS));
    }
  }

  void dropped(int updates) {
    updatesDropped.add(updates);
  }

  void resynced() {
    resyncs.increment();
  }

  void fault() {
    faults.increment();
  }

  void closed(CloseReason reason) {
    closes.get(reason).increment();
  }

  synchronized BroadcastStats snapshot(int clients, int clientsBehind, long queuedBytes) {
    interval = latency.getIntervalHistogram(interval);
    total.add(interval);
    Map<CloseReason, Long> closed = new EnumMap<>(CloseReason.class);
    closes.forEach((reason, count) -> closed.put(reason, count.sum()));
    return new BroadcastStats(
        clients,
        clientsBehind,
        published.sum(),
        staleUpdates.sum(),
        coalesced.sum(),
        framesEncoded.sum(),
        framesSent.sum(),
        bytesSent.sum(),
        updatesDropped.sum(),
        resyncs.sum(),
        faults.sum(),
        queuedBytes,
        closed,
        percentile(50),
        percentile(99),
        Duration.ofNanos(total.getTotalCount() == 0 ? 0 : total.getMaxValue()));
  }

  private Duration percentile(double percentile) {
    return Duration.ofNanos(
        total.getTotalCount() == 0 ? 0 : total.getValueAtPercentile(percentile));
  }
}
