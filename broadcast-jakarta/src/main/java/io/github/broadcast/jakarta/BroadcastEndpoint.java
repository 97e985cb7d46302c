package io.github.broadcast.jakarta;

import io.github.broadcast.Broadcaster;
import io.github.broadcast.CloseReason;
import io.github.broadcast.Frame;
import io.github.broadcast.ResumePoint;
import io.github.broadcast.Scheduler;
import io.github.broadcast.Ticker;
import io.github.broadcast.Topics;
import io.github.broadcast.internal.Monitors;
import io.github.broadcast.internal.Secret;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.Extension;
import jakarta.websocket.PongMessage;
import jakarta.websocket.Session;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The JSR-356 endpoint that puts a {@link Broadcaster} on real sockets. One instance serves every
 * connection (its configurator hands out this instance); per-connection state lives in the
 * session's user properties.
 *
 * <ul>
 *   <li>open: the token, when one is required (else close 1008), then the topics ({@link
 *       TopicAccess}: those asked for with {@code ?topic=}, or all allowed; a topic not allowed, or
 *       none allowed, closes 1008), then admission (the limits of the client's address, then the
 *       connection cap and rate all share; else close 1013), then the session is wrapped as a core
 *       client and registered: it receives {@code initial_state}, then the updates. The query says
 *       what the client asks for: {@code ack=1} (it acknowledges), {@code delta=1} (it takes merge
 *       patches: {@code Client.receivesPatches()}) and {@code since=V&epoch=E} (it resumes: {@code
 *       ResumePoint.parse}; a malformed point gets the whole view, never a refusal);
 *   <li>text {@code ping}: a {@code pong} is queued ahead of any waiting updates;
 *   <li>text {@code ack N}, from a client that connected with {@code ?ack=1}: it has applied the
 *       first N data frames it was sent ({@link Broadcaster#onAck}); an acknowledgement of a frame
 *       not acknowledged before does not count against the inbound rate;
 *   <li>text {@code {"type":"subscribe","topics":[...]}}: from now on the client receives those
 *       topics (without {@code topics}: all it may see), if {@link TopicAccess} allows them, with
 *       an {@code initial_state} of them first ({@link Broadcaster#subscribe}); else close 1008;
 *   <li>any other text: a sign of life, otherwise ignored;
 *   <li>a transport pong: the answer to the latest ping when its payload matches ({@link
 *       Broadcaster#onPong}: proof of what the client consumed), else a sign of life;
 *   <li>a binary message, or more text messages than the inbound rate allows: close 1008;
 *   <li>a text message over the size limit: close 1009, by the container or, when the container let
 *       it through (Tyrus applies the limit to fragmented messages only), by this endpoint;
 *   <li>close or error: the client is unregistered;
 *   <li>shutdown ({@link BroadcastEndpointConfig#shutdown(Duration)}): every client is closed with
 *       1001, and so is any connection after it.
 * </ul>
 *
 * <p>Threads: the container calls every method, from its own threads (Grizzly's worker threads in
 * the embedded server), never two at once for one session.
 *
 * <p>Build it with {@link BroadcastEndpointConfig}, which also makes its {@code
 * ServerEndpointConfig}.
 */
public final class BroadcastEndpoint extends Endpoint {

  private static final System.Logger logger = System.getLogger(BroadcastEndpoint.class.getName());
  private static final String CLIENT = BroadcastEndpoint.class.getName() + ".client";
  // The most topics one client may ask for by name, at the handshake or in one subscribe.
  static final int MAX_TOPICS = 256;
  private static final ObjectMapper READER = new ObjectMapper();

  private final Broadcaster broadcaster;
  private final int maxMessageBytes;
  private final long idleTimeoutMillis;

  /**
   * Codes a container closes with itself, enforcing a limit on the client (a protocol error, bad
   * UTF-8, a message over its buffer): counted as closes by the server, though no code of ours
   * started them.
   */
  private static final Set<Integer> CONTAINER_ENFORCED = Set.of(1002, 1007, 1009);

  private final Ticker ticker;
  private final Scheduler scheduler;
  private final double inboundPerSecond;
  private final int inboundBurst;
  private final FrameWriter frameWriter;
  private final TopicAccess topicAccess; // Null: every client may receive every topic.
  private final String topicParameter;
  private HandshakePolicy policy; // Set once, before the endpoint is deployed.
  // Admitted clients whose container onClose has not come yet; notified as they leave.
  private final Set<SessionClient> connected = ConcurrentHashMap.newKeySet();
  private volatile boolean shuttingDown;

  BroadcastEndpoint(BroadcastEndpointConfig.Builder builder) {
    this.broadcaster = builder.broadcaster;
    this.maxMessageBytes = builder.maxMessageBytes;
    this.idleTimeoutMillis = builder.idleTimeout.toMillis();
    this.ticker = builder.ticker;
    this.scheduler = builder.scheduler;
    this.inboundPerSecond = builder.inboundPerSecond;
    this.inboundBurst = builder.inboundBurst;
    this.frameWriter = builder.frameWriter;
    this.topicAccess = builder.topicAccess;
    this.topicParameter = builder.topicParameter;
  }

  void policy(HandshakePolicy policy) {
    this.policy = policy;
  }

  @Override
  public void onOpen(Session session, EndpointConfig config) {
    // First, whatever comes next: it also takes the handshake's hand-off off this thread.
    HandshakePolicy.Handshake handshake = policy.takeHandshake(session);
    String address = policy.addressKey(session, handshake);
    if (!policy.checkToken(Secret.queryParameter(session.getQueryString(), "token"))) {
      logger.log(Level.INFO, () -> "refused connection " + session.getId() + ": bad token");
      closeQuietly(session, CloseReason.POLICY_VIOLATION);
      return;
    }
    if (shuttingDown) {
      closeQuietly(session, CloseReason.SHUTDOWN);
      return;
    }
    AccessRequest access =
        new AccessRequest(
            topicAccess == null ? null : session.getUserPrincipal(),
            session.getQueryString(),
            handshake == null ? Map.of() : handshake.headers());
    List<String> asked = access.parameters(topicParameter);
    Topics topics = topics(access, asked.isEmpty() ? null : asked);
    if (topics == null) {
      refuseTopics(session.getId(), asked);
      closeQuietly(session, CloseReason.POLICY_VIOLATION);
      return;
    }
    String refusal = policy.admit(address);
    if (refusal != null) {
      logger.log(Level.INFO, () -> "refused connection " + session.getId() + ": " + refusal);
      closeQuietly(session, CloseReason.TRY_AGAIN_LATER);
      return;
    }
    String query = session.getQueryString();
    session.setMaxTextMessageBufferSize(maxMessageBytes);
    session.setMaxBinaryMessageBufferSize(maxMessageBytes);
    session.setMaxIdleTimeout(idleTimeoutMillis);
    SessionClient client =
        new SessionClient(
            session,
            openSink(session),
            new TokenBucket(ticker, inboundBurst, inboundPerSecond),
            () -> policy.release(address),
            "1".equals(Secret.queryParameter(query, "ack")),
            "1".equals(Secret.queryParameter(query, "delta")),
            ResumePoint.parse(
                Secret.queryParameter(query, "since"), Secret.queryParameter(query, "epoch")),
            topics,
            access);
    session.getUserProperties().put(CLIENT, client);
    client.allowOwnCloseToWait();
    session.addMessageHandler(String.class, text -> onText(client, text));
    session.addMessageHandler(ByteBuffer.class, data -> violation(client, "a binary message"));
    session.addMessageHandler(PongMessage.class, pong -> onPong(client, pong));
    connected.add(client);
    broadcaster.register(client);
    if (shuttingDown) { // Raced with shutdown(): it may have missed this one.
      client.close(CloseReason.SHUTDOWN);
    }
  }

  /**
   * Closes every connected client with 1001 (going away), and every later one at once, then waits
   * up to {@code grace} for the container to report each closed (its close frame has left and the
   * peer answered, or the connection dropped); returns whether all were.
   */
  boolean shutdown(Duration grace) {
    shuttingDown = true;
    for (SessionClient client : connected) {
      client.close(CloseReason.SHUTDOWN);
    }
    return Monitors.awaitEmpty(connected, System.nanoTime() + grace.toNanos());
  }

  private void onText(SessionClient client, String text) {
    if (client.closing(ticker)) {
      return; // Being closed for what it sent: nothing more it sends counts.
    }
    if (text.length() > maxMessageBytes || Frame.of(text).bytes() > maxMessageBytes) {
      policy.policyCloses.increment();
      logger.log(Level.INFO, () -> "closing " + client.id() + " (1009): message over the limit");
      client.closeWhenQuiet(CloseReason.MESSAGE_TOO_BIG, ticker, scheduler);
      return;
    }
    String message = text.strip();
    long applied = acknowledged(message);
    if (applied >= 0 && broadcaster.onAck(client, applied)) {
      return; // Acknowledged a frame it was sent: free, whatever the inbound rate.
    }
    if (!client.admitInbound()) {
      violation(client, "more than " + inboundPerSecond + " messages a second");
      return;
    }
    JsonNode subscribe = message.startsWith("{") ? subscribeRequest(message) : null;
    if ("ping".equals(message)) {
      broadcaster.onPing(client);
    } else if (subscribe != null) {
      subscribe(client, subscribe);
    } else if (applied < 0) {
      broadcaster.onMessage(client); // An acknowledgement that proved nothing was heard already.
    }
  }

  /**
   * The topics a client receives: those it asked for ({@code asked}, null for none) if all are
   * allowed, else everything allowed; null if it is refused (asked for a topic it may not see, or
   * for a malformed one, may see none, or the access hook failed).
   */
  private Topics topics(AccessRequest request, List<String> asked) {
    Topics allowed;
    try {
      allowed = topicAccess == null ? Topics.all() : topicAccess.allowed(request);
    } catch (RuntimeException e) {
      logger.log(Level.WARNING, "the topic access hook failed for " + request + "; refused", e);
      return null;
    }
    if (allowed == null || allowed.isNone()) {
      return null;
    }
    if (asked == null) {
      return allowed;
    }
    if (asked.isEmpty()) {
      return null; // Asking for no topic at all: a mistake, not a subscription.
    }
    Topics requested;
    try {
      requested = Topics.of(asked);
    } catch (IllegalArgumentException e) {
      return null;
    }
    return asked.size() <= MAX_TOPICS && allowed.covers(requested) ? requested : null;
  }

  private void refuseTopics(String id, List<String> asked) {
    policy.refusedTopics.increment();
    logger.log(
        Level.INFO,
        () ->
            "refused " + id + " (1008): topics " + (asked == null ? "allowed" : asked) + " denied");
  }

  /**
   * A {@code {"type":"subscribe","topics":[...]}} message: from now on the client receives those
   * topics (or, without {@code topics}, everything it may see), if it may; else it is closed with
   * 1008. A malformed one is refused the same way.
   */
  private void subscribe(SessionClient client, JsonNode request) {
    List<String> asked;
    try {
      JsonNode topics = request.path("topics");
      if (topics.isMissingNode()) {
        asked = null;
      } else if (topics.isArray() && topics.size() <= MAX_TOPICS) {
        asked = new ArrayList<>(topics.size());
        for (JsonNode topic : topics) {
          if (!topic.isString()) {
            throw new IllegalArgumentException("a topic that is not a string: " + topic);
          }
          asked.add(topic.asString());
        }
      } else {
        throw new IllegalArgumentException("topics is not an array of at most " + MAX_TOPICS);
      }
    } catch (IllegalArgumentException e) {
      refuseTopics(client.id(), List.of("(malformed: " + e.getMessage() + ")"));
      client.closeWhenQuiet(CloseReason.POLICY_VIOLATION, ticker, scheduler);
      return;
    }
    Topics topics = topics(client.accessRequest(), asked);
    if (topics == null) {
      refuseTopics(client.id(), asked);
      client.closeWhenQuiet(CloseReason.POLICY_VIOLATION, ticker, scheduler);
      return;
    }
    client.topics(topics);
    broadcaster.subscribe(client, topics);
  }

  /** Returns {@code message} parsed if it is a JSON object of type subscribe, else null. */
  static JsonNode subscribeRequest(String message) {
    try {
      JsonNode parsed = READER.readTree(message);
      return "subscribe".equals(parsed.path("type").asString(null)) ? parsed : null;
    } catch (JacksonException e) {
      return null; // Not JSON: any other text.
    }
  }

  /** Returns N of an {@code ack N} message (N from 0 to 10^18), or -1 for any other text. */
  static long acknowledged(String message) {
    int digits = message.length() - 4;
    if (!message.startsWith("ack ") || digits < 1 || digits > 18) {
      return -1;
    }
    long n = 0;
    for (int i = 4; i < message.length(); i++) {
      char c = message.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      n = n * 10 + (c - '0');
    }
    return n;
  }

  private void onPong(SessionClient client, PongMessage pong) {
    if (client.closing(ticker)) {
      return;
    }
    if (client.answersLatestPing(pong.getApplicationData())) {
      broadcaster.onPong(client);
    } else {
      broadcaster.onMessage(client);
    }
  }

  private void violation(SessionClient client, String what) {
    if (client.closing(ticker)) {
      return;
    }
    policy.policyCloses.increment();
    logger.log(Level.INFO, () -> "closing " + client.id() + " (1008): it sent " + what);
    client.closeWhenQuiet(CloseReason.POLICY_VIOLATION, ticker, scheduler);
  }

  @Override
  public void onClose(Session session, jakarta.websocket.CloseReason closeReason) {
    Object client = session.getUserProperties().remove(CLIENT);
    if (client instanceof SessionClient) {
      SessionClient sessionClient = (SessionClient) client;
      int code = closeReason.getCloseCode().getCode();
      policy.closed(code, sessionClient.closedByServer() || CONTAINER_ENFORCED.contains(code));
      broadcaster.unregister(sessionClient);
      sessionClient.release();
      synchronized (connected) {
        connected.remove(sessionClient);
        connected.notifyAll();
      }
    }
  }

  @Override
  public void onError(Session session, Throwable error) {
    logger.log(Level.DEBUG, () -> "session " + session.getId() + " failed: " + error);
  }

  /** The frame writer's choice of extensions for a handshake, or null for the container's. */
  List<Extension> negotiateExtensions(List<Extension> requested) {
    return frameWriter.negotiate(requested);
  }

  private FrameWriter.Sink openSink(Session session) {
    try {
      return frameWriter.open(session);
    } catch (RuntimeException e) {
      logger.log(Level.WARNING, () -> "frame writer failed; sending text to " + session.getId(), e);
      return null;
    }
  }

  private static void closeQuietly(Session session, CloseReason reason) {
    try {
      session.close(SessionClient.toJakarta(reason));
    } catch (IOException | RuntimeException e) {
      logger.log(Level.DEBUG, () -> "close of " + session.getId() + " failed: " + e);
    }
  }
}
