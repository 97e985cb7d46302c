package io.github.broadcast;

/**
 * A {@link SessionStore} refused a change before sending anything: it was not made. The store
 * cannot reach its backing service (Redis), or has not yet reconciled with it since it came back.
 * The caller should report it to its producer (the dashboard answers 503 with {@code Retry-After})
 * or retry later. Never thrown for a change that was, or may have been, made; see {@link
 * ChangeOutcomeUnknownException} for that. An in-process store never throws it.
 */
public class StoreUnavailableException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** Creates the exception; {@code cause} may be null. */
  public StoreUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
