package io.github.broadcast.jakarta;

import io.github.broadcast.Frame;
import jakarta.websocket.SendHandler;
import jakarta.websocket.SendResult;
import jakarta.websocket.Session;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicReference;

/*
 * Design note: Tomcat's and Jetty's direct paths.
 *
 * The Jakarta API sends text: each container encodes it to UTF-8 again for every session (Tomcat
 * in 8 KiB pieces, each its own fragment and its own write: TextMessageSendHandler), and its pings
 * block (Tomcat's sendPing waits for the write; Jetty's waits on a callback, which on the thread of
 * a completion can wait for itself). Both containers have, one layer down, what the endpoint
 * needs: a message whose payload is ready-made bytes, written without blocking, with a completion.
 *
 *   - Tomcat 11: WsRemoteEndpointImplBase.startMessage(opCode, payload, last, SendHandler), the
 *     package-private method its own async sends end in. It frames the payload, runs it through
 *     the negotiated extensions (permessage-deflate compresses it per session), writes header and
 *     payload in one gathering write, and queues a control frame started while a message is in
 *     flight behind that message, in order. Reached through WsSession's private field
 *     wsRemoteEndpoint, with setAccessible: Tomcat's classes live in the unnamed module, whose
 *     packages are open.
 *   - Jetty 12: the session's public getCoreSession().sendFrame(Frame, Callback, batch), the core
 *     API its Jakarta layer is built on; extensions apply there too. Its frame queue puts a ping
 *     ahead of queued data frames, so the sink never writes a frame and a ping together: the
 *     endpoint pings only once nothing of its own is in flight, and then nothing is queued to jump.
 *
 * The payload is the UTF-8 payload of the message's shared frame (Frame.webSocketFrame(), past its
 * header), one read-only view per write: encoded once for every session. Whatever fails to resolve
 * (another version, a security manager, a container on the module path that does not open the
 * package) leaves that container on the plain path, sendText and the container's sendPing, with one
 * warning; nothing else changes. The contract suite runs both containers, and RawFramesIT checks
 * on each that a large message leaves as one frame and that a ping follows each data frame.
 */
/**
 * The endpoint's default {@link FrameWriter}: Tomcat's and Jetty's own non-blocking paths for
 * ready-made frames and pings, found by reflection; none elsewhere. See the design note.
 */
final class ContainerWriters implements FrameWriter {

  static final ContainerWriters INSTANCE = new ContainerWriters();

  private static final System.Logger logger = System.getLogger(ContainerWriters.class.getName());
  private static final byte OPCODE_TEXT = 0x1;
  private static final byte OPCODE_PING = 0x9;

  // What each session class resolves to: a way to open a sink, or NONE.
  private final ClassValue<Opener> openers =
      new ClassValue<>() {
        @Override
        protected Opener computeValue(Class<?> type) {
          return resolve(type);
        }
      };

  private ContainerWriters() {}

  @Override
  public Sink open(Session session) {
    return openers.get(session.getClass()).open(session);
  }

  /** Opens a sink for one session of the class it was resolved for. */
  @FunctionalInterface
  interface Opener {
    Sink open(Session session);
  }

  private static final Opener NONE = session -> null;

  static Opener resolve(Class<?> type) {
    String name = type.getName();
    try {
      if (name.equals("org.apache.tomcat.websocket.WsSession")) {
        return TomcatSink.resolve(type);
      }
      if (name.startsWith("org.eclipse.jetty.") && hasCoreSession(type)) {
        return JettySink.resolve(type);
      }
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      logger.log(
          Level.WARNING,
          () ->
              "no direct path on "
                  + name
                  + " ("
                  + e
                  + "): messages go through sendText, encoded per session, and pings block",
          e);
    }
    return NONE;
  }

  private static boolean hasCoreSession(Class<?> type) {
    try {
      type.getMethod("getCoreSession");
      return true;
    } catch (NoSuchMethodException e) {
      return false;
    }
  }

  /** {@code frame}'s UTF-8 payload: its shared wire bytes past the header, as a new view. */
  static ByteBuffer payload(Frame frame) {
    ByteBuffer wire = frame.webSocketFrame();
    int start = wire.position();
    int length = wire.get(start + 1) & 0x7F;
    int header = length < 126 ? 2 : length == 126 ? 4 : 10;
    return wire.position(start + header).slice();
  }

