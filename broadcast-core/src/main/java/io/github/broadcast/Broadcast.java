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
  final Frame patchFrame; // The same for clients that take patches; null: they take frame.
  final List<SessionUpdate> updates;
  final boolean batch;
  final long originNanos;
  final long startNanos;
  final Handover handover; // The batch flush this belongs to, or null.
  final long firstSeq; // The view position of the first update of its publish.

  private final AtomicInteger references = new AtomicInteger();

  /**
   * @param patchFrame the frame for clients that take patches, or null if none was made
   * @param batch whether {@code frame} is a {@code batch_update}
   * @param originNanos when the oldest update was accepted (a batch waits before it starts)
   * @param startNanos when the broadcast was offered to the clients
   * @param handover the flush clock to tell when ready clients have it, or null
   * @param firstSeq the position in the view of the first update of its publish: a client that
   *     takes it holds everything before
   */
  Broadcast(
      Frame frame,
      Frame patchFrame,
      List<SessionUpdate> updates,
      boolean batch,
      long originNanos,
      long startNanos,
      Handover handover,
      long firstSeq) {
    this.frame = frame;
    this.patchFrame = patchFrame;
    this.updates = updates;
    this.batch = batch;
    this.originNanos = originNanos;
    this.startNanos = startNanos;
    this.handover = handover;
    this.firstSeq = firstSeq;
  }

  // Written by the publisher before its last release; read by whoever releases last.
  private int clients;
  // The publisher's, under the registry lock: outboxes to offer it, and those that queued it.
  private int expected;
  private int queued;

  /** Returns the frame for a client that takes patches ({@code patches}) or not. */
  Frame frameFor(boolean patches) {
    return patches && patchFrame != null ? patchFrame : frame;
  }

  /** Sets one reference per outbox about to be offered the broadcast, plus the publisher's. */
  void expect(int outboxes) {
    expected = outboxes;
    references.set(outboxes + 1);
  }

  /** Called by the publisher for each outbox that queued it. */
  void queued() {
    queued++;
  }

  /**
   * Called by the publisher once every outbox was offered the broadcast: drops the references of
   * the outboxes that did not queue it, and its own. Returns whether that was the last.
   */
  boolean offered() {
    clients = queued;
    return references.addAndGet(-(expected - queued) - 1) == 0;
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
