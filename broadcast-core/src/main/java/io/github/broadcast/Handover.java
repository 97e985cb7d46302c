package io.github.broadcast;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One batch flush on its way to the sockets of the clients that were ready for it: the clock of
 * self-clocked batching. The flusher holds one count while it offers; each outbox that takes a
 * frame of the flush straight to its socket (nothing queued or in flight before it) holds one more
 * until that send completes, fails, is dropped or its client closes. A client that was still busy
 * with earlier frames is not counted: it conflates or catches up, and never holds the clock back.
 *
 * <p>When the count reaches zero, {@code onDone} runs. When only stragglers are left (at most a
 * tenth of the ready clients, and at least one, if there were two or more), {@code onStragglers}
 * runs first, once, so that the broadcaster may stop waiting for them a little later: one client
 * that stalls on the very frame it was ready for must not hold everyone's next flush. A lone ready
 * client is never a straggler: it paces the clock by itself. Each runs at most once, on the thread
 * that released last.
 */
final class Handover {

  private final AtomicInteger pending = new AtomicInteger(1);
  private final AtomicInteger counted = new AtomicInteger();
  private final AtomicBoolean stragglersReported = new AtomicBoolean();
  private final Runnable onDone;
  private final Runnable onStragglers;
  private volatile int allowance = -1; // Stragglers tolerated; -1 until the flusher has offered.

  Handover(Runnable onDone, Runnable onStragglers) {
    this.onDone = onDone;
    this.onStragglers = onStragglers;
  }

  /** Counts one more frame on its way to a ready client's socket. */
  void acquire() {
    counted.incrementAndGet();
    pending.incrementAndGet();
  }

  /** The flusher has offered every frame: releases its own count. */
  void offered() {
    int ready = counted.get();
    allowance = ready < 2 ? 0 : Math.max(1, ready / 10);
    release();
  }

  /** That frame reached the socket, or will never go; runs {@code onDone} after the last. */
  void release() {
    int left = pending.decrementAndGet();
    if (left == 0) {
      onDone.run();
    } else if (left <= allowance && stragglersReported.compareAndSet(false, true)) {
      onStragglers.run();
    }
  }
}