  private static ByteBuffer copy(ByteBuffer payload) {
    ByteBuffer copy = ByteBuffer.allocate(payload.remaining());
    return copy.put(payload.duplicate()).flip();
  }

  /**
   * Tomcat 11: startMessage on the session's WsRemoteEndpointImplBase.
   *
   * <p>One wrinkle: a frame started while a ping is being written waits in Tomcat's queue, and if
   * the connection then fails, Tomcat reports the failure to the ping's handler only (endMessage
   * hands the queued part's write error to the handler of the part before it). So the sink keeps
   * the frame's handler itself, and a failed ping fails the frame waiting behind it: a dropped
   * client's send fails at once instead of at the send timeout.
   */
  private static final class TomcatSink implements Sink {
    private final MethodHandle startMessage; // (endpoint, byte, ByteBuffer, boolean, SendHandler)
    private final Object endpoint;
    private final AtomicReference<SendHandler> pending = new AtomicReference<>();
    private final SendHandler frameDone = result -> report(result);
    private final SendHandler pingDone = result -> pingDone(result);
    private final Session session;

    private TomcatSink(MethodHandle startMessage, Session session, Object endpoint) {
      this.startMessage = startMessage;
      this.session = session;
      this.endpoint = endpoint;
    }

    static Opener resolve(Class<?> sessionType) throws ReflectiveOperationException {
      Field field = sessionType.getDeclaredField("wsRemoteEndpoint");
      field.setAccessible(true);
      Method method =
          field
              .getType()
              .getDeclaredMethod(
                  "startMessage", byte.class, ByteBuffer.class, boolean.class, SendHandler.class);
      method.setAccessible(true);
      MethodHandle getter = MethodHandles.lookup().unreflectGetter(field);
      MethodHandle start =
          MethodHandles.lookup()
              .unreflect(method)
              .asType(
                  MethodType.methodType(
                      void.class,
                      Object.class,
                      byte.class,
                      ByteBuffer.class,
                      boolean.class,
                      SendHandler.class));
      MethodHandle endpointOf = getter.asType(MethodType.methodType(Object.class, Object.class));
      return session -> {
        try {
          return new TomcatSink(start, session, (Object) endpointOf.invokeExact((Object) session));
        } catch (Throwable e) {
          throw rethrow(e);
        }
      };
    }

    @Override
    public void write(Frame frame, SendHandler done) {
      pending.set(done);
      try {
        start(OPCODE_TEXT, payload(frame), frameDone);
      } catch (RuntimeException e) {
        pending.compareAndSet(done, null); // Not started: done is not called.
        throw e;
      }
    }

    /** Reports the frame in flight's result, once. */
    private void report(SendResult result) {
      SendHandler done = pending.getAndSet(null);
      if (done != null) {
        done.onResult(result);
      }
    }

    /**
     * A ping that could not be written means the connection failed: the frame queued behind it, if
     * any, fails with it, and the session is closed, as Tomcat's own sendPing does when its write
     * fails (otherwise nothing may notice until the silence rule does).
     */
    private void pingDone(SendResult result) {
      if (result.isOK()) {
        return;
      }
      report(result);
      try {
        session.close(
            new jakarta.websocket.CloseReason(
                jakarta.websocket.CloseReason.CloseCodes.GOING_AWAY, "write failed"));
      } catch (IOException | RuntimeException e) {
        logger.log(Level.DEBUG, () -> "close after a failed ping failed: " + e);
      }
    }

    /** Starts a ping; the pong to it, or its absence, is judged by the caller. */
    @Override
    public boolean ping(ByteBuffer payload) {
      start(OPCODE_PING, payload, pingDone);
      return true;
    }

    @Override
    public boolean canWriteThenPing() {
      return true;
    }

    /** The ping is queued right behind the frame, before anything else can be: in order. */
    @Override
    public void writeThenPing(Frame frame, ByteBuffer payload, SendHandler done) {
      write(frame, done);
      try {
        start(OPCODE_PING, payload, pingDone);
      } catch (RuntimeException e) {
        // The frame is on its way and done will be called; an unsent ping goes unanswered, and
        // the silence rule judges that.
        logger.log(Level.DEBUG, () -> "ping failed: " + e);
      }
    }

