package io.github.broadcast.redis;

/**
 * Redis could not be reached, so a change was not made: the caller should report it to its
 * producer (the dashboard answers 503) or retry later. Never thrown for a change that was made.
 */
public final class RedisUnavailableException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  RedisUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
