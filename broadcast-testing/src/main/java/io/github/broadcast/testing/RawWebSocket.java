package io.github.broadcast.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * A WebSocket peer on a bare socket, for the misbehaviour a real client library will not do:
 * completing the handshake and then never reading (a stalled peer), or dropping the connection
 * without a close frame (an abrupt one), or sending one text message as a single frame however
 * large (the JDK client splits a long message into continuation frames, so the server judges it
 * before it has all arrived).
 */
public final class RawWebSocket implements AutoCloseable {

  private final Socket socket;
  private final String response;

  private RawWebSocket(Socket socket, String response) {
    this.socket = socket;
    this.response = response;
  }

  /**
   * Connects and completes the handshake. A small receive buffer makes the server's writes back up
   * soon once this peer stops reading.
   */
  public static RawWebSocket handshake(URI uri) throws IOException {
    return handshake(uri, Map.of());
  }

  /** Connects and completes the handshake, with extra request headers. */
  public static RawWebSocket handshake(URI uri, Map<String, String> headers) throws IOException {
    Socket socket = new Socket();
    socket.setReceiveBufferSize(4 * 1024);
    socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 10_000);
    socket.setSoTimeout(10_000);
    OutputStream out = socket.getOutputStream();
    String request =
        "GET "
            + uri.getPath()
            + " HTTP/1.1\r\n"
            + "Host: "
            + uri.getHost()
            + ":"
            + uri.getPort()
            + "\r\n"
            + "Upgrade: websocket\r\n"
            + "Connection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            + "Sec-WebSocket-Version: 13\r\n";
    StringBuilder extra = new StringBuilder();
    headers.forEach((name, value) -> extra.append(name).append(": ").append(value).append("\r\n"));
    request = request + extra + "\r\n";
    out.write(request.getBytes(StandardCharsets.US_ASCII));
    out.flush();
    InputStream in = socket.getInputStream();
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed during the handshake: " + head);
      }
      head.write(b);
    }
    return new RawWebSocket(socket, head.toString(StandardCharsets.US_ASCII));
  }

  /** Returns the server's handshake response head. */
  public String response() {
    return response;
  }

  /**
   * Sends {@code text} as one masked text frame, whatever its length, and returns once it is
   * written. The mask is fixed: this peer tests servers, it is not one.
   */
  public void sendText(String text) throws IOException {
    sendFrame(0x81, text.getBytes(StandardCharsets.UTF_8)); // FIN, text
  }

  /**
   * Sends one masked frame whose first byte is {@code first} (FIN, RSV bits, opcode) and whose
   * payload is {@code payload}, as given: compressed bytes with RSV1, a continuation, anything.
   */
  public void sendFrame(int first, byte[] payload) throws IOException {
    byte[] mask = {0x5b, 0x1e, 0x77, 0x2c};
    ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
    frame.write(first);
    if (payload.length < 126) {
      frame.write(0x80 | payload.length);
    } else if (payload.length <= 0xFFFF) {
      frame.write(0x80 | 126);
      frame.write(payload.length >>> 8);
      frame.write(payload.length);
    } else {
      frame.write(0x80 | 127);
      for (int shift = 56; shift >= 0; shift -= 8) {
        frame.write((int) ((long) payload.length >>> shift));
      }
    }
    frame.write(mask, 0, mask.length);
    for (int i = 0; i < payload.length; i++) {
      frame.write(payload[i] ^ mask[i & 3]);
    }
    OutputStream out = socket.getOutputStream();
    frame.writeTo(out);
    out.flush();
  }

  /** One frame as the server sent it. */
  public record Frame(boolean fin, boolean rsv1, int opcode, byte[] payload) {
    /** Returns the close frame's status code (1005 when it has none). */
    public int closeCode() {
      return payload.length < 2 ? 1005 : ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF);
    }
  }

  /**
   * Reads the server's next frame, whatever it is.
   *
   * @throws IOException if the connection ends first or nothing comes within the read timeout
   */
  public Frame readFrame() throws IOException {
    InputStream in = socket.getInputStream();
    int first = readByte(in);
    long length = readByte(in) & 0x7F; // A server's frames are not masked.
    int extra = length == 126 ? 2 : length == 127 ? 8 : 0;
    if (extra > 0) {
      length = 0;
      for (int i = 0; i < extra; i++) {
        length = (length << 8) | readByte(in);
      }
    }
    byte[] payload = in.readNBytes((int) length);
    if (payload.length < length) {
      throw new IOException("connection ended inside a frame");
    }
    return new Frame((first & 0x80) != 0, (first & 0x40) != 0, first & 0x0F, payload);
  }

  /**
   * Reads the server's frames, skipping data frames, until its close frame, and returns that
   * frame's status code (1005 when it carries none).
   *
   * @throws IOException if the connection ends first or no close comes within the read timeout
   */
  public int awaitCloseCode() throws IOException {
    while (true) {
      Frame frame = readFrame();
      if (frame.opcode() == 0x8) {
        return frame.closeCode();
      }
    }
  }

  private static int readByte(InputStream in) throws IOException {
    int b = in.read();
    if (b < 0) {
      throw new IOException("connection ended before a close frame");
    }
    return b;
  }

  /** Drops the connection with a TCP reset, without a WebSocket close frame. */
  public void abort() throws IOException {
    socket.setSoLinger(true, 0);
    socket.close();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
