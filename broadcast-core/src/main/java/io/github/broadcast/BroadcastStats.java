package io.github.broadcast;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * An immutable snapshot of a broadcaster's counters, from {@link Broadcaster#stats()}. Counters are
 * cumulative since the broadcaster was built; {@code clients} and {@code queuedBytes} are gauges
 * read at the snapshot. Metrics libraries bind to this from outside; the core depends on none.
 *
 * @param clients clients registered now
 * @param clientsBehind clients owed a catch-up or a resync now: paced clients that have not yet
 *     consumed what they were sent, and clients past their outbox limit
 * @param published updates accepted by {@code publish}
 * @param staleUpdates updates discarded because a newer version of their session was already
 *     published
 * @param updatesCoalesced updates a batch replaced with a newer version of their session before
 *     flushing (batched strategies only)
 * @param framesEncoded frames encoded for broadcast, snapshots and coalesced catch-ups included;
 *     one per publish (per flush when batched) on the fast path, whatever the client count; two
 *     when some clients take patches and some do not (the patches are encoded once too)
 * @param framesSent frames whose send completed, summed over clients
 * @param bytesSent UTF-8 bytes of those frames
 * @param updatesDropped updates an overflow policy coalesced away or dropped, summed over clients
 *     (counted when the client is sent its catch-up or resync); pacing drops none
 * @param resyncs snapshots sent to bring a client back after an overflow
 * @param resumes clients that reconnected with {@code ?since=V} and were sent only what changed
 *     after V, not the whole view
 * @param faults exceptions thrown by a codec, a listener or a client and contained: each is logged
 *     (at most one line a second) and affects only the client concerned
 * @param queuedBytes bytes of frames waiting in all outboxes now, not counting frames in flight; a
 *     client behind holds a cursor into the view, not bytes
 * @param closes clients closed by the broadcaster, by reason
 * @param latencyP50 median time from publish to a client's send completing
 * @param latencyP99 99th percentile of the same
 * @param latencyMax the largest of the same
 */
public record BroadcastStats(
    int clients,
    int clientsBehind,
    long published,
    long staleUpdates,
    long updatesCoalesced,
    long framesEncoded,
    long framesSent,
    long bytesSent,
    long updatesDropped,
    long resyncs,
    long resumes,
    long faults,
    long queuedBytes,
    Map<CloseReason, Long> closes,
    Duration latencyP50,
    Duration latencyP99,
    Duration latencyMax) {

  /** Copies {@code closes} into an unmodifiable map holding every reason. */
  public BroadcastStats {
    requireNonNull(closes, "closes");
    requireNonNull(latencyP50, "latencyP50");
    requireNonNull(latencyP99, "latencyP99");
    requireNonNull(latencyMax, "latencyMax");
    EnumMap<CloseReason, Long> all = new EnumMap<>(CloseReason.class);
    for (CloseReason reason : CloseReason.values()) {
      all.put(reason, closes.getOrDefault(reason, 0L));
    }
    closes = Collections.unmodifiableMap(all);
  }

  /** Returns how many clients were closed for {@code reason}. */
  public long closed(CloseReason reason) {
    return closes.get(requireNonNull(reason, "reason"));
  }

  /** Returns how many clients were closed for any reason. */
  public long closedTotal() {
    long total = 0;
    for (long count : closes.values()) {
      total += count;
    }
    return total;
  }
}
