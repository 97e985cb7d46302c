package io.github.broadcast.tyrus;

import io.github.broadcast.Frame;
import io.github.broadcast.jakarta.FrameWriter;
import jakarta.websocket.Extension;
import jakarta.websocket.RemoteEndpoint;
import jakarta.websocket.SendHandler;
import jakarta.websocket.SendResult;
import jakarta.websocket.Session;
import java.lang.System.Logger.Level;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.util.List;
import org.glassfish.tyrus.core.ProtocolHandler;
import org.glassfish.tyrus.core.TyrusRemoteEndpoint;
import org.glassfish.tyrus.core.TyrusWebSocket;
import org.glassfish.tyrus.spi.CompletionHandler;
import org.glassfish.tyrus.spi.Writer;

/**
 * Tyrus' direct path for ready-made frames: the connection's own {@link Writer}, the one Tyrus
 * writes every frame of that connection through, so these frames queue in order with its pongs and
 * close frames (Grizzly's writer keeps one queue per connection) and complete when Grizzly has
 * written them.
 *
 * <p>Tyrus' public {@code TyrusWebSocket.sendRawFrame} writes the same way but returns a future
 * that only blocks (no callback), and its own {@code Session.broadcast} waits on those futures. The
 * writer sits behind three private fields ({@code TyrusRemoteEndpoint.webSocket}, {@code
 * TyrusWebSocket.protocolHandler}, {@code ProtocolHandler.writer}), read by reflection; if a Tyrus
 * version renames them, or the module path does not open {@code org.glassfish.tyrus.core}, every
 * session falls back to {@code sendText} (logged once), and {@code TyrusFrameWriterTest} fails.
 *
 * <p>Skipped, so a session sends text as before: a session that negotiated an extension (its frames
 * must pass through it) or has an idle timeout (Tyrus restarts that timer on its own sends only).
 */
final class TyrusFrameWriter implements FrameWriter {

  private static final System.Logger logger = System.getLogger(TyrusFrameWriter.class.getName());

  private static final Field WEB_SOCKET;
  private static final Field PROTOCOL_HANDLER;
  private static final Field WRITER;

  static {
    Field webSocket = null;
    Field protocolHandler = null;
    Field writer = null;
    try {
      webSocket = accessible(TyrusRemoteEndpoint.class, "webSocket");
      protocolHandler = accessible(TyrusWebSocket.class, "protocolHandler");
      writer = accessible(ProtocolHandler.class, "writer");
    } catch (ReflectiveOperationException | RuntimeException e) {
      logger.log(
          Level.INFO,
          "Tyrus' connection writer is out of reach ("
              + e
              + "); frames are encoded per client by sendText. On the module path, open"
              + " org.glassfish.tyrus.core to this module.");
      webSocket = null;
    }
    WEB_SOCKET = webSocket;
    PROTOCOL_HANDLER = protocolHandler;
    WRITER = writer;
  }

  private final boolean deflate;
  private volatile int maxInflatedBytes = Integer.MAX_VALUE - 8;

  /** A writer; with {@code deflate}, it also negotiates permessage-deflate with clients. */
  TyrusFrameWriter(boolean deflate) {
    this.deflate = deflate;
  }

  /** Sets the most a compressed client message may inflate to: the endpoint's message limit. */
  void maxInflatedBytes(int maxInflatedBytes) {
    this.maxInflatedBytes = maxInflatedBytes;
  }

  @Override
  public List<Extension> negotiate(List<Extension> requested) {
    if (!deflate) {
      return null;
    }
    for (Extension offer : requested) { // In the client's order of preference.
      if (PerMessageDeflate.NAME.equals(offer.getName())) {
        PerMessageDeflate accepted =
            PerMessageDeflate.accept(offer.getParameters(), maxInflatedBytes);
        if (accepted != null) {
          return List.of(accepted);
        }
      }
    }
    return List.of();
  }

  private static Field accessible(Class<?> owner, String name) throws NoSuchFieldException {
    Field field = owner.getDeclaredField(name);
    field.setAccessible(true);
    return field;
  }

  /** Whether this Tyrus version's writer is within reach. */
  static boolean available() {
    return WEB_SOCKET != null;
  }

