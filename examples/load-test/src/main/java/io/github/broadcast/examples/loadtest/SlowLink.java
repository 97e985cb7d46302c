package io.github.broadcast.examples.loadtest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * A slow link between the server and one client: a TCP proxy on a loopback port that forwards the
 * server's bytes at {@code bytesPerSecond} through a queue of {@code queueBytes}, and reads from
 * the server only as fast as that queue drains (so the server's bytes back up in the kernel's
 * buffers in front of it, as they do in front of a real bottleneck). The client's bytes pass at
 * once.
 *
 * <p>One connection: the one client it stands in front of. Threads: an acceptor, then one thread
 * per direction and one that paces the slow one; all daemons, stopped by {@link #close}.
 */
final class SlowLink implements AutoCloseable {

  private static final int CHUNK = 1024;

  private final ServerSocket listener;
  private final InetSocketAddress upstream;
  private final int bytesPerSecond;
  private final int queueBytes;
  private final ArrayDeque<byte[]> queue = new ArrayDeque<>(); // Guarded by itself.
  private int queued; // Guarded by queue.
  private volatile boolean closed;
  private volatile Socket client; // Set by the acceptor, closed by anyone.
  private volatile Socket server;

  SlowLink(URI server, Scenario.Link link) throws IOException {
    this.upstream = new InetSocketAddress(server.getHost(), server.getPort());
    this.bytesPerSecond = link.bytesPerSecond();
    this.queueBytes = link.queueBytes();
    this.listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    start("slow-link-accept", this::accept);
  }

  /** The address that reaches the server through this link. */
  InetSocketAddress address() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.getLocalPort());
  }

  private void accept() {
    try {
      client = listener.accept();
      client.setTcpNoDelay(true);
      server = new Socket();
      server.setTcpNoDelay(true);
      server.connect(upstream, 10_000);
      start("slow-link-up", () -> copy(client, server));
      start("slow-link-in", this::fill);
      start("slow-link-out", this::drain);
    } catch (IOException e) {
      if (!closed) {
        System.err.println("load-test: the slow link failed: " + e);
      }
      close();
    }
  }

  /** The client's bytes to the server, as they come. */
  private void copy(Socket from, Socket to) {
    byte[] buffer = new byte[4096];
    try (InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream()) {
      int n;
      while ((n = in.read(buffer)) >= 0) {
        out.write(buffer, 0, n);
      }
    } catch (IOException e) {
      // Closed: the other direction ends too.
    }
    close();
  }

  /** The server's bytes into the queue, only while it has room. */
  private void fill() {
    try (InputStream in = server.getInputStream()) {
      while (!closed) {
        synchronized (queue) {
          while (queued + CHUNK > queueBytes && !closed) {
            queue.wait();
          }
        }
        byte[] chunk = new byte[CHUNK];
        int n = in.read(chunk);
        if (n < 0) {
          break;
        }
        byte[] read = n == CHUNK ? chunk : Arrays.copyOf(chunk, n);
        synchronized (queue) {
          queue.add(read);
          queued += n;
          queue.notifyAll();
        }
      }
    } catch (IOException e) {
      // Closed.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    close();
  }

  /** The queue to the client, at the link's rate. */
  private void drain() {
    long next = System.nanoTime();
    try (OutputStream out = client.getOutputStream()) {
      while (!closed) {
        byte[] chunk;
        synchronized (queue) {
          while (queue.isEmpty() && !closed) {
            queue.wait();
          }
          if (closed) {
            break;
          }
          chunk = queue.poll();
          queued -= chunk.length;
          queue.notifyAll();
        }
        long now = System.nanoTime();
        next = Math.max(next, now) + TimeUnit.SECONDS.toNanos(chunk.length) / bytesPerSecond;
        out.write(chunk);
        long wait = next - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
      }
    } catch (IOException e) {
      // Closed.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    close();
  }

  private static void start(String name, Runnable task) {
    Thread thread = new Thread(task, name);
    thread.setDaemon(true);
    thread.start();
  }

  @Override
  public void close() {
    closed = true;
    synchronized (queue) {
      queue.notifyAll();
    }
    for (AutoCloseable socket : new AutoCloseable[] {listener, client, server}) {
      try {
        if (socket != null) {
          socket.close();
        }
      } catch (Exception e) {
        // Closing anyway.
      }
    }
  }
}
