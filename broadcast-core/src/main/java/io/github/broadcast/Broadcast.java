package io.github.broadcast;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One publish (or one flush) on its way to the clients: the frame, encoded once, the updates it
 * carries, and a reference count of the outboxes still holding it.
 *
 * <p>Reference counting: the publisher holds one reference while it offers the broadcast to
 * every outbox, and each outbox that queues it takes one more before queueing it (so a fast
 * drainer on another thread cannot finish it early). Whoever releases the last reference knows
 * the broadcast is complete and reports its duration for the slow-broadcast warning.
 */
final class Broadcast {

  final Frame frame;
  final List<SessionUpdate> updates;
  final long originNanos;
  final long startNanos;
  final int bytesPerUpdate;

  private final AtomicInteger references = new AtomicInteger(1);
  private volatile String lastClientId;
  private volatile int clients;

  /**
   * @param originNanos when the oldest update was accepted (a batch waits before it starts)
   * @param startNanos when the broadcast was offered to the clients
   */
  Broadcast(Frame frame, List<SessionUpdate> updates, long originNanos, long startNanos) {
    this.frame = frame;
    this.updates = updates;
    this.originNanos = originNanos;
    this.startNanos = startNanos;
    this.bytesPerUpdate = Math.max(1, frame.bytes() / Math.max(1, updates.size()));
  }

  /** Takes a reference for an outbox that queues this broadcast. */
  void retain() {
    references.incrementAndGet();
    clients++; // Only the publisher's thread calls retain, inside the registry lock.
  }

  /** Drops one reference; returns whether it was the last. */
  boolean release(String clientId) {
    if (clientId != null) {
      lastClientId = clientId;
    }
    return references.decrementAndGet() == 0;
  }

  /** Returns the client that released last, the slowest one; null if no client took it. */
  String lastClientId() {
    return lastClientId;
  }

  /** Returns how many outboxes queued this broadcast. */
  int clients() {
    return clients;
  }
}
