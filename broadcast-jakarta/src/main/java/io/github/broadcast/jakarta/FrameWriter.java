package io.github.broadcast.jakarta;

import io.github.broadcast.Frame;
import jakarta.websocket.Extension;
import jakarta.websocket.SendHandler;
import jakarta.websocket.Session;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * A container's direct path for ready-made frames: with one, the endpoint hands each message's
 * {@link Frame}, whose bytes are built once for all clients ({@link Frame#webSocketFrame()}, or
 * {@link Frame#deflatedWebSocketFrame()} where compression was negotiated), to every connection,
 * instead of handing its text to the container to frame and encode again per client.
 *
 * <p>The Jakarta WebSocket API has no such path, so this is a container adapter's hook:
 * broadcast-tyrus' embedded server installs one for Tyrus, and the endpoint's default reaches
 * Tomcat's and Jetty's own (see {@link BroadcastEndpointConfig.Builder#frameWriter}). Without one,
 * the endpoint sends through {@code session.getAsyncRemote().sendText}.
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

  /**
   * Chooses the extensions of a handshake from the client's {@code requested} offers, in place of
   * the container's choice: the extensions whose frames this writer builds itself (compression,
   * say). Returns null, the default, to leave the choice to the container.
   */
  default List<Extension> negotiate(List<Extension> requested) {
    return null;
  }

  /** Writes whole frames to one connection. */
  @FunctionalInterface
  interface Sink {

    /**
     * Writes {@code frame}'s bytes, in the form this connection negotiated, after every frame the
     * container queued before it, and calls {@code done} exactly once, when they are written or
     * have failed. Never two at once: the endpoint waits for {@code done} before the next write.
     *
     * @throws RuntimeException if the write cannot start (the connection closed, say); then {@code
     *     done} is not called
     */
    void write(Frame frame, SendHandler done);

    /**
     * Writes a ping frame carrying {@code payload} (at most 125 bytes) after every frame written
     * before it, without blocking, and returns true; or returns false, the default, when this sink
     * has no direct path for pings (the endpoint then uses the container's). Called only when no
     * write is in flight.
     *
     * @throws RuntimeException if the write cannot start (the connection closed, say)
     */
    default boolean ping(ByteBuffer payload) {
      return false;
    }

    /**
     * Returns whether this sink writes a frame and a ping right after it at once ({@link
     * #writeThenPing}); the default is false.
     */
    default boolean canWriteThenPing() {
      return false;
    }

    /**
     * Writes {@code frame}, as {@link #write} does, and a ping frame carrying {@code payload} right
     * after it, nothing between them: in one write where the transport can, else queued behind the
     * frame before this method returns. {@code done} is called once, when the frame (and, in one
     * write, the ping) is written or has failed. Called only when {@link #canWriteThenPing} is
     * true.
     *
     * @throws RuntimeException if the write cannot start; then {@code done} is not called
     */
    default void writeThenPing(Frame frame, ByteBuffer payload, SendHandler done) {
      throw new UnsupportedOperationException("writeThenPing");
    }
  }
}
