package io.github.broadcast.tyrus;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * A shared secret (the {@code requiredToken} of the server or the endpoint), compared in constant
 * time so that a wrong guess says nothing about how close it was. Immutable.
 */
final class Secret {

  private final byte[] bytes;

  private Secret(String value) {
    this.bytes = value.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Checks a token given to a builder.
   *
   * @throws NullPointerException if null
   * @throws IllegalArgumentException if blank
   */
  static String check(String token) {
    requireNonNull(token, "requiredToken : null (expected: a non-blank secret)");
    if (token.isBlank()) {
      throw new IllegalArgumentException("requiredToken : blank (expected: a non-blank secret)");
    }
    return token;
  }

  /** The secret of a checked token, or null for none. */
  static Secret of(String token) {
    return token == null ? null : new Secret(token);
  }

  /** Returns whether {@code presented} is this secret; false for null. */
  boolean matches(String presented) {
    return presented != null
        && MessageDigest.isEqual(bytes, presented.getBytes(StandardCharsets.UTF_8));
  }

  /** The secret itself, for the cookie that carries it back. */
  String value() {
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
