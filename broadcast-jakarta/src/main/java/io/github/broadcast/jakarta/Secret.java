package io.github.broadcast.jakarta;

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

  /** The secret of a checked token, or null for none. */
  static Secret of(String token) {
    return token == null ? null : new Secret(token);
  }

  /** Returns whether {@code presented} is this secret; false for null. */
  boolean matches(String presented) {
    return presented != null
        && MessageDigest.isEqual(bytes, presented.getBytes(StandardCharsets.UTF_8));
  }
}
