package io.github.broadcast.internal;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * A shared secret (the {@code requiredToken} of the endpoint or of the embedded server), and the
 * one rule for reading a presented one: compared in constant time, so that a wrong guess says
 * nothing about how close it was, and decoded from a query string or a cookie the same way wherever
 * it arrives (percent-escapes and {@code +} decoded as in a form; a malformed escape is no value,
 * never an error or a partial one). Immutable.
 */
public final class Secret {

  private final String value;
  private final byte[] bytes;

  private Secret(String value) {
    this.value = value;
    this.bytes = value.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The secret of a required token, or null for none.
   *
   * @throws IllegalArgumentException if {@code token} is blank
   */
  public static Secret of(String token) {
    return token == null ? null : new Secret(Checks.requireSecret("token", token));
  }

  /** Returns whether {@code presented} is this secret; false for null. */
  public boolean matches(String presented) {
    return presented != null
        && MessageDigest.isEqual(bytes, presented.getBytes(StandardCharsets.UTF_8));
  }

  /** The secret itself, for the one place that hands it back to its owner (a cookie). */
  public String reveal() {
    return value;
  }

  /** Never the secret. */
  @Override
  public String toString() {
    return "Secret[***]";
  }

  /**
   * Returns the first value of {@code name} in a raw (still escaped) query string, decoded, or null
   * if there is none or it is malformed.
   */
  public static String queryParameter(String rawQuery, String name) {
    if (rawQuery == null) {
      return null;
    }
    String prefix = name + "=";
    for (String pair : rawQuery.split("&")) {
      if (pair.startsWith(prefix)) {
        return decode(pair.substring(prefix.length()));
      }
    }
    return null;
  }

  /** Decodes an escaped value as a form does; null if it is malformed. */
  public static String decode(String escaped) {
    try {
      return URLDecoder.decode(escaped, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null; // Malformed escapes: no value.
    }
  }
}
