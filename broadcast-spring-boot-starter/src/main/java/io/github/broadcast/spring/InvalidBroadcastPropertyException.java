package io.github.broadcast.spring;

/**
 * A {@code broadcast.*} property the starter cannot use; its message names the property, the value
 * and what was expected ({@code broadcast.allowed-origins : none (expected: ...)}). {@link
 * BroadcastFailureAnalyzer} turns it into Spring Boot's short failure report.
 */
final class InvalidBroadcastPropertyException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  InvalidBroadcastPropertyException(String message) {
    super(message);
  }

  /** The property the message names: its text before {@code " : "}. */
  String property() {
    String message = String.valueOf(getMessage());
    int colon = message.indexOf(" : ");
    return colon > 0 ? message.substring(0, colon) : message;
  }
}
