package io.github.broadcast;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counters behind {@link BroadcastStats}: {@link LongAdder}s written from any thread without
 * contention, and a {@link LatencyHistogram} for latency, which records without a lock.
 */
final class StatsRecorder {

  private final LongAdder published = new LongAdder();
  private final LongAdder staleUpdates = new LongAdder();
  private final LongAdder coalesced = new LongAdder();
  private final LongAdder framesEncoded = new LongAdder();
  private final LongAdder framesSent = new LongAdder();
  private final LongAdder bytesSent = new LongAdder();
  private final LongAdder updatesDropped = new LongAdder();
  private final LongAdder resyncs = new LongAdder();
  private final LongAdder resumes = new LongAdder();
  private final LongAdder faults = new LongAdder();
  private final EnumMap<CloseReason, LongAdder> closes = new EnumMap<>(CloseReason.class);
  private final LatencyHistogram latency = new LatencyHistogram();

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
      latency.record(latencyNanos);
    }
  }

  void dropped(int updates) {
    updatesDropped.add(updates);
  }

  void resynced() {
    resyncs.increment();
  }

  void resumed() {
    resumes.increment();
  }

  void fault() {
    faults.increment();
  }

  void closed(CloseReason reason) {
    closes.get(reason).increment();
  }

  BroadcastStats snapshot(int clients, int clientsBehind, long queuedBytes) {
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
        resumes.sum(),
        faults.sum(),
        queuedBytes,
        closed,
        Duration.ofNanos(latency.valueAt(50)),
        Duration.ofNanos(latency.valueAt(99)),
        Duration.ofNanos(latency.max()));
  }
}
