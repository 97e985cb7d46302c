package io.github.broadcast.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 on a bare socket, for requests a client library will not send: a foreign {@code Host}
 * header (DNS rebinding), a body that stops half way, a hand-written {@code Expect}. Reads one
 * response: its head, then a {@code Content-Length} body, or everything until the server closes.
 */
public final class RawHttp {

  /** A response: status, headers by lower-case name, and the body as text. */
  public record Response(int status, Map<String, List<String>> headers, String body) {
    /** Returns the first value of header {@code name}, or null. */
    public String header(String name) {
      List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
      return values == null ? null : values.get(0);
    }
  }

  private RawHttp() {}

  /** Connects to 127.0.0.1:{@code port}, with a 10 s read timeout. */
  public static Socket connect(int port) throws IOException {
    Socket socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
    socket.setSoTimeout(10_000);
    return socket;
  }

  /**
   * Starts a JSON POST of {@code body} to {@code path} and stops two bytes short of its declared
   * length, as a client that stalls mid-body: the server has the whole head and most of the body.
   */
  public static Socket halfPost(int port, String path, String body) throws IOException {
    Socket socket = connect(port);
    OutputStream out = socket.getOutputStream();
    out.write(
        ("POST "
                + path
                + " HTTP/1.1\r\nHost: 127.0.0.1:"
                + port
                + "\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length()
                + "\r\n\r\n"
                + body.substring(0, body.length() - 2))
            .getBytes(StandardCharsets.US_ASCII));
    out.flush();
    return socket;
  }

  /** Sends {@code request} as is (CRLFs included) on a new connection and reads the response. */
  public static Response exchange(int port, String request) throws IOException {
    try (Socket socket = connect(port)) {
      socket.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
      socket.getOutputStream().flush();
      return read(socket.getInputStream());
    }
  }

  /** A GET of {@code path} with the given {@code Host} and extra header lines ({@code "A: b"}). */
  public static Response get(int port, String host, String path, String... headers)
      throws IOException {
    StringBuilder request =
        new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n");
    for (String header : headers) {
      request.append(header).append("\r\n");
    }
    return exchange(port, request.append("Connection: close\r\n\r\n").toString());
  }

  /** Reads one response from {@code in}. */
  public static Response read(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed in the response head: " + head);
      }
      head.write(b);
    }
    String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0) {
        headers
            .computeIfAbsent(
                lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT),
                k -> new ArrayList<>())
            .add(lines[i].substring(colon + 1).strip());
      }
    }
    if (status / 100 == 1) {
      return new Response(status, headers, ""); // An interim response: the final one follows.
    }
    List<String> length = headers.get("content-length");
    List<String> encoding = headers.get("transfer-encoding");
    byte[] body;
    if (length != null) {
      body = in.readNBytes(Integer.parseInt(length.get(0)));
    } else if (encoding != null && encoding.get(0).equalsIgnoreCase("chunked")) {
      body = chunked(in);
    } else {
      body = in.readAllBytes();
    }
    return new Response(status, headers, new String(body, StandardCharsets.UTF_8));
  }

  private static byte[] chunked(InputStream in) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    while (true) {
      int size = Integer.parseInt(line(in).split(";")[0].strip(), 16);
      if (size == 0) {
        while (!line(in).isEmpty()) {
          // Trailers: none expected, skipped.
        }
        return body.toByteArray();
      }
      body.write(in.readNBytes(size));
      line(in); // The CRLF after the chunk.
    }
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != '\n') {
      if (b < 0) {
        throw new IOException("connection closed in a chunked body");
      }
      if (b != '\r') {
        line.write(b);
      }
    }
    return line.toString(StandardCharsets.ISO_8859_1);
  }
}