    private void start(byte opCode, ByteBuffer payload, SendHandler done) {
      try {
        startMessage.invokeExact(endpoint, opCode, payload, true, done);
      } catch (Throwable e) {
        throw rethrow(e);
      }
    }
  }

  /** Jetty 12: sendFrame on the session's CoreSession. */
  private static final class JettySink implements Sink {
    private final MethodHandle sendFrame; // (coreSession, frame, callback, batch)
    private final MethodHandle newFrame; // (byte, ByteBuffer) -> Frame
    private final Class<?> callbackType;
    private final Session session;
    private final Object coreSession;
    private final Object ignored;

    private JettySink(
        MethodHandle sendFrame,
        MethodHandle newFrame,
        Class<?> callbackType,
        Session session,
        Object coreSession) {
      this.sendFrame = sendFrame;
      this.newFrame = newFrame;
      this.callbackType = callbackType;
      this.session = session;
      this.coreSession = coreSession;
      this.ignored = callback(null);
    }

    static Opener resolve(Class<?> sessionType) throws ReflectiveOperationException {
      ClassLoader loader = sessionType.getClassLoader();
      Class<?> coreSessionType =
          Class.forName("org.eclipse.jetty.websocket.core.CoreSession", false, loader);
      Class<?> frameType = Class.forName("org.eclipse.jetty.websocket.core.Frame", false, loader);
      Class<?> callbackType = Class.forName("org.eclipse.jetty.util.Callback", false, loader);
      MethodHandles.Lookup lookup = MethodHandles.publicLookup();
      MethodHandle coreSessionOf =
          lookup
              .unreflect(sessionType.getMethod("getCoreSession"))
              .asType(MethodType.methodType(Object.class, Object.class));
      MethodHandle send =
          lookup
              .unreflect(
                  coreSessionType.getMethod("sendFrame", frameType, callbackType, boolean.class))
              .asType(
                  MethodType.methodType(
                      void.class, Object.class, Object.class, Object.class, boolean.class));
      MethodHandle frame =
          lookup
              .findConstructor(
                  frameType, MethodType.methodType(void.class, byte.class, ByteBuffer.class))
              .asType(MethodType.methodType(Object.class, byte.class, ByteBuffer.class));
      return session -> {
        try {
          return new JettySink(
              send,
              frame,
              callbackType,
              session,
              (Object) coreSessionOf.invokeExact((Object) session));
        } catch (Throwable e) {
          throw rethrow(e);
        }
      };
    }

    @Override
    public void write(Frame frame, SendHandler done) {
      send(OPCODE_TEXT, payload(frame), callback(done));
    }

    /** Called only when nothing of ours is queued: Jetty puts a ping ahead of queued frames. */
    @Override
    public boolean ping(ByteBuffer payload) {
      send(OPCODE_PING, copy(payload), ignored);
      return true;
    }

    private void send(byte opCode, ByteBuffer payload, Object callback) {
      try {
        Object frame = (Object) newFrame.invokeExact(opCode, payload);
        sendFrame.invokeExact(coreSession, frame, callback, false);
      } catch (Throwable e) {
        throw rethrow(e);
      }
    }

    /** A Jetty Callback reporting to {@code done} (null: reporting nowhere). */
    private Object callback(SendHandler done) {
      InvocationHandler handler =
          (proxy, method, args) -> {
            switch (method.getName()) {
              case "succeeded":
                if (done != null) {
                  done.onResult(new SendResult(session));
                }
                return null;
              case "failed":
                if (done != null) {
                  done.onResult(new SendResult(session, (Throwable) args[0]));
                }
                return null;
              case "toString":
                return "broadcast send callback";
              case "hashCode":
                return System.identityHashCode(proxy);
              case "equals":
                return proxy == args[0];
              default:
                return InvocationHandler.invokeDefault(proxy, method, args);
            }
          };
      return Proxy.newProxyInstance(
          callbackType.getClassLoader(), new Class<?>[] {callbackType}, handler);
    }
  }

  private static RuntimeException rethrow(Throwable e) {
    if (e instanceof RuntimeException) {
      return (RuntimeException) e;
    }
    if (e instanceof Error) {
      throw (Error) e;
    }
    return new IllegalStateException(e);
  }
}
