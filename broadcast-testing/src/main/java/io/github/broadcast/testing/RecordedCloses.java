package io.github.broadcast.testing;

import io.github.broadcast.BroadcastListener;
import io.github.broadcast.CloseReason;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A {@link BroadcastListener} that records why the broadcaster closed each client, in order, so
 * that a test can wait for the first close on a latch and assert who was closed and why. Thread-
 * safe: the broadcaster calls it from any thread.
 */
public final class RecordedCloses implements BroadcastListener {

  private final List<CloseReason> reasons = new CopyOnWriteArrayList<>();
  private final CountDownLatch first = new CountDownLatch(1);

  @Override
  public void clientClosed(String clientId, CloseReason reason) {
    reasons.add(reason);
    first.countDown();
  }

  /** Whether no client has been closed yet. */
  public boolean isEmpty() {
    return reasons.isEmpty();
  }

  /** The reasons' names ({@link CloseReason#name()}), in the order the clients were closed. */
  public List<String> names() {
    return reasons.stream().map(CloseReason::name).collect(Collectors.toList());
  }

  /**
   * Waits up to {@code timeout} for the first close and returns its reason.
   *
   * @throws AssertionError if no client was closed in time
   */
  public CloseReason awaitFirst(Duration timeout) throws InterruptedException {
    if (!first.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
      throw new AssertionError("no client was closed within " + timeout);
    }
    return reasons.get(0);
  }
}
