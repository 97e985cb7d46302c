package io.github.broadcast.redis;

/**
 * A change was sent to Redis but no answer came back (the command timed out, or the connection
 * dropped with the command in flight), so it may or may not have been made. Retrying is safe:
 * apply again with the same {@link #changeId()}, and Redis drops the retry if the first attempt
 * was made (within the store's dedup window). Meanwhile the store refuses changes until Redis
 * answers again and the node has reconciled with it.
 */
public final class RedisOutcomeUnknownException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final String changeId;

  RedisOutcomeUnknownException(String message, String changeId, Throwable cause) {
    super(message, cause);
    this.changeId = changeId;
  }

  /** Returns the id the change was sent with; pass it to a retry. */
  public String changeId() {
    return changeId;
  }
}
