package io.github.broadcast;

import java.time.Duration;

/**
 * Hooks into a broadcaster's notable events, for logs, alerts or metrics. Every method has an empty
 * default; {@link #NONE} is the listener that does nothing.
 *
 * <p>Rules for implementers: a method must execute fast, without external locking, must not block,
 * and must not call back into the broadcaster. It is called from publisher threads, transport
 * threads and the scheduler thread, possibly at once. An exception it throws is logged and
 * otherwise ignored: it never disturbs delivery.
 */
public interface BroadcastListener {

  /** The listener that does nothing. */
  BroadcastListener NONE = new BroadcastListener() {};

  /** The broadcaster closed {@code clientId} for {@code reason}. */
  default void clientClosed(String clientId, CloseReason reason) {}

  /**
   * {@code clientId}'s outbox overflowed and {@code policy} dropped or coalesced {@code updates}
   * updates; the client is brought back to the true state later (see {@link OverflowPolicy}).
   */
  default void updatesDropped(String clientId, OverflowPolicy policy, int updates) {}

  /**
   * One broadcast took {@code took} from publish until its last client's send completed, which is
   * more than the slow-broadcast threshold; {@code slowestClientId} was that last client.
   */
  default void slowBroadcast(String slowestClientId, Duration took, int clients) {}

  /**
   * A frame carrying updates reached a client's socket (its send completed), {@code latencyNanos}
   * after the oldest of those updates was published. Called once per client per frame, the
   * broadcaster's hottest path: record and return (a Micrometer {@code Timer} or an HdrHistogram
   * {@code Recorder} will do). Control frames (pongs, pings) are not reported.
   */
  default void delivered(long latencyNanos) {}
}
