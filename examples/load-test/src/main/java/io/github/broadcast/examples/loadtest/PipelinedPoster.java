package io.github.broadcast.examples.loadtest;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Locale;

/**
 * POSTs over a few keep-alive connections, pipelined (RFC 9112, section 9.3.2): each request is
 * written as it falls due, and a reader thread per connection matches each response to the oldest
 * request not yet answered. A post therefore costs one write on the poster's thread and never waits
 * for an earlier one's answer, whatever the server's latency.
 *
 * <p>Why not the JDK's HttpClient: at a thousand posts a second, JDK 17's connection pool looks up
 * a free connection by a linear scan of its idle list, and the server closes a connection after so
 * many requests, so the client opened thousands of connections and spent a core of the load
 * generator on them, which the run then charged to the server as staleness. Here a connection is
 * retired after {@link #MAX_REQUESTS} requests, below every server's limit, or as soon as an answer
 * says {@code Connection: close}, and replaced. Requests pipelined past a server's limit are never
 * answered; each counts as a failed post.
 *
 * <p>Threads: {@link #post} is called by one thread (the poster's); each connection's reader runs
 * on a daemon thread of its own and completes the callbacks.
 */
final class PipelinedPoster implements AutoCloseable {

  /**
   * Requests sent on one connection before it is retired: Grizzly closes after 256, Tomcat after
   * 100 (its {@code maxKeepAliveRequests}).
   */
  static final int MAX_REQUESTS = 90;

  /** What becomes of one post: an HTTP status, or -1 if the connection failed first. */
  @FunctionalInterface
  interface Outcome {
    void done(int status);
  }

  private final InetSocketAddress address;
  private final String hostHeader;
  private final Connection[] connections;
  private int next;

  PipelinedPoster(URI base, int connections) {
    this.address = new InetSocketAddress(base.getHost(), base.getPort());
    this.hostHeader = base.getHost() + ":" + base.getPort();
    this.connections = new Connection[connections];
  }

  /**
   * Writes {@code POST path} with a JSON {@code body}; {@code outcome} runs on a reader thread when
   * the response (or the connection's failure) arrives.
   */
  void post(String path, String body, Outcome outcome) {
    byte[] payload = body.getBytes(StandardCharsets.UTF_8);
    byte[] head =
        String.format(
                Locale.ROOT,
                "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
                    + "Content-Length: %d\r\n\r\n",
                path,
                hostHeader,
                payload.length)
            .getBytes(StandardCharsets.US_ASCII);
    byte[] request = new byte[head.length + payload.length];
    System.arraycopy(head, 0, request, 0, head.length);
    System.arraycopy(payload, 0, request, head.length, payload.length);
    int slot = next;
    next = (next + 1) % connections.length;
    Connection connection = connections[slot];
    if (connection == null || !connection.takesMore()) {
      if (connection != null) {
        connection.retire();
      }
      try {
        connection = new Connection();
      } catch (IOException e) {
        outcome.done(-1);
        return;
      }
      connections[slot] = connection;
    }
    connection.send(request, outcome);
  }

  @Override
  public void close() {
    for (Connection connection : connections) {
      if (connection != null) {
        connection.close();
      }
    }
  }

  /** One keep-alive connection: requests written in order, answers read in order. */
  private final class Connection implements Runnable {
    private final Socket socket;
    private final OutputStream out;
    private final ArrayDeque<Outcome> waiting = new ArrayDeque<>(); // Guarded by itself.
    private int sent; // Poster's thread only.
    private boolean retired; // Guarded by waiting.
    private volatile boolean closing; // The server said Connection: close.

    Connection() throws IOException {
      socket = new Socket();
      socket.setTcpNoDelay(true);
      socket.connect(address, 10_000);
      out = socket.getOutputStream();
      Thread reader = new Thread(this, "poster-reader");
      reader.setDaemon(true);
      reader.start();
    }

    boolean takesMore() {
      return sent < MAX_REQUESTS && !closing && !socket.isClosed();
    }

    void send(byte[] request, Outcome outcome) {
      synchronized (waiting) {
        waiting.add(outcome);
      }
      sent++;
      try {
        out.write(request);
      } catch (IOException e) {
        fail();
      }
    }

    /** Takes no more requests; closes once every request sent was answered. */
    void retire() {
      boolean idle;
      synchronized (waiting) {
        retired = true;
        idle = waiting.isEmpty();
      }
      if (idle) {
        close();
      }
    }

    @Override
    public void run() {
      try (InputStream in = new BufferedInputStream(socket.getInputStream(), 16 * 1024)) {
        while (true) {
          int status = readResponse(in);
          Outcome outcome;
          boolean done;
          synchronized (waiting) {
            outcome = waiting.poll();
            done = retired && waiting.isEmpty();
          }
          if (outcome != null) {
            outcome.done(status);
          }
          if (done) {
            break;
          }
        }
      } catch (IOException e) {
        // Closed or failed: what was not answered fails below.
      }
      fail();
    }

    /** Reads one response: its status line, headers and Content-Length body; returns the status. */
    private int readResponse(InputStream in) throws IOException {
      String statusLine = readLine(in);
      if (statusLine == null) {
        throw new IOException("connection closed");
      }
      int status = Integer.parseInt(statusLine.substring(9, 12));
      int length = 0;
      String line;
      while ((line = readLine(in)) != null && !line.isEmpty()) {
        int colon = line.indexOf(':');
        if (colon > 0 && line.substring(0, colon).equalsIgnoreCase("Content-Length")) {
          length = Integer.parseInt(line.substring(colon + 1).strip());
        } else if (colon > 0
            && line.substring(0, colon).equalsIgnoreCase("Connection")
            && line.substring(colon + 1).strip().equalsIgnoreCase("close")) {
          closing = true; // Whatever else was pipelined here goes unanswered.
        }
      }
      in.skipNBytes(length);
      return status;
    }

    private String readLine(InputStream in) throws IOException {
      StringBuilder line = new StringBuilder(64);
      int c;
      while ((c = in.read()) != -1) {
        if (c == '\n') {
          int end = line.length();
          return end > 0 && line.charAt(end - 1) == '\r'
              ? line.substring(0, end - 1)
              : line.toString();
        }
        line.append((char) c);
      }
      return line.length() == 0 ? null : line.toString();
    }

    /** Fails every request not answered, and closes. */
    private void fail() {
      close();
      while (true) {
        Outcome outcome;
        synchronized (waiting) {
          outcome = waiting.poll();
        }
        if (outcome == null) {
          return;
        }
        outcome.done(-1);
      }
    }

    void close() {
      try {
        socket.close();
      } catch (IOException e) {
        // Closing anyway.
      }
    }
  }
}
