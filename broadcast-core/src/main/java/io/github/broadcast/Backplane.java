package io.github.broadcast;

import java.util.function.Consumer;

/**
 * Carries session updates from where they are produced to every node's broadcaster. The
 * in-process default hands each update straight to its subscribers; a Redis backplane (module
 * broadcast-redis) carries them between server nodes so that every node serves one view.
 *
 * <pre>{@code
 * Backplane backplane = Backplane.inProcess();
 * backplane.subscribe(broadcaster::publish);
 * SessionStore store = SessionStore.newBuilder().sink(backplane::publish).build();
 * }</pre>
 *
 * <p>Implementations are thread-safe: {@link #publish} may be called from any thread.
 * Subscribers receive updates of one session in a consistent order where the backplane can
 * promise it; a broadcaster discards an update older than one it already delivered, so an
 * out-of-order delivery never makes a client go backwards.
 */
public interface Backplane extends AutoCloseable {

  /** Sends {@code update} to every subscriber, on every node. */
  void publish(SessionUpdate update);

  /** Adds a subscriber that receives every update published after this call. */
  void subscribe(Consumer<SessionUpdate> subscriber);

  /** Stops delivery to subscribers and releases the backplane's resources. Idempotent. */
  @Override
  void close();

  /** Returns a backplane that delivers on the publishing thread, within this JVM. */
  static Backplane inProcess() {
    return new InProcessBackplane();
  }
}
