package io.github.broadcast;

import java.util.concurrent.CompletionStage;

/**
 * The transport seam: one connected WebSocket peer, as a broadcaster sees it. The Tyrus adapter
 * wraps a {@code jakarta.websocket.Session}; tests and benchmarks use in-memory fakes.
 *
 * <p>Rules for implementers:
 *
 * <ul>
 *   <li>{@link #send} must not block. It returns a stage that completes normally once the frame has
 *       been handed to the socket (written, or queued in the transport's own write buffer), and
 *       exceptionally if it never will be. A broadcaster never has two sends in flight on one
 *       client, so an implementation need not queue.
 *   <li>{@link #close} must not block and may be called more than once, from any thread; after it,
 *       sends may fail.
 *   <li>No method may call back into the broadcaster while the broadcaster is calling it.
 * </ul>
 *
 * <p>A broadcaster identifies clients by {@code equals}; the default identity equality is right for
 * almost every implementation.
 */
public interface Client {

  /** Returns a short id for logs, stats and listener calls; need not be unique. */
  String id();

  /**
   * Starts sending {@code frame}; see the class rules. Called by at most one thread at a time,
   * never again before the previous stage has completed.
   */
  CompletionStage<Void> send(Frame frame);

  /**
   * Starts sending a transport-level ping (a WebSocket ping frame), after every frame sent before
   * it, and returns true; the broadcaster then expects {@link Broadcaster#onPong} when the answer
   * to this latest ping arrives. The broadcaster calls it on the heartbeat interval and, when
   * paced, after data frames, to learn what the client has consumed; never while a send is in
   * flight. Like {@link #send}, it must not block.
   *
   * <p>The default sends nothing and returns false, for transports without pings: such a client is
   * never held to the heartbeat's silence rule and is paced by its send completions.
   */
  default boolean ping() {
    return false;
  }

  /**
   * Returns whether this transport can write a frame and a ping after it in one go ({@link
   * #sendThenPing}): a paced broadcaster then pings each frame without a second write. Fixed for
   * the client's life; the default is false.
   */
  default boolean canSendThenPing() {
    return false;
  }

  /**
   * Starts sending {@code frame} and, right after it, a ping, as {@link #send} then {@link #ping}
   * would, in one write: returns the frame's stage, with {@link #send}'s rules; the ping's answer
   * comes to {@link Broadcaster#onPong}. Called only when {@link #canSendThenPing} is true.
   *
   * @throws UnsupportedOperationException by the default
   */
  default CompletionStage<Void> sendThenPing(Frame frame) {
    throw new UnsupportedOperationException("sendThenPing on " + id());
  }

  /**
   * Returns whether this client acknowledges the data frames it applies ({@link
   * Broadcaster#onAck}), so that a paced broadcaster paces it by its acknowledgements instead of
   * its pongs: a page that acknowledges after applying (or drawing) a frame counts as busy while
   * its main thread is. Fixed for the client's life; the default is false.
   */
  default boolean acknowledges() {
    return false;
  }

  /**
   * Returns whether this client takes patches: an update of a session whose previous version it
   * holds comes as an RFC 7386 merge patch from that version ({@code {"session_id", "version",
   * "base", "patch"}}), encoded once for every such client; one it does not hold comes whole. Only
   * the JSON codec writes patches; with another, such a client is sent whole states. Fixed for the
   * client's life; the default is false (a client that did not ask, with {@code ?delta=1}).
   */
  default boolean receivesPatches() {
    return false;
  }

  /**
   * Returns where this client left off before it reconnected ({@code ?since=V&epoch=E}), or null
   * for a client that holds nothing: its {@code initial_state} then carries only what changed after
   * that point when the broadcaster can prove it, else everything. Asked once, at registration; the
   * default is null.
   */
  default ResumePoint resumeFrom() {
    return null;
  }

  /**
   * Returns which topics this client receives from registration on ({@link Topics}); {@link
   * Broadcaster#subscribe} changes them later. Asked once, at registration; the default, like null,
   * is {@link Topics#all()}: every session.
   */
  default Topics topics() {
    return Topics.all();
  }

  /** Closes the connection with {@code reason}'s close code; see the class rules. */
  void close(CloseReason reason);
}
