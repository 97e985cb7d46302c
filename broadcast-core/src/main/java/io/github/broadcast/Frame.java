package io.github.broadcast;

import static java.util.Objects.requireNonNull;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.Deflater;

/**
 * An encoded WebSocket text message, built once and shared by every client it is sent to.
 *
 * <p>A container adapter that can write bytes straight to a connection asks for {@link
 * #webSocketFrame()}, the message framed once for every client, instead of handing the text to the
 * container to encode again per client.
 *
 * <p>Immutable and thread-safe; two frames are equal when their text is.
 */
public final class Frame {

  /** Below this, the compressed form cannot win by enough to pay for the work. */
  static final int MIN_DEFLATE_BYTES = 64;

  private static final byte[] EMPTY_STORED_BLOCK_TAIL = {0, 0, (byte) 0xFF, (byte) 0xFF};

  private final String text;
  private final int bytes;
  // The message as one server frame, plain and compressed, each built on first use: a race
  // builds equal copies and keeps one.
  private volatile ByteBuffer wire;
  private volatile ByteBuffer deflated;

  /**
   * Creates the frame for {@code text}, whose UTF-8 size the caller knows.
   *
   * <p>Checks that {@code bytes} can be that size: between one and three bytes per UTF-16 char. The
   * check is O(1), since a codec builds a frame per publish; a codec that writes UTF-8 knows the
   * exact size, and {@link #of} measures it.
   *
   * @param text the message as sent
   * @param bytes the size of {@code text} in UTF-8, the unit of every byte limit and byte count
   * @throws IllegalArgumentException if {@code bytes} cannot be that size
   */
  public Frame(String text, int bytes) {
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
    this.text = text;
    this.bytes = bytes;
  }

  /** Returns the message as sent. */
  public String text() {
    return text;
  }

  /** Returns the size of the message in UTF-8, the unit of every byte limit and byte count. */
  public int bytes() {
    return bytes;
  }

  /**
   * Returns this message as one WebSocket text frame as a server sends it (final, unmasked, no
   * extension bits; RFC 6455, section 5.2): header and UTF-8 payload, built on the first call and
   * shared by every later one. Each call returns a new read-only view, whose position the caller
   * may consume. Public for container adapters (broadcast-jakarta's {@code FrameWriter}), which
   * write these bytes to each connection below the Jakarta API.
   */
  public ByteBuffer webSocketFrame() {
    return plainFrame().asReadOnlyBuffer();
  }

  /**
   * Returns this message compressed with permessage-deflate (RFC 7692) as one server text frame
   * with the RSV1 bit set: compressed without context takeover, so that the same bytes decode on
   * every connection that negotiated {@code server_no_context_takeover}. Built on the first call
   * and shared, like {@link #webSocketFrame()}. A message that compression would not make smaller
   * (a short one) is returned as {@link #webSocketFrame()}: an uncompressed message is always
   * allowed on such a connection.
   */
  public ByteBuffer deflatedWebSocketFrame() {
    ByteBuffer frame = deflated;
    if (frame == null) {
      byte[] payload = text.getBytes(StandardCharsets.UTF_8);
      byte[] compressed = payload.length < MIN_DEFLATE_BYTES ? null : deflate(payload);
      frame = compressed == null ? plainFrame() : encodeFrame(0xC1, compressed, compressed.length);
      deflated = frame;
    }
    return frame.asReadOnlyBuffer();
  }

  /**
   * Compresses {@code payload} as RFC 7692 section 7.2.1 says: DEFLATE, ended by a sync flush (an
   * empty stored block), whose last four bytes {@code 00 00 FF FF} are then dropped. Returns the
   * bytes, or null when they are not smaller than {@code payload}.
   */
  private static byte[] deflate(byte[] payload) {
    Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
    try {
      deflater.setInput(payload);
      byte[] out = new byte[payload.length + 16];
      int length = 0;
      while (true) {
        length += deflater.deflate(out, length, out.length - length, Deflater.SYNC_FLUSH);
        if (length < out.length) {
          break; // All input consumed and flushed: deflate stopped short of the buffer's end.
        }
        out = Arrays.copyOf(out, out.length * 2);
      }
      if (length < 4 || !Arrays.equals(out, length - 4, length, EMPTY_STORED_BLOCK_TAIL, 0, 4)) {
        throw new IllegalStateException("a sync flush did not end with an empty stored block");
      }
      length -= 4;
      return length < payload.length ? Arrays.copyOf(out, length) : null;
    } finally {
      deflater.end();
    }
  }

  private ByteBuffer plainFrame() {
    ByteBuffer frame = wire;
    if (frame == null) {
      frame = encodeFrame(text.getBytes(StandardCharsets.UTF_8));
      wire = frame;
    }
    return frame;
  }

  private static ByteBuffer encodeFrame(byte[] payload) {
    return encodeFrame(0x81, payload, payload.length); // FIN, text
  }

  private static ByteBuffer encodeFrame(int first, byte[] payload, int length) {
    int header = length < 126 ? 2 : length <= 0xFFFF ? 4 : 10;
    ByteBuffer frame = ByteBuffer.allocate(header + length);
    frame.put((byte) first);
    if (length < 126) {
      frame.put((byte) length);
    } else if (length <= 0xFFFF) {
      frame.put((byte) 126).putShort((short) length);
    } else {
      frame.put((byte) 127).putLong(length);
    }
    return frame.put(payload, 0, length).flip();
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
  public boolean equals(Object other) {
    return other instanceof Frame && ((Frame) other).text.equals(text);
  }

  @Override
  public int hashCode() {
    return text.hashCode();
  }

  @Override
  public String toString() {
    return "Frame[" + bytes + " bytes]";
  }
}
