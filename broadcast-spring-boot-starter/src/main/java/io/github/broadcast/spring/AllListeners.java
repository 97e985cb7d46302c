package io.github.broadcast.spring;

import io.github.broadcast.BroadcastListener;
import io.github.broadcast.CloseReason;
import io.github.broadcast.OverflowPolicy;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Every {@link BroadcastListener} bean of the application, as the one listener a broadcaster takes:
 * each event goes to each of them, in order; one that throws does not keep the event from the
 * others, and the first exception is thrown once all have run (the broadcaster counts it as a
 * fault). The beans are looked up at the first event, not when the broadcaster is built, so that a
 * listener may itself depend on the broadcaster. Thread-safe.
 */
final class AllListeners implements BroadcastListener {

  private final Supplier<List<BroadcastListener>> lookup;
  private volatile List<BroadcastListener> listeners; // Null until the first event.

  AllListeners(Supplier<List<BroadcastListener>> lookup) {
    this.lookup = lookup;
  }

  private List<BroadcastListener> listeners() {
    List<BroadcastListener> found = listeners;
    if (found == null) {
      found = List.copyOf(lookup.get());
      listeners = found; // Racing first events may both look up: the same beans.
    }
    return found;
  }

  @Override
  public void clientClosed(String clientId, CloseReason reason) {
    each(l -> l.clientClosed(clientId, reason));
  }

  @Override
  public void updatesDropped(String clientId, OverflowPolicy policy, int updates) {
    each(l -> l.updatesDropped(clientId, policy, updates));
  }

  @Override
  public void slowBroadcast(String slowestClientId, Duration took, int clients) {
    each(l -> l.slowBroadcast(slowestClientId, took, clients));
  }

  @Override
  public void delivered(long latencyNanos) {
    RuntimeException first = null;
    for (BroadcastListener listener : listeners()) { // The hot path: no lambda.
      try {
        listener.delivered(latencyNanos);
      } catch (RuntimeException e) {
        first = first(first, e);
      }
    }
    if (first != null) {
      throw first;
    }
  }

  private static RuntimeException first(RuntimeException first, RuntimeException next) {
    if (first == null) {
      return next;
    }
    first.addSuppressed(next);
    return first;
  }

  private void each(Consumer<BroadcastListener> event) {
    RuntimeException first = null;
    for (BroadcastListener listener : listeners()) {
      try {
        event.accept(listener);
      } catch (RuntimeException e) {
        first = first(first, e);
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
