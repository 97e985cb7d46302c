package io.github.broadcast.jakarta;

import jakarta.websocket.SendHandler;
import jakarta.websocket.Session;
import java.nio.ByteBuffer;

/**
 * A container's direct path for ready-made frames: with one, the endpoint writes each message's
 * frame, built once for all clients ({@link io.github.broadcast.Frame#webSocketFrame()}), to every
 * connection, instead of handing the text to the container to encode again per client.
 *
 * <p>The Jakarta WebSocket API has no such path, so this is a container adapter's hook:
 * broadcast-tyrus' embedded server installs one for Tyrus. Without one (Tomcat, Jetty), the
 * endpoint sends through {@code session.getAsyncRemote().sendText}.
 *
 * <p>Implementations must be thread-safe.
 */
@FunctionalInterface
public interface FrameWriter {

  /**
   * Returns the writer of {@code session}'s connection, or null when this session has none (then
   * the endpoint sends its text through the container). Called once per session, as it opens, after
   * the endpoint has configured it.
   */
  Sink open(Session session);

  /** Writes whole frames to one connection. */
  @FunctionalInterface
  interface Sink {

    /**
     * Writes {@code frame} (one complete, unmasked frame, from its position to its limit) after
     * every frame the container queued before it, and calls {@code done} exactly once, when it is
     * written or has failed. Never two at once: the endpoint waits for {@code done} before the next
     * write.
     *
     * @throws RuntimeException if the write cannot start (the connection closed, say); then {@code
     *     done} is not called
     */
    void write(ByteBuffer frame, SendHandler done);
  }
}
