package io.github.broadcast.spring;

/**
 * Names the property in a builder's refusal: a builder names its own option ({@code trustedProxies
 * : x (expected: ...)}), and a Spring user set a property ({@code broadcast.trusted-proxies}).
 */
final class PropertyErrors {

  private PropertyErrors() {}

  /** Runs {@code set}; a refusal that names {@code option} names {@code property} instead. */
  static void named(String property, String option, Runnable set) {
    try {
      set.run();
    } catch (IllegalArgumentException e) {
      String message = String.valueOf(e.getMessage());
      if (!message.startsWith(option)) {
        throw e;
      }
      // Not chained: the builder's message says it all, and Spring reports the innermost cause.
      throw new IllegalArgumentException(property + message.substring(option.length()));
    }
  }
}
