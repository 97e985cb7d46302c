package io.github.broadcast.spring;

/**
 * Names the property in a refusal: a builder names its own option ({@code trustedProxies : x
 * (expected: ...)}), and a Spring user set a property ({@code broadcast.trusted-proxies}). Every
 * refusal of a property is an {@link InvalidBroadcastPropertyException}, which {@link
 * BroadcastFailureAnalyzer} reports.
 */
final class PropertyErrors {

  private PropertyErrors() {}

  /**
   * Runs {@code set}; a refusal whose message starts with one of the options in {@code
   * optionThenProperty} (pairs: the builder's option, then the property) names the property
   * instead.
   */
  static void named(Runnable set, String... optionThenProperty) {
    try {
      set.run();
    } catch (IllegalArgumentException e) {
      String message = String.valueOf(e.getMessage());
      for (int i = 0; i + 1 < optionThenProperty.length; i += 2) {
        String option = optionThenProperty[i];
        if (message.startsWith(option + " : ")) {
          // Not chained: the builder's message says it all, and Spring reports the innermost cause.
          throw new InvalidBroadcastPropertyException(
              optionThenProperty[i + 1] + message.substring(option.length()));
        }
      }
      throw e;
    }
  }

  /** {@code value}, or a refusal naming {@code property} when it is unset. */
  static <T> T required(String property, T value) {
    if (value == null) {
      throw new InvalidBroadcastPropertyException(
          property + " : unset (expected: a value; a rate needs both per-second and burst)");
    }
    return value;
  }
}
