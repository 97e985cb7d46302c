package io.github.broadcast.spring;

import io.github.broadcast.BroadcastListener;
import io.github.broadcast.CloseReason;
import io.github.broadcast.OverflowPolicy;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * Every {@link BroadcastListener} bean of the application, as the one listener a broadcaster takes:
 * each event goes to each of them, in order; one that throws does not keep the event from the
 * others, and the first exception is thrown once all have run (the broadcaster counts it as a
 * fault). Immutable.
 */
final class AllListeners implements BroadcastListener {

  private final List<BroadcastListener> listeners;

  AllListeners(List<BroadcastListener> listeners) {
    this.listeners = List.copyOf(listeners);
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
    for (BroadcastListener listener : listeners) { // The hot path: no lambda, no list.
      listener.delivered(latencyNanos);
    }
  }

  private void each(Consumer<BroadcastListener> event) {
    RuntimeException first = null;
    for (BroadcastListener listener : listeners) {
      try {
        event.accept(listener);
      } catch (RuntimeException e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
