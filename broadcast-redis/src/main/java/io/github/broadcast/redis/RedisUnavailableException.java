package io.github.broadcast.redis;

/**
 * Redis could not be reached, or the node has not reconciled with it since it came back, so the
 * change was not made: it was refused before anything was sent. The caller should report it to
 * its producer (the dashboard answers 503) or retry later. Never thrown for a change that was, or
 * may have been, made; see {@link RedisOutcomeUnknownException} for that.
 */
public final class RedisUnavailableException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  RedisUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
