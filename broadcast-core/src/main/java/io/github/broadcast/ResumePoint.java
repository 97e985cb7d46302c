package io.github.broadcast;

import io.github.broadcast.internal.Checks;

/**
 * Where a reconnecting client says it left off: the {@code epoch} of the broadcaster whose frames
 * it holds (every {@code initial_state} of the JSON codec carries it) and the highest {@code
 * version} it applied from them. A broadcaster of that epoch that can prove what changed after that
 * version sends only that, as an {@code initial_state} with {@code "since"}; any other sends the
 * whole view. See {@link Client#resumeFrom()}.
 *
 * @param epoch the epoch the client read; 1 to 64 letters and digits
 * @param version the highest version it holds; not negative
 */
public record ResumePoint(String epoch, long version) {

  /** The longest epoch accepted, in chars. */
  public static final int MAX_EPOCH_LENGTH = 64;

  /** Validates both components. */
  public ResumePoint {
    Checks.requireNonNull("epoch", epoch);
    if (epoch.isEmpty() || epoch.length() > MAX_EPOCH_LENGTH || !isAlphanumeric(epoch)) {
      throw new IllegalArgumentException(
          "epoch : "
              + (epoch.length() > MAX_EPOCH_LENGTH ? epoch.substring(0, 64) + "..." : epoch)
              + " (expected: 1 to "
              + MAX_EPOCH_LENGTH
              + " letters and digits)");
    }
    if (version < 0) {
      throw new IllegalArgumentException("version : " + version + " (expected: >= 0)");
    }
  }

  /**
   * Reads a resume point from the query parameters {@code since} and {@code epoch} as a client sent
   * them, or returns null when they are absent or malformed: such a client is sent the whole view,
   * which is always correct, rather than refused.
   */
  public static ResumePoint parse(String since, String epoch) {
    if (since == null || epoch == null || since.isEmpty() || since.length() > 18) {
      return null;
    }
    for (int i = 0; i < since.length(); i++) {
      if (since.charAt(i) < '0' || since.charAt(i) > '9') {
        return null;
      }
    }
    if (epoch.isEmpty() || epoch.length() > MAX_EPOCH_LENGTH || !isAlphanumeric(epoch)) {
      return null;
    }
    return new ResumePoint(epoch, Long.parseLong(since));
  }

  private static boolean isAlphanumeric(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
        return false;
      }
    }
    return true;
  }
}
