package io.github.broadcast;

import static java.util.Objects.requireNonNull;

/**
 * An encoded WebSocket text message, built once and shared by every client it is sent to.
 *
 * @param text the message as sent
 * @param bytes the size of {@code text} in UTF-8, the unit of every byte limit and byte count;
 *     {@link #of} measures it
 */
public record Frame(String text, int bytes) {

  /**
   * Checks that {@code bytes} can be the UTF-8 size of {@code text}: between one and three bytes
   * per UTF-16 char. The check is O(1), since a codec builds a frame per publish; a codec that
   * writes UTF-8 knows the exact size, and {@link #of} measures it.
   */
  public Frame {
    requireNonNull(text, "text");
    if (bytes < text.length() || bytes > 3L * text.length()) {
      throw new IllegalArgumentException(
          "bytes : "
              + bytes
              + " (expected: the UTF-8 size of a "
              + text.length()
              + "-char text, "
              + text.length()
              + " to "
              + 3L * text.length()
              + ")");
    }
  }

  /** Returns the frame for {@code text}, measuring its UTF-8 size. */
  public static Frame of(String text) {
    requireNonNull(text, "text");
    return new Frame(text, utf8Length(text));
  }

  /** Counts the bytes of {@code text} in UTF-8 without encoding it. */
  static int utf8Length(String text) {
    int bytes = 0;
    for (int i = 0, n = text.length(); i < n; i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        bytes += 1;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (!Character.isSurrogate(c)) {
        bytes += 3;
      } else if (Character.isHighSurrogate(c)
          && i + 1 < n
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else {
        bytes += 1; // A lone surrogate: String.getBytes(UTF_8) writes '?' for it.
      }
    }
    return bytes;
  }

  @Override
  public String toString() {
    return "Frame[" + bytes + " bytes]";
  }
}