  @Override
  public Sink open(Session session) {
    List<Extension> extensions = session.getNegotiatedExtensions();
    boolean compress = false;
    if (extensions.size() == 1 && extensions.get(0) instanceof PerMessageDeflate) {
      compress = ((PerMessageDeflate) extensions.get(0)).compressOutgoing();
    } else if (!extensions.isEmpty()) {
      return null;
    }
    if (!available() || session.getMaxIdleTimeout() > 0) {
      return null;
    }
    RemoteEndpoint.Async remote = session.getAsyncRemote();
    if (!(remote instanceof TyrusRemoteEndpoint)) {
      return null;
    }
    try {
      Object webSocket = WEB_SOCKET.get(remote);
      Object protocolHandler = webSocket == null ? null : PROTOCOL_HANDLER.get(webSocket);
      Object writer = protocolHandler == null ? null : WRITER.get(protocolHandler);
      return writer instanceof Writer ? new Direct(session, (Writer) writer, compress) : null;
    } catch (IllegalAccessException e) {
      return null;
    }
  }

  /**
   * One connection's sink. It is its own completion handler: the endpoint keeps one write in
   * flight, so the handler of that write is a field, and a write allocates nothing here.
   */
  private static final class Direct extends CompletionHandler<ByteBuffer> implements Sink {

    /** A ping's completion: a ping that fails is never answered, and the silence rule judges. */
    private static final CompletionHandler<ByteBuffer> PING_WRITTEN =
        new CompletionHandler<ByteBuffer>() {};

    private final Session session;
    private final Writer writer;
    private final boolean compress;
    private final SendResult ok;
    private volatile SendHandler done;

    Direct(Session session, Writer writer, boolean compress) {
      this.session = session;
      this.writer = writer;
      this.compress = compress;
      this.ok = new SendResult(session);
    }

    @Override
    public void write(Frame frame, SendHandler done) {
      if (!session.isOpen()) { // Tyrus' sendText refuses the same way.
        throw new IllegalStateException("the session is closed");
      }
      this.done = done;
      writer.write(compress ? frame.deflatedWebSocketFrame() : frame.webSocketFrame(), this);
    }

    /** Writes the ping frame (RFC 6455, section 5.5.2: FIN, opcode 9, unmasked) in the queue. */
    @Override
    public boolean ping(ByteBuffer payload) {
      if (!session.isOpen()) {
        throw new IllegalStateException("the session is closed");
      }
      ByteBuffer frame = ByteBuffer.allocate(2 + pingLength(payload));
      putPing(frame, payload);
      writer.write(frame.flip(), PING_WRITTEN);
      return true;
    }

    @Override
    public boolean canWriteThenPing() {
      return true;
    }

    /**
     * Copies the frame's shared bytes and the ping after them into one buffer, written at once: one
     * system call and one segment for both, where a ping of its own costs a second of each (and a
     * second wake-up of the client).
     */
    @Override
    public void writeThenPing(Frame frame, ByteBuffer payload, SendHandler done) {
      if (!session.isOpen()) {
        throw new IllegalStateException("the session is closed");
      }
      ByteBuffer bytes = compress ? frame.deflatedWebSocketFrame() : frame.webSocketFrame();
      ByteBuffer both = ByteBuffer.allocate(bytes.remaining() + 2 + pingLength(payload));
      both.put(bytes);
      putPing(both, payload);
      this.done = done;
      writer.write(both.flip(), this);
    }

    private static int pingLength(ByteBuffer payload) {
      int length = payload.remaining();
      if (length > 125) {
        throw new IllegalArgumentException("ping payload : " + length + " (expected: <= 125)");
      }
      return length;
    }

    private static void putPing(ByteBuffer frame, ByteBuffer payload) {
      frame.put((byte) 0x89).put((byte) payload.remaining()).put(payload.duplicate());
    }

    @Override
    public void completed(ByteBuffer result) {
      finish(ok);
    }

    @Override
    public void failed(Throwable throwable) {
      finish(new SendResult(session, throwable));
    }

    @Override
    public void cancelled() {
      failed(new IllegalStateException("the write was cancelled"));
    }

    private void finish(SendResult result) {
      SendHandler handler = done;
      done = null;
      if (handler != null) {
        handler.onResult(result);
      }
    }
  }
}
