package io.github.broadcast;

import io.github.broadcast.testing.RecordingClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * A client that records, in every call the broadcaster makes on it, whether the calling thread
 * holds a lock of that broadcaster: the design promises that no send, close or ping happens under a
 * library lock. Delegates everything else to a {@link RecordingClient}.
 */
final class LockProbe implements Client {

  private final RecordingClient delegate;
  private volatile Broadcaster broadcaster;
  // Guarded by this.
  private final List<String> violations = new ArrayList<>();

  LockProbe(RecordingClient delegate) {
    this.delegate = delegate;
  }

  /** Sets the broadcaster whose locks are checked; before registering. */
  LockProbe watch(Broadcaster broadcaster) {
    this.broadcaster = broadcaster;
    return this;
  }

  /** Returns whether the calling thread holds a lock of {@code broadcaster}. */
  static boolean locked(Broadcaster broadcaster) {
    if (broadcaster instanceof BatchingBroadcaster) {
      return ((BatchingBroadcaster) broadcaster).holdsAnyLock();
    }
    return broadcaster instanceof FanoutBroadcaster
        && ((FanoutBroadcaster) broadcaster).holdsAnyLock();
  }

  private void check(String call) {
    Broadcaster watched = broadcaster;
    if (watched != null && locked(watched)) {
      synchronized (this) {
        violations.add(call + " on " + Thread.currentThread().getName());
      }
    }
  }

  /** Returns the calls made under a library lock. */
  synchronized List<String> violations() {
    return new ArrayList<>(violations);
  }

  RecordingClient recorder() {
    return delegate;
  }

  @Override
  public String id() {
    return delegate.id();
  }

  @Override
  public CompletionStage<Void> send(Frame frame) {
    check("send");
    return delegate.send(frame);
  }

  @Override
  public boolean ping() {
    check("ping");
    return delegate.ping();
  }

  @Override
  public void close(CloseReason reason) {
    check("close");
    delegate.close(reason);
  }
}
