package io.github.broadcast;

/**
 * Why a client was closed by the server, with the WebSocket close code (RFC 6455, section 7.4.1)
 * that the transport sends for it. {@link BroadcastStats} counts closes by reason.
 */
public enum CloseReason {

  /** A send did not complete within the send timeout: the peer stopped reading. */
  SEND_TIMEOUT(1013, "too slow: a send did not complete in time"),

  /**
   * The client fell behind for longer than its grace period, or passed its outbox limit under
   * {@link OverflowPolicy#DISCONNECT}.
   */
  TOO_SLOW(1013, "too slow: fell too far behind the updates"),

  /** A send failed: the transport reported an error, so the connection is unusable. */
  SEND_FAILED(1011, "send failed"),

  /** No pong or message arrived within the silence timeout of the heartbeat. */
  UNRESPONSIVE(1001, "no heartbeat answer"),

  /** The broadcaster was closed: the server is going away. */
  SHUTDOWN(1001, "server shutting down"),

  /** The client sent a message larger than the configured limit (set by a transport adapter). */
  MESSAGE_TOO_BIG(1009, "message too big"),

  /**
   * The server could not serve this client: a codec failed to encode what it is owed, or the
   * transport threw where it must not. Other clients are not affected.
   */
  INTERNAL_ERROR(1011, "internal server error"),

  /** The client broke a rule of the protocol or a limit (set by a transport adapter). */
  POLICY_VIOLATION(1008, "policy violation"),

  /** The server is at its connection limit or rate (set by a transport adapter). */
  TRY_AGAIN_LATER(1013, "server busy, try again later");

  private final int code;
  private final String phrase;

  CloseReason(int code, String phrase) {
    this.code = code;
    this.phrase = phrase;
  }

  /** Returns the WebSocket close code sent to the peer. */
  public int code() {
    return code;
  }

  /** Returns the close frame's reason phrase: short, and always under the 123-byte limit. */
  public String phrase() {
    return phrase;
  }

  /** Returns whether this reason means the client could not keep up with the updates. */
  public boolean isSlowClient() {
    return this == SEND_TIMEOUT || this == TOO_SLOW;
  }
}
