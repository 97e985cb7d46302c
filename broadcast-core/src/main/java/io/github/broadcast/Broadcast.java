package io.github.broadcast;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One publish (or one flush) on its way to the clients: the frame, encoded once, the updates it
 * carries, and a reference count of the outboxes still holding it.
 *
 * <p>Reference counting, with one atomic write per client: before offering, the publisher sets one
 * reference per outbox plus its own, so a fast drainer on another thread cannot bring the count to
 * zero while the publisher is still offering; after offering, it drops the references of the
 * outboxes that did not queue the broadcast, and its own. Whoever releases the last reference knows
 * the broadcast is complete and reports its duration for the slow-broadcast warning.
 */
final class Broadcast {

  final Frame frame;
  final List<SessionUpdate> updates;
  final boolean batch;
  final long originNanos;
  final long startNanos;
  final Handover handover; // The batch flush this belongs to, or null.

  private final AtomicInteger references = new AtomicInteger();

  // Guarded by the registry lock (outboxes conflate only while a publisher offers under it):
  // each update's size as a batch of one, measured when an outbox first conflates it.
  private int[] entryBytes;

  /**
   * @param batch whether {@code frame} is a {@code batch_update}
   * @param originNanos when the oldest update was accepted (a batch waits before it starts)
   * @param startNanos when the broadcast was offered to the clients
   * @param handover the flush clock to tell when ready clients have it, or null
   */
  Broadcast(
      Frame frame,
      List<SessionUpdate> updates,
      boolean batch,
      long originNanos,
      long startNanos,
      Handover handover) {
    this.frame = frame;
    this.updates = updates;
    this.batch = batch;
    this.originNanos = originNanos;
    this.startNanos = startNanos;
    this.handover = handover;
  }

  // Written by the publisher before its last release; read by whoever releases last.
  private int clients;

  /**
   * Returns the UTF-8 bytes of update {@code index} encoded as a {@code batch_update} of one, or -1
   * if the codec failed. Each update is measured at most once per broadcast, however many outboxes
   * conflate it; a conflated catch-up is never larger than the sum of its entries measured so (see
   * {@link MessageCodec#batchUpdate}). Called under the registry lock.
   */
  long entryBytes(int index, FanoutBroadcaster engine) {
    if (entryBytes == null) {
      entryBytes = new int[updates.size()];
    }
    int bytes = entryBytes[index];
    if (bytes == 0) {
      if (batch && updates.size() == 1) {
        bytes = frame.bytes();
      } else {
        Frame alone = engine.encodeEntry(updates.get(index));
        bytes = alone == null ? -1 : alone.bytes();
      }
      entryBytes[index] = bytes;
    }
    return bytes;
  }

  /** Sets one reference per outbox about to be offered the broadcast, plus the publisher's. */
  void expect(int outboxes) {
    references.set(outboxes + 1);
  }

  /**
   * Called by the publisher once every outbox was offered the broadcast: drops the references of
   * the outboxes that did not queue it, and its own. Returns whether that was the last.
   */
  boolean offered(int queued, int outboxes) {
    clients = queued;
    return references.addAndGet(-(outboxes - queued) - 1) == 0;
  }

  /** Drops one outbox's reference; returns whether it was the last. */
  boolean release() {
    return references.decrementAndGet() == 0;
  }

  /** Returns how many outboxes queued this broadcast. */
  int clients() {
    return clients;
  }
}
