package io.github.broadcast;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The default {@link Backplane}: each publish calls every subscriber on the publishing thread.
 * Subscribers are kept in a copy-on-write list: subscribing is rare, publishing is not.
 */
final class InProcessBackplane implements Backplane {

  private static final System.Logger logger = System.getLogger(InProcessBackplane.class.getName());

  private final List<Consumer<SessionUpdate>> subscribers = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  @Override
  public void publish(SessionUpdate update) {
    requireNonNull(update, "update");
    if (closed) {
      throw new IllegalStateException("backplane is closed; cannot publish " + update);
    }
    for (Consumer<SessionUpdate> subscriber : subscribers) {
      try {
        subscriber.accept(update);
      } catch (RuntimeException e) {
        // One failing subscriber must not starve the others of the update.
        logger.log(System.Logger.Level.WARNING, "subscriber failed on " + update, e);
      }
    }
  }

  @Override
  public void subscribe(Consumer<SessionUpdate> subscriber) {
    requireNonNull(subscriber, "subscriber");
    Checks.requireState(!closed, "backplane is closed; cannot subscribe");
    subscribers.add(subscriber);
  }

  @Override
  public void close() {
    closed = true;
    subscribers.clear();
  }
}
