package io.github.broadcast.jakarta;

import io.github.broadcast.Client;
import io.github.broadcast.CloseReason;
import io.github.broadcast.Frame;
import io.github.broadcast.ResumePoint;
import io.github.broadcast.Scheduler;
import io.github.broadcast.Ticker;
import io.github.broadcast.Topics;
import jakarta.websocket.CloseReason.CloseCodes;
import jakarta.websocket.SendHandler;
import jakarta.websocket.SendResult;
import jakarta.websocket.Session;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A core {@link Client} over a {@code jakarta.websocket.Session}: sends go through the container's
 * {@link FrameWriter.Sink} when it offers one (the frame's bytes, built once for every client), and
 * else through the asynchronous remote; either completion (in Tyrus on Grizzly) means the frame was
 * written to the socket or to Grizzly's per-connection write queue.
 *
 * <p>At most one send in flight: the broadcaster already guarantees it, and this class checks it,
 * failing a second concurrent send instead of passing it on, since several containers (Tomcat among
 * them) throw when a second async send starts before the first completes.
 *
 * <p>A client the server closes gives back its admission slot at once ({@link #release}), without
 * waiting for the container's {@code onClose}: Jetty, with writes stuck behind a stalled peer,
 * never reports that close, and the slot would stay counted against {@code maxClients}. The close
 * also sets a short idle timeout, so that the container drops a connection whose close frame cannot
 * leave.
 *
 * <p>Threads: {@link #send} is called by the broadcaster's drainer; the completion runs on a
 * container thread; {@link #close} and {@link #ping} may come from any thread.
 */
final class SessionClient implements Client, SendHandler {

  private static final System.Logger logger = System.getLogger(SessionClient.class.getName());

  /** The size of a ping's payload: this client's count of pings, as a big-endian long. */
  static final int PING_PAYLOAD_BYTES = 8;

  /** How long a closed connection may sit without progress before the container drops it. */
  static final long CLOSE_IDLE_MILLIS = 5_000;

  /** Tomcat's per-session limit on how long a close other than 1000 waits for a send in flight. */
  static final String TOMCAT_CLOSE_SEND_TIMEOUT =
      "org.apache.tomcat.websocket.ABNORMAL_SESSION_CLOSE_SEND_TIMEOUT";

  /** How long a close for what the client sent may wait for a send in flight (Tomcat). */
  static final long OWN_CLOSE_WAIT_MILLIS = 2_000;

  /** Tomcat's own default for that wait, kept for the closes the broadcaster makes. */
  static final long TOMCAT_DEFAULT_CLOSE_WAIT_MILLIS = 50;

  /** How long a client being closed for what it sent must be silent before the close is sent. */
  static final Duration QUIET = Duration.ofMillis(500);

  /** How many times it is looked at, {@link #QUIET} apart, before it is closed anyway. */
  static final int MAX_QUIET_CHECKS = 10;

  private final Session session;
  private final FrameWriter.Sink sink; // Null: send text through the async remote.
  private final String id;
  private final TokenBucket inbound;
  private final Runnable onRelease;
  private final boolean acknowledges;
  private final boolean patches;
  private final ResumePoint resumeFrom;
  private final AccessRequest accessRequest; // What the handshake told, for later subscribes.
  private volatile Topics topics;
  // The number of the latest ping, written before it is sent: its pong may beat sendPing's return.
  private final AtomicLong latestPing = new AtomicLong();
  // The stage of the send in flight, null when none: set before the send starts, taken by its
  // one completion.
  private final AtomicReference<CompletableFuture<Void>> inFlight = new AtomicReference<>();
  private final AtomicBoolean released = new AtomicBoolean();
  // The close this client earned by what it sent, pending until its input is quiet; null if none.
  private final AtomicReference<CloseReason> pendingClose = new AtomicReference<>();
  private volatile long lastHeardNanos;
  private volatile boolean closedByServer; // This side started the close.

  SessionClient(Session session, TokenBucket inbound, Runnable onRelease) {
    this(
        session,
        null,
        inbound,
        onRelease,
        /* acknowledges= */ false,
        false,
        null,
        Topics.all(),
        new AccessRequest(null, null, Map.of()));
  }

  /**
   * @param sink the container's direct path for frames, or null to send text
   * @param acknowledges whether the peer said (at the handshake) that it acknowledges frames
   * @param patches whether it asked for patches ({@code ?delta=1})
   * @param resumeFrom where it said it left off ({@code ?since=V&epoch=E}), or null
   * @param topics the topics it receives, as its handshake decided
   * @param accessRequest what its handshake told, for the topic access hook at a later subscribe
   */
  SessionClient(
      Session session,
      FrameWriter.Sink sink,
      TokenBucket inbound,
      Runnable onRelease,
      boolean acknowledges,
      boolean patches,
      ResumePoint resumeFrom,
      Topics topics,
      AccessRequest accessRequest) {
    this.session = session;
    this.sink = sink;
    this.id = "ws-" + session.getId();
    this.inbound = inbound;
    this.onRelease = onRelease;
    this.acknowledges = acknowledges;
    this.patches = patches;
    this.resumeFrom = resumeFrom;
    this.topics = topics;
    this.accessRequest = accessRequest;
  }

  @Override
  public Topics topics() {
    return topics;
  }

  /** Records the topics a later subscribe gave it. */
  void topics(Topics topics) {
    this.topics = topics;
  }

  AccessRequest accessRequest() {
    return accessRequest;
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public CompletionStage<Void> send(Frame frame) {
    return send(frame, /* thenPing= */ false);
  }

  @Override
  public boolean canSendThenPing() {
    return sink != null && sink.canWriteThenPing();
  }

  /** Writes {@code frame} and the next numbered ping after it, in one write through the sink. */
  @Override
  public CompletionStage<Void> sendThenPing(Frame frame) {
    return send(frame, /* thenPing= */ true);
  }

  private CompletionStage<Void> send(Frame frame, boolean thenPing) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    if (!inFlight.compareAndSet(null, done)) {
      return CompletableFuture.failedFuture(
          new IllegalStateException("a send is already in flight on " + id));
    }
    try {
      if (thenPing) {
        sink.writeThenPing(frame, nextPingPayload(), this);
      } else if (sink != null) {
        sink.write(frame, this);
      } else {
        session.getAsyncRemote().sendText(frame.text(), this);
      }
    } catch (RuntimeException e) {
      // Tyrus throws IllegalStateException on a session that closed meanwhile.
      inFlight.compareAndSet(done, null);
      done.completeExceptionally(e);
    }
    return done;
  }

  /** The container's completion of the send in flight. */
  @Override
  public void onResult(SendResult result) {
    CompletableFuture<Void> done = inFlight.getAndSet(null);
    if (done == null) {
      return; // A container that reports twice; the first report counted.
    }
    if (result.isOK()) {
      done.complete(null);
    } else {
      done.completeExceptionally(result.getException());
    }
  }

  /**
   * Sends a ping whose payload numbers it, through the container's direct path when it has one
   * (never blocking), else through the asynchronous remote. Returns true even when the send fails:
   * a ping that never arrives is never answered, and the silence rule judges that.
   */
  @Override
  public boolean ping() {
    ByteBuffer payload = nextPingPayload();
    try {
      if (sink == null || !sink.ping(payload)) {
        session.getAsyncRemote().sendPing(payload);
      }
    } catch (IOException | RuntimeException e) {
      logger.log(Level.DEBUG, () -> "ping to " + id + " failed: " + e);
    }
    return true;
  }

  /** Numbers the next ping: its number is the latest from here on, before it is written. */
  private ByteBuffer nextPingPayload() {
    long number = latestPing.incrementAndGet();
    return ByteBuffer.allocate(PING_PAYLOAD_BYTES).putLong(0, number);
  }

  /**
   * Whether a pong with {@code payload} answers this client's latest ping. An unsolicited pong, or
   * one answering an earlier ping, is a sign of life but proves nothing about what was consumed
   * since.
   */
  boolean answersLatestPing(ByteBuffer payload) {
    return payload.remaining() == PING_PAYLOAD_BYTES
        && payload.getLong(payload.position()) == latestPing.get();
  }

  @Override
  public boolean acknowledges() {
    return acknowledges;
  }

  @Override
  public boolean receivesPatches() {
    return patches;
  }

  @Override
  public ResumePoint resumeFrom() {
    return resumeFrom;
  }

  /**
   * Closes from the broadcaster's threads, which must not block: on Tomcat, a close other than 1000
   * waits at most Tomcat's own 50 ms for a send in flight. (The session starts with {@value
   * #OWN_CLOSE_WAIT_MILLIS} ms, for the closes Tomcat makes itself on the client's read thread,
   * such as a message over the limit; see {@link #allowOwnCloseToWait}.)
   */
  @Override
  public void close(CloseReason reason) {
    closeWaitingAtMost(reason, TOMCAT_DEFAULT_CLOSE_WAIT_MILLIS);
  }

  /**
   * Lets a close that Tomcat makes on this client's own read thread (a message over the limit) wait
   * {@value #OWN_CLOSE_WAIT_MILLIS} ms for a send in flight (the initial state, say) instead of 50
   * ms, after which Tomcat drops the connection and the peer sees 1006; waiting holds back no one
   * else there. Other containers ignore the property.
   */
  void allowOwnCloseToWait() {
    session.getUserProperties().put(TOMCAT_CLOSE_SEND_TIMEOUT, OWN_CLOSE_WAIT_MILLIS);
  }

  private void closeWaitingAtMost(CloseReason reason, long tomcatWaitMillis) {
    closedByServer = true;
    session.getUserProperties().put(TOMCAT_CLOSE_SEND_TIMEOUT, tomcatWaitMillis);
    try {
      session.close(toJakarta(reason));
    } catch (IOException | RuntimeException e) {
      logger.log(Level.DEBUG, () -> "close of " + id + " failed: " + e);
    }
    release();
    try {
      session.setMaxIdleTimeout(CLOSE_IDLE_MILLIS);
    } catch (RuntimeException e) {
      // Closed already: nothing left to time out.
    }
  }

  /**
   * Closes this client for what it sent (1008, 1009) once it has stopped sending: after {@link
   * #QUIET} without a message from it, or after {@value #MAX_QUIET_CHECKS} such waits if it never
   * stops (5 s; the bound holds whatever the ticker says). Meanwhile everything it sends is dropped
   * ({@link #closing}). Idempotent.
   *
   * <p>Why wait: Jetty closes the connection as soon as a close frame with such a code has been
   * written, without waiting for the peer's own close ("hard close" for every code but 1000, 1005
   * and 3000 to 4999). Whatever the peer sends after that is answered with a TCP reset, and a peer
   * still writing (the JDK's client, for one) reports the reset and never reads the close frame in
   * front of it: it sees 1006 where the server said 1008. Closing once the peer's input is quiet is
   * the WebSocket form of what the embedded server does for an HTTP refusal (read the rest, then
   * close). On containers that wait for the peer's close, it costs the peer a short delay.
   *
   * <p>Tomcat writes a close other than 1000 with a blocking send that waits just 50 ms for a
   * message in flight (a pong, say) and otherwise drops the connection, so the peer would see 1006
   * there too; this close allows it {@value #OWN_CLOSE_WAIT_MILLIS} ms. Other containers ignore the
   * property.
   */
  void closeWhenQuiet(CloseReason reason, Ticker ticker, Scheduler scheduler) {
    lastHeardNanos = ticker.read();
    if (pendingClose.compareAndSet(null, reason)) {
      scheduler.schedule(() -> closeIfQuiet(ticker, scheduler, 1), QUIET);
    }
  }

  private void closeIfQuiet(Ticker ticker, Scheduler scheduler, int check) {
    if (!session.isOpen()) {
      return; // Closed meanwhile (the broadcaster's own rules, or the client).
    }
    if (ticker.read() - lastHeardNanos < QUIET.toNanos() && check < MAX_QUIET_CHECKS) {
      scheduler.schedule(() -> closeIfQuiet(ticker, scheduler, check + 1), QUIET);
      return;
    }
    closeWaitingAtMost(pendingClose.get(), OWN_CLOSE_WAIT_MILLIS);
  }

  /**
   * Whether this client is being closed for what it sent: then a message from it is dropped, and
   * counts as input that is not yet quiet.
   */
  boolean closing(Ticker ticker) {
    if (pendingClose.get() == null) {
      return false;
    }
    lastHeardNanos = ticker.read();
    return true;
  }

  /** Whether this side (the broadcaster or the endpoint) closed this client. */
  boolean closedByServer() {
    return closedByServer;
  }

  /** Gives back this client's admission slot, once, whichever of its closes comes first. */
  void release() {
    if (released.compareAndSet(false, true)) {
      onRelease.run();
    }
  }

  /** Takes one inbound-message token; false means the peer sends too fast. */
  boolean admitInbound() {
    return inbound.tryAcquire();
  }

  static jakarta.websocket.CloseReason toJakarta(CloseReason reason) {
    return new jakarta.websocket.CloseReason(
        CloseCodes.getCloseCode(reason.code()), reason.phrase());
  }

  @Override
  public String toString() {
    return "SessionClient[" + id + "]";
  }
}
