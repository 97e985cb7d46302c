package io.github.broadcast.jmh;

import io.github.broadcast.Client;
import io.github.broadcast.CloseReason;
import io.github.broadcast.Frame;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * An honest fake of a socket. {@link Mode#INLINE} completes a send on the caller's thread, as
 * Grizzly does when the kernel takes the bytes at once; {@link Mode#ASYNC} completes it later, on
 * another thread, after a delay; {@link Mode#STALLED} never completes (a peer that stopped
 * reading). Bytes handed over and bytes completed are counted, so queued bytes are known.
 */
final class AsyncClient implements Client {

  enum Mode {
    INLINE,
    ASYNC,
    STALLED
  }

  private final String id;
  private final Mode mode;
  private final ScheduledExecutorService completer;
  private final long delayNanos;
  private final LongConsumer onDelivered;
  final AtomicLong bytesHanded = new AtomicLong();
  final AtomicLong bytesCompleted = new AtomicLong();
  private volatile boolean open = true;

  AsyncClient(
      String id,
      Mode mode,
      ScheduledExecutorService completer,
      long delayNanos,
      LongConsumer onDelivered) {
    this.id = id;
    this.mode = mode;
    this.completer = completer;
    this.delayNanos = delayNanos;
    this.onDelivered = onDelivered;
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public CompletionStage<Void> send(Frame frame) {
    bytesHanded.addAndGet(frame.bytes());
    switch (mode) {
      case INLINE:
        complete(frame);
        return CompletableFuture.completedFuture(null);
      case ASYNC:
        CompletableFuture<Void> done = new CompletableFuture<>();
        Runnable completion =
            () -> {
              complete(frame);
              done.complete(null);
            };
        if (delayNanos == 0) {
          completer.execute(completion);
        } else {
          completer.schedule(completion, delayNanos, TimeUnit.NANOSECONDS);
        }
        return done;
      default:
        return new CompletableFuture<>(); // Never completes.
    }
  }

  private void complete(Frame frame) {
    bytesCompleted.addAndGet(frame.bytes());
    onDelivered.accept(frame.bytes());
  }

  @Override
  public void close(CloseReason reason) {
    open = false;
  }
}
