package io.github.broadcast.internal;

import java.time.Duration;

/**
 * Argument checks whose messages name the option and the value, in Netty's form ({@code sendTimeout
 * : PT0S (expected: > 0)}). Every builder of the library uses them, in every module, so that a bad
 * option reads the same wherever it is set.
 */
public final class Checks {

  private Checks() {}

  /**
   * Returns {@code value} if it is positive.
   *
   * @throws IllegalArgumentException naming {@code name} and the value otherwise
   */
  public static long requirePositive(String name, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " : " + value + " (expected: > 0)");
    }
    return value;
  }

  /**
   * Returns {@code value} if it is a positive duration.
   *
   * @throws NullPointerException if it is null, naming {@code name}
   * @throws IllegalArgumentException naming {@code name} and the value if it is zero or negative
   */
  public static Duration requirePositive(String name, Duration value) {
    if (value == null) {
      throw new NullPointerException(name + " : null (expected: a positive duration)");
    }
    if (value.isZero() || value.isNegative()) {
      throw new IllegalArgumentException(name + " : " + value + " (expected: > 0)");
    }
    return value;
  }

  /**
   * Returns {@code value} if it is not null.
   *
   * @throws NullPointerException naming {@code name} otherwise
   */
  public static <T> T requireNonNull(String name, T value) {
    if (value == null) {
      throw new NullPointerException(name + " : null (expected: non-null)");
    }
    return value;
  }

  /**
   * Returns {@code value} if it is a secret worth the name: not null, not blank.
   *
   * @throws NullPointerException if it is null, naming {@code name}
   * @throws IllegalArgumentException naming {@code name} if it is blank (the value is not repeated)
   */
  public static String requireSecret(String name, String value) {
    if (value == null) {
      throw new NullPointerException(name + " : null (expected: a non-blank secret)");
    }
    if (value.isBlank()) {
      throw new IllegalArgumentException(name + " : blank (expected: a non-blank secret)");
    }
    return value;
  }

  /** Throws {@link IllegalStateException} with the formatted message unless {@code expression}. */
  public static void requireState(boolean expression, String template, Object... args) {
    if (!expression) {
      throw new IllegalStateException(String.format(template, args));
    }
  }
}
