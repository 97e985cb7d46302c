package io.github.broadcast;

/**
 * What a client's outbox does when a new frame would take it past its {@link OutboxLimits}.
 * Whatever the policy, control frames ({@code initial_state}, a resync, {@code pong}) are never
 * dropped and never wait behind queued updates, and a client that is kept is always brought back to
 * the true state: no policy leaves a client with a stale view.
 */
public enum OverflowPolicy {

  /**
   * Keep only the latest update per session. The queued frames are dropped for a cursor into the
   * broadcaster's change log (which holds the latest update of every session, shared by all
   * clients); when the socket frees up, the client gets every session that changed since, as one
   * {@code batch_update} built from each update's JSON encoded once. Updates arriving meanwhile
   * cost the client nothing. A client so far behind that the log no longer reaches its cursor (it
   * forgot the removals in between) gets a {@code initial_state} resync instead. The client misses
   * intermediate versions, never the latest. A paced broadcaster keeps the same cursor for a client
   * that has not yet proved it consumed its previous frame.
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
