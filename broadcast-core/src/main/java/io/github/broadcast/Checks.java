package io.github.broadcast;

import java.time.Duration;

/** Argument checks whose messages name the option and the value, in Netty's form. */
final class Checks {

  private Checks() {}

  static long requirePositive(String name, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " : " + value + " (expected: > 0)");
    }
    return value;
  }

  static Duration requirePositive(String name, Duration value) {
    if (value == null) {
      throw new NullPointerException(name + " : null (expected: a positive duration)");
    }
    if (value.isZero() || value.isNegative()) {
      throw new IllegalArgumentException(name + " : " + value + " (expected: > 0)");
    }
    return value;
  }

  static <T> T requireNonNull(String name, T value) {
    if (value == null) {
      throw new NullPointerException(name + " : null (expected: non-null)");
    }
    return value;
  }

  static void requireState(boolean expression, String template, Object... args) {
    if (!expression) {
      throw new IllegalStateException(String.format(template, args));
    }
  }
}
