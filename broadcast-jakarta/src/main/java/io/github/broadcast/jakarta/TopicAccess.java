package io.github.broadcast.jakarta;

import io.github.broadcast.Topics;
import java.security.Principal;
import java.util.List;

/**
 * Decides which topics a client may receive ({@link Topics}; the broadcaster sorts sessions into
 * them with {@code Broadcasters.Builder.topics}). Called at the handshake, and again at every later
 * {@code subscribe} the client sends, with what the handshake carried: the principal the container
 * authenticated (Spring Security's, under Spring Boot), the query and the headers.
 *
 * <p>What a client receives: the topics it asks for ({@code ?topic=NAME}, repeatable; the
 * parameter's name is {@link BroadcastEndpointConfig.Builder#topicParameter}) if every one is
 * allowed, or, when it asks for none, everything allowed. A client that asks for a topic it may not
 * see, or that may see none ({@link Topics#none()}), is closed with 1008 (policy violation) before
 * it is sent anything, and counted ({@link EndpointStats#refusedTopics()}); so is a hook that
 * throws.
 *
 * <pre>{@code
 * // One topic per user: the user's own sessions, by the principal's name.
 * BroadcastEndpointConfig.newBuilder("/ws/sessions", broadcaster)
 *     .topicAccess(request -> request.principal() == null
 *         ? Topics.none()
 *         : Topics.of(request.principal().getName()))
 * }</pre>
 *
 * <p>Called on the container's thread: keep it quick (no remote call per handshake), and
 * thread-safe.
 */
@FunctionalInterface
public interface TopicAccess {

  /**
   * Returns the topics the client of {@code request} may receive: {@link Topics#all()}, some, or
   * {@link Topics#none()} to refuse it.
   */
  Topics allowed(Request request);

  /** Every client may receive every topic: the default. */
  static TopicAccess allowAll() {
    return request -> Topics.all();
  }

  /** What a handshake told of its client. */
  interface Request {

    /** Returns the principal the container authenticated for the handshake, or null. */
    Principal principal();

    /** Returns the first value of the query parameter {@code name}, decoded, or null. */
    String parameter(String name);

    /** Returns every value of the query parameter {@code name}, decoded, in order. */
    List<String> parameters(String name);

    /**
     * Returns the first value of the handshake's header {@code name} (any case), or null if it had
     * none.
     */
    String header(String name);

    /** Returns the value of the handshake's cookie {@code name}, or null. */
    String cookie(String name);
  }
}
