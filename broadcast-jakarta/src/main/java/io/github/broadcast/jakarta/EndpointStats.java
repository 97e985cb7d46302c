package io.github.broadcast.jakarta;

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
 * @param policyCloses clients closed for what they sent: binary frames or too many messages (1008),
 *     or a text message over the size limit that the container passed on (1009)
 */
public record EndpointStats(
    int open,
    long admitted,
    long refusedOrigin,
    long refusedToken,
    long refusedCapacity,
    long refusedRate,
    long policyCloses) {

  /** Returns every refused connection attempt, whatever the reason. */
  public long refusedTotal() {
    return refusedOrigin + refusedToken + refusedCapacity + refusedRate;
  }
}
