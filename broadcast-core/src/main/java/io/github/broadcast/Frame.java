package io.github.broadcast;

import static java.util.Objects.requireNonNull;

/**
 * An encoded WebSocket text message, built once and shared by every client it is sent to.
 *
 * @param text the message as sent
 * @param bytes the size of {@code text} in UTF-8, the unit of every byte limit and byte count
 */
public record Frame(String text, int bytes) {

  /** Validates that {@code bytes} is the UTF-8 size of {@code text}. */
  public Frame {
    requireNonNull(text, "text");
    int actual = utf8Length(text);
    if (bytes != actual) {
      throw new IllegalArgumentException(
          "bytes : " + bytes + " (expected: " + actual + ", the UTF-8 size of text)");
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
