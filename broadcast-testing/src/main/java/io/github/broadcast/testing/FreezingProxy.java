package io.github.broadcast.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on a loopback port that can freeze: while frozen it still accepts connections (as a
 * kernel does for a stopped process, or a NAT that dropped its mapping: the peer sees an open
 * connection) but forwards nothing either way, and it forwards again after {@link #thaw}. How a
 * test plays a server frozen by SIGSTOP, a laptop asleep or a silent network without freezing the
 * test's own JVM. Thread-safe; two threads per connection, for tests only.
 */
public final class FreezingProxy implements AutoCloseable {

  private final ServerSocket server;
  private final InetSocketAddress target;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final Object gate = new Object();
  private boolean frozen; // Guarded by gate.
  private volatile boolean closed;

  /** Starts a proxy to {@code target} on a free loopback port. */
  public FreezingProxy(InetSocketAddress target) throws IOException {
    this(0, target);
  }

  /** Starts a proxy to {@code target} on loopback {@code port} (0: a free one). */
  public FreezingProxy(int port, InetSocketAddress target) throws IOException {
    this.target = target;
    this.server = new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::accept, "freezing-proxy-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** Returns the proxy's port. */
  public int port() {
    return server.getLocalPort();
  }

  /** Stops forwarding, in both directions, on every connection, old and new. */
  public void freeze() {
    synchronized (gate) {
      frozen = true;
    }
  }

  /** Forwards again whatever waited, and everything after. */
  public void thaw() {
    synchronized (gate) {
      frozen = false;
      gate.notifyAll();
    }
  }

  private void awaitThaw() throws InterruptedException {
    synchronized (gate) {
      while (frozen && !closed) {
        gate.wait();
      }
    }
  }

  private void accept() {
    while (!closed) {
      try {
        Socket client = server.accept();
        sockets.add(client);
        Thread opener = new Thread(() -> open(client), "freezing-proxy-" + client.getPort());
        opener.setDaemon(true);
        opener.start();
      } catch (IOException e) {
        return; // Closed.
      }
    }
  }

  private void open(Socket client) {
    try {
      awaitThaw(); // A connection made while frozen reaches the server only after the thaw.
      Socket upstream = new Socket(target.getAddress(), target.getPort());
      sockets.add(upstream);
      pump(client, upstream);
      pump(upstream, client);
    } catch (IOException | InterruptedException e) {
      closeQuietly(client);
    }
  }

  private void pump(Socket from, Socket to) {
    Thread thread =
        new Thread(
            () -> {
              byte[] buffer = new byte[16 * 1024];
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                  awaitThaw(); // Read, then held: the kernel's buffers fill as they would.
                  out.write(buffer, 0, n);
                  out.flush();
                }
              } catch (IOException | InterruptedException e) {
                // One side went away: so does the other.
              } finally {
                closeQuietly(from);
                closeQuietly(to);
              }
            },
            "freezing-proxy-pump");
    thread.setDaemon(true);
    thread.start();
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // Closing anyway.
    }
  }

  /** Stops accepting and drops every connection. */
  @Override
  public void close() throws IOException {
    closed = true;
    thaw();
    server.close();
    sockets.forEach(FreezingProxy::closeQuietly);
  }
}
