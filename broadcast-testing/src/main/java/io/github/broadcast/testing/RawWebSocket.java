package io.github.broadcast.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * A WebSocket peer on a bare socket, for the misbehaviour a real client library will not do:
 * completing the handshake and then never reading (a stalled peer), or dropping the connection
 * without a close frame (an abrupt one).
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
            + "Sec-WebSocket-Version: 13\r\n\r\n";
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
