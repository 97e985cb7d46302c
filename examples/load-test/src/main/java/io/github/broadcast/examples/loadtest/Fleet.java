package io.github.broadcast.examples.loadtest;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The load test's dashboard clients on the wire: raw WebSocket connections (RFC 6455) served by one
 * selector thread per core, as Node's {@code ws} serves them from its event loop. Each connection
 * reads whole frames from its socket, hands every text message's bytes to its {@link
 * WatchingClient} (which parses them as they are, without decoding them to a string first), and
 * answers each ping with a pong carrying its payload once the frames before the ping were handled:
 * a pong here proves what a browser's or Node's proves. A stalled connection stops reading after
 * its handshake, with a small receive buffer.
 *
 * <p>Why not the JDK's WebSocket: it decodes every message into a {@code CharBuffer}, copies
 * partial messages into a string, and hops executors per frame; at a thousand clients the load
 * generator spent its core on that instead of on parsing, and charged the server for it.
 *
 * <p>Threads: {@link #connect} from any thread; everything else of a connection on its loop's
 * thread.
 */
final class Fleet implements AutoCloseable {

  /** How a connection behaves once its handshake is done. */
  enum Mode {
    /** Reads and handles everything, answers pings. */
    WATCH,
    /** Stops reading: a tab on a dead link. */
    STALL
  }

  private static final int MAX_MESSAGE_BYTES = 64 * 1024 * 1024; // 64 MiB.

  private final Loop[] loops;
  private int next;

  Fleet(int threads) throws IOException {
    loops = new Loop[threads];
    for (int i = 0; i < threads; i++) {
      loops[i] = new Loop("fleet-" + i);
      loops[i].start();
    }
  }

  /** Opens a connection to {@code ws} for {@code client}; its futures tell how it went. */
  void connect(URI ws, WatchingClient client, Mode mode) {
    connect(ws, new InetSocketAddress(ws.getHost(), ws.getPort()), client, mode);
  }

  /**
   * Opens a connection to {@code ws} through {@code via} (a proxy in front of it): the handshake
   * names {@code ws}'s host, as a browser behind the link would.
   */
  synchronized void connect(URI ws, InetSocketAddress via, WatchingClient client, Mode mode) {
    Loop loop = loops[next];
    next = (next + 1) % loops.length;
    loop.add(new Connection(ws, via, client, mode));
  }

  @Override
  public void close() {
    for (Loop loop : loops) {
      loop.finish();
    }
  }

  /** One selector thread and the connections it serves. */
  private static final class Loop extends Thread {
    private final Selector selector;
    private final ConcurrentLinkedQueue<Connection> added = new ConcurrentLinkedQueue<>();
    private volatile boolean running = true;

    Loop(String name) throws IOException {
      super(name);
      setDaemon(true);
      selector = Selector.open();
    }

    void add(Connection connection) {
      added.add(connection);
      selector.wakeup();
    }

    void finish() {
      running = false;
      selector.wakeup();
      try {
        join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public void run() {
      try {
        while (running) {
          Connection connection;
          while ((connection = added.poll()) != null) {
            connection.open(selector);
          }
          selector.select(100);
          for (SelectionKey key : selector.selectedKeys()) {
            ((Connection) key.attachment()).ready(key);
          }
          selector.selectedKeys().clear();
        }
      } catch (IOException e) {
        System.err.println("load-test: a fleet loop failed: " + e);
      } finally {
        for (SelectionKey key : selector.keys()) {
          ((Connection) key.attachment()).abort("-1 load test ended");
        }
        try {
          selector.close();
        } catch (IOException e) {
          // Ending anyway.
        }
      }
    }
  }

  /** One client connection: handshake, then frames. Touched by its loop's thread only. */
  private static final class Connection {
    private final URI ws;
    private final InetSocketAddress via;
    private final WatchingClient client;
    private final Mode mode;
    private final byte[] mask = new byte[4];
    private SocketChannel channel;
    private SelectionKey key;
    private ByteBuffer in = ByteBuffer.allocate(64 * 1024);
    private final ArrayDeque<ByteBuffer> out = new ArrayDeque<>();
    private boolean upgraded;
    private byte[] fragments; // A message in parts (continuation frames), or null.
    private int fragmentsLength;
    private boolean done;

    Connection(URI ws, InetSocketAddress via, WatchingClient client, Mode mode) {
      this.ws = ws;
      this.via = via;
      this.client = client;
      this.mode = mode;
      ThreadLocalRandom.current().nextBytes(mask);
    }

    void open(Selector selector) {
      try {
        channel = SocketChannel.open();
        channel.configureBlocking(false);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        if (mode == Mode.STALL) {
          channel.setOption(StandardSocketOptions.SO_RCVBUF, 4 * 1024);
        }
        boolean connected = channel.connect(via);
        key = channel.register(selector, connected ? 0 : SelectionKey.OP_CONNECT, this);
        if (connected) {
          handshake();
        }
      } catch (IOException e) {
        abort("-1 " + e);
      }
    }

    void ready(SelectionKey key) {
      try {
        if (!key.isValid()) {
          return;
        }
        if (key.isConnectable() && channel.finishConnect()) {
          handshake();
        }
        if (key.isValid() && key.isWritable()) {
          flush();
        }
        if (key.isValid() && key.isReadable()) {
          read();
        }
      } catch (IOException | RuntimeException e) {
        abort("-1 " + e);
      }
    }

    private void handshake() throws IOException {
      byte[] nonce = new byte[16];
      ThreadLocalRandom.current().nextBytes(nonce);
      String path = ws.getRawPath() + (ws.getRawQuery() == null ? "" : "?" + ws.getRawQuery());
      String request =
          "GET "
              + path
              + " HTTP/1.1\r\nHost: "
              + ws.getHost()
              + ":"
              + ws.getPort()
              + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "
              + Base64.getEncoder().encodeToString(nonce)
              + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
      key.interestOps(SelectionKey.OP_READ);
      write(ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII)));
    }

    private void read() throws IOException {
      while (true) {
        if (!in.hasRemaining()) {
          grow(in.capacity() * 2);
        }
        int n = channel.read(in);
        if (n < 0) {
          abort("-1 connection closed by the server");
          return;
        }
        if (n == 0) {
          return;
        }
        in.flip();
        if (!upgraded && !readHandshake()) {
          in.compact();
          continue;
        }
        if (mode == Mode.STALL) {
          key.interestOps(0); // From here on, nothing is read.
          client.ready.complete(null);
          return;
        }
        readFrames();
        in.compact();
        if (done) {
          return;
        }
      }
    }

    /** Consumes the handshake's response once whole; returns whether it has. */
    private boolean readHandshake() throws IOException {
      byte[] data = in.array();
      int end = -1;
      for (int i = in.position(); i + 3 < in.limit(); i++) {
        if (data[i] == '\r' && data[i + 1] == '\n' && data[i + 2] == '\r' && data[i + 3] == '\n') {
          end = i + 4;
          break;
        }
      }
      if (end < 0) {
        return false;
      }
      String head = new String(data, in.position(), end - in.position(), StandardCharsets.US_ASCII);
      if (!head.startsWith("HTTP/1.1 101")) {
        abort("-1 handshake refused: " + head.lines().findFirst().orElse(""));
        throw new IOException("refused");
      }
      in.position(end);
      upgraded = true;
      return true;
    }

    /** Handles every whole frame in the buffer, in order. */
    private void readFrames() throws IOException {
      byte[] data = in.array();
      while (!done && in.remaining() >= 2) {
        int at = in.position();
        int b0 = data[at] & 0xFF;
        int b1 = data[at + 1] & 0xFF;
        int len7 = b1 & 0x7F;
        int header = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0);
        if (in.remaining() < header) {
          return;
        }
        long length =
            len7 == 126
                ? ((data[at + 2] & 0xFF) << 8) | (data[at + 3] & 0xFF)
                : len7 == 127 ? in.getLong(at + 2) : len7;
        if (length > MAX_MESSAGE_BYTES) {
          throw new IOException("a frame of " + length + " bytes");
        }
        if (in.remaining() < header + length) {
          return; // The rest is on its way; a full buffer grows before the next read.
        }
        int payload = at + header;
        frame(b0 & 0x80, b0 & 0x0F, data, payload, (int) length);
        in.position(payload + (int) length);
      }
    }

    private void frame(int fin, int opcode, byte[] data, int from, int length) throws IOException {
      switch (opcode) {
        case 0x1 -> {
          if (fin != 0) {
            client.handle(data, from, length, System.nanoTime());
          } else {
            fragments = new byte[Math.max(length * 2, 1024)];
            fragmentsLength = 0;
            append(data, from, length);
          }
        }
        case 0x0 -> {
          if (fragments == null) {
            throw new IOException("a continuation with no message");
          }
          append(data, from, length);
          if (fin != 0) {
            client.handle(fragments, 0, fragmentsLength, System.nanoTime());
            fragments = null;
          }
        }
        case 0x9 -> write(clientFrame(0xA, data, from, length)); // The pong, in order.
        case 0x8 -> {
          int code = length >= 2 ? ((data[from] & 0xFF) << 8) | (data[from + 1] & 0xFF) : 1005;
          String reason =
              length > 2 ? new String(data, from + 2, length - 2, StandardCharsets.UTF_8) : "";
          write(clientFrame(0x8, data, from, Math.min(length, 2)));
          done = true;
          client.closed.complete(code + (reason.isEmpty() ? "" : " " + reason));
          closeChannel();
        }
        default -> {
          // Binary frames and pongs are not the server's to send here; ignore them.
        }
      }
    }

    private void append(byte[] data, int from, int length) throws IOException {
      if (fragmentsLength + length > MAX_MESSAGE_BYTES) {
        throw new IOException("a message over " + MAX_MESSAGE_BYTES + " bytes");
      }
      if (fragmentsLength + length > fragments.length) {
        byte[] grown = new byte[Math.max(fragments.length * 2, fragmentsLength + length)];
        System.arraycopy(fragments, 0, grown, 0, fragmentsLength);
        fragments = grown;
      }
      System.arraycopy(data, from, fragments, fragmentsLength, length);
      fragmentsLength += length;
    }

    /** A masked client frame (RFC 6455, section 5.3) with a payload of at most 125 bytes. */
    private ByteBuffer clientFrame(int opcode, byte[] data, int from, int length) {
      ByteBuffer frame = ByteBuffer.allocate(6 + length);
      frame.put((byte) (0x80 | opcode)).put((byte) (0x80 | length)).put(mask);
      for (int i = 0; i < length; i++) {
        frame.put((byte) (data[from + i] ^ mask[i & 3]));
      }
      return frame.flip();
    }

    /** Sends a text message (an acknowledgement, say). */
    void sendText(String text) throws IOException {
      byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
      write(clientFrame(0x1, bytes, 0, bytes.length));
    }

    private void write(ByteBuffer buffer) throws IOException {
      if (out.isEmpty()) {
        channel.write(buffer);
        if (!buffer.hasRemaining()) {
          return;
        }
      }
      out.add(buffer);
      key.interestOps(key.interestOps() | SelectionKey.OP_WRITE);
    }

    private void flush() throws IOException {
      while (!out.isEmpty()) {
        ByteBuffer buffer = out.peek();
        channel.write(buffer);
        if (buffer.hasRemaining()) {
          return;
        }
        out.poll();
      }
      key.interestOps(key.interestOps() & ~SelectionKey.OP_WRITE);
    }

    private void grow(int capacity) {
      ByteBuffer grown = ByteBuffer.allocate(capacity);
      in.flip();
      grown.put(in);
      in = grown;
    }

    void abort(String why) {
      done = true;
      client.closed.complete(why);
      closeChannel();
    }

    private void closeChannel() {
      try {
        if (channel != null) {
          channel.close();
        }
      } catch (IOException e) {
        // Closed anyway.
      }
    }
  }
}
