package io.github.broadcast.jakarta;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * An immutable snapshot of an endpoint's connection counters, from {@link
 * BroadcastEndpointConfig#stats()}. The broadcaster's own {@code BroadcastStats} covers everything
 * after a client is admitted.
 *
 * @param open connections open now (admitted and not yet closed)
 * @param admitted connections admitted since the start
 * @param refusedOrigin handshakes refused with 403 because of their Origin header
 * @param refusedToken handshakes refused (401, or close 1008 outside the embedded server) for a
 *     missing or wrong token
 * @param refusedCapacity connections closed at once with 1013 because {@code maxClients} were open
 * @param refusedRate connections closed at once with 1013 by the connection-rate limit
 * @param refusedAddress connections closed at once with 1013 by a limit of their own address (its
 *     connections open, or its connection rate); these took nothing of the shared limits
 * @param refusedTopics connections closed with 1008 by {@link TopicAccess}: at the handshake, or at
 *     a later subscribe, for a topic the client may not see (or a malformed request for topics)
 * @param policyCloses clients closed for what they sent: binary frames or too many messages (1008),
 *     or a text message over the size limit that the container passed on (1009)
 * @param closedByServer admitted connections that ended after the server closed them, by the close
 *     code the container reported (1001 at shutdown, 1008, 1009, the broadcaster's 1011 and 1013;
 *     with the container's own closes for a protocol error, bad UTF-8 or a message over its buffer:
 *     1002, 1007, 1009)
 * @param closedByClient admitted connections that ended from the client's side, by code: its own
 *     close frame (1000, 1001), or 1006 when the connection dropped without one (a network gone, a
 *     tab killed, a proxy timing out)
 */
public record EndpointStats(
    int open,
    long admitted,
    long refusedOrigin,
    long refusedToken,
    long refusedCapacity,
    long refusedRate,
    long refusedAddress,
    long refusedTopics,
    long policyCloses,
    Map<Integer, Long> closedByServer,
    Map<Integer, Long> closedByClient) {

  /** Copies the maps, sorted by code, unmodifiable. */
  public EndpointStats {
    closedByServer = Collections.unmodifiableMap(new TreeMap<>(closedByServer));
    closedByClient = Collections.unmodifiableMap(new TreeMap<>(closedByClient));
  }

  /** Returns every refused connection attempt, whatever the reason. */
  public long refusedTotal() {
    return refusedOrigin
        + refusedToken
        + refusedCapacity
        + refusedRate
        + refusedAddress
        + refusedTopics;
  }
}
