package io.github.broadcast;

import java.util.Collection;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Encodes the messages a broadcaster sends. A broadcaster calls it once per publish (once per flush
 * when batched) and shares the resulting {@link Frame} with every client, so the cost of encoding
 * does not grow with the number of clients.
 *
 * <p>The wire format of {@link #json(ObjectMapper)}, which the example dashboard and the load test
 * share:
 *
 * <pre>{@code
 * {"type":"initial_state","epoch":"k3j9x2","sessions":[{"session_id":"a","version":3,...}, ...]}
 * {"type":"initial_state","epoch":"k3j9x2","since":3,"sessions":[...changed after v3, tombstones]}
 * {"type":"session_update","session":{"session_id":"a","version":4,...state}}
 * {"type":"session_update","session":{"session_id":"a","version":5,"base":4,"patch":{...}}}
 * {"type":"batch_update","sessions":[{"session_id":"a","version":5,...},
 *                                   {"session_id":"b","version":9,"removed":true}]}
 * {"type":"pong"}
 * }</pre>
 *
 * <p>A client applies a session object only if its version is greater than the one it holds, drops
 * sessions marked {@code "removed":true}, and replaces its whole view on {@code initial_state}
 * (sent on connect, and again to resync a client that fell behind).
 *
 * <p>Resume ({@link Client#resumeFrom()}) and patches ({@link Client#receivesPatches()}) are
 * written by this JSON codec only: with another, every {@code initial_state} is whole and every
 * update carries whole states.
 *
 * <p>Implementations must be thread-safe and must not block; they are called from publisher
 * threads, the scheduler thread and transport threads.
 *
 * <p>A codec may throw. The broadcaster contains it, counts it in {@link BroadcastStats#faults()}
 * and logs it: an update that cannot be encoded is discarded and never reaches the view, so every
 * client and every later {@code initial_state} still agree; a client whose {@code initial_state},
 * resync or {@code pong} cannot be encoded is closed with {@link CloseReason#INTERNAL_ERROR}; a
 * conflated catch-up that cannot be encoded becomes a resync. No failure stops other clients.
 */
public interface MessageCodec {

  /** Encodes the full view: every live session, no tombstones. */
  Frame initialState(Collection<SessionUpdate> sessions);

  /** Encodes one update, a tombstone included. */
  Frame sessionUpdate(SessionUpdate update);

  /**
   * Encodes several updates, at most one per session, tombstones included.
   *
   * <p>A bounded outbox measures each update it conflates as a batch of one and keeps the sum under
   * its byte limit, so the batch of several must be no larger than the sum of the batches of one
   * ({@code size(a + b) <= size(a) + size(b)}), as it is for any format that frames a list once,
   * JSON included.
   */
  Frame batchUpdate(Collection<SessionUpdate> updates);

  /** Encodes the answer to a client's text {@code ping}. */
  Frame pong();

  /**
   * Returns the session object of the JSON wire format for {@code update}, as every message above
   * carries it: {@code session_id} and {@code version} from the update, then the state's other
   * fields (a state's own {@code session_id} or {@code version} never overrides them); a tombstone
   * is {@code {"session_id":..., "version":..., "removed":true}}. For an HTTP API that lists
   * sessions in the same shape as the WebSocket.
   */
  static ObjectNode sessionJson(SessionUpdate update) {
    return JsonCodec.sessionNode(update);
  }

  /** Returns the JSON codec above, writing with {@code mapper}. */
  static MessageCodec json(ObjectMapper mapper) {
    return new JsonCodec(mapper);
  }

  /** Returns the JSON codec above with a default {@link ObjectMapper}. */
  static MessageCodec json() {
    return new JsonCodec(new ObjectMapper());
  }
}
