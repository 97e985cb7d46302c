package io.github.broadcast;

/**
 * What a client's outbox does when a new frame would take it past its {@link OutboxLimits}.
 * Whatever the policy, control frames ({@code initial_state}, a resync, {@code pong}) are never
 * dropped and never wait behind queued updates, and a client that is kept is always brought back to
 * the true state: no policy leaves a client with a stale view.
 */
public enum OverflowPolicy {

  /**
   * Keep only the latest update per session. The queued frames collapse into one map of session to
   * latest update, sent as one {@code batch_update} when the socket frees up; updates arriving
   * meanwhile replace their session's entry. Memory is bounded by the number of sessions; if even
   * that passes the byte limit, the client falls back to {@link #DROP_AND_RESYNC}. The client
   * misses intermediate versions, never the latest.
   */
  CONFLATE,

  /**
   * Drop every queued update and remember only that the client needs a resync. When the socket
   * frees up the client receives a fresh {@code initial_state} snapshot, taken at that moment,
   * which brings it to the true state. Costs no memory per update while the client is behind.
   */
  DROP_AND_RESYNC,

  /**
   * Close the client at once with {@link CloseReason#TOO_SLOW}. The client's reconnect brings it
   * back to the true state through {@code initial_state}.
   */
  DISCONNECT
}
