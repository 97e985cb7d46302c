package io.github.broadcast.examples.loadtest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * A dashboard client that completes the handshake, reads {@code initial_state}'s first bytes, and
 * then never reads again: a browser tab on a dead link. A raw socket with a small receive buffer is
 * the honest way to make one; a WebSocket library would keep reading.
 */
final class StalledClient implements AutoCloseable {

  private final Socket socket;

  StalledClient(URI ws) throws IOException {
    socket = new Socket();
    socket.setReceiveBufferSize(4 * 1024);
    socket.connect(new InetSocketAddress(ws.getHost(), ws.getPort()), 10_000);
    socket.setSoTimeout(10_000);
    OutputStream out = socket.getOutputStream();
    out.write(
        ("GET "
                + ws.getPath()
                + " HTTP/1.1\r\nHost: "
                + ws.getHost()
                + ":"
                + ws.getPort()
                + "\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Version: 13\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    out.flush();
    InputStream in = socket.getInputStream();
    StringBuilder head = new StringBuilder();
    while (head.indexOf("\r\n\r\n") < 0) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("closed during the handshake: " + head);
      }
      head.append((char) b);
    }
    if (!head.toString().startsWith("HTTP/1.1 101")) {
      throw new IOException("handshake refused: " + head);
    }
    // From here on, nothing is read.
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
