package io.github.broadcast;

/**
 * A {@link SessionStore} sent a change and no answer came back (a timeout, or the connection
 * dropped with the change in flight), so it may or may not have been made. Retrying is safe: apply
 * again with the same {@link #changeId()}, and the store drops the retry if the first attempt was
 * made (within its dedup window). An in-process store never throws it.
 */
public class ChangeOutcomeUnknownException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final String changeId;

  /**
   * Creates the exception for the change sent under {@code changeId}; {@code cause} may be null.
   */
  public ChangeOutcomeUnknownException(String message, String changeId, Throwable cause) {
    super(message, cause);
    this.changeId = changeId;
  }

  /** Returns the id the change was sent with; pass it to a retry. */
  public String changeId() {
    return changeId;
  }
}
