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
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

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
 * <p>permessage-deflate (RFC 7692), when the fleet offers it: each connection's handshake offers it
 * as browsers do ({@code permessage-deflate; client_max_window_bits}) and reads the server's
 * answer; a message whose first frame has RSV1 set is inflated before its client reads it. A server
 * without context takeover (the embedded server answers {@code server_no_context_takeover}) makes
 * every message stand alone, so one inflater and one output buffer per loop thread serve all of its
 * connections, reset per message; a connection whose server keeps its context gets its own. The
 * clients send nothing compressed (allowed: compression is per message).
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

  /** What the server's handshake answer agreed to of permessage-deflate. */
  enum Deflate {
    /** Not negotiated: no message may be compressed. */
    OFF,
    /** Negotiated with {@code server_no_context_takeover}: each message inflates on its own. */
    PER_MESSAGE,
    /** Negotiated with context takeover: a message may refer to the ones before it. */
    CONTEXT_TAKEOVER
  }

  /** The extension offer, as browsers send it. */
  static final String DEFLATE_OFFER = "permessage-deflate; client_max_window_bits";

  private final Loop[] loops;
  private final boolean offerDeflate;
  private int next;

  /** A fleet of {@code threads} loops whose connections do not offer permessage-deflate. */
  Fleet(int threads) throws IOException {
    this(threads, false);
  }

  /**
   * A fleet of {@code threads} loops; {@code offerDeflate}: its connections offer the extension.
   */
  Fleet(int threads, boolean offerDeflate) throws IOException {
    this.offerDeflate = offerDeflate;
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
    loop.add(new Connection(ws, via, client, mode, offerDeflate, loop));
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
    private Inflation shared; // For its connections without context takeover; made on first use.

    Loop(String name) throws IOException {
      super(name);
      setDaemon(true);
      selector = Selector.open();
    }

    /** The loop's inflater for messages that stand alone; on the loop's thread only. */
    Inflation shared() {
      if (shared == null) {
        shared = new Inflation(false);
      }
      return shared;
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
        if (shared != null) {
          shared.end();
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
    private final boolean offerDeflate;
    private final Loop loop;
    private final byte[] mask = new byte[4];
    private SocketChannel channel;
    private SelectionKey key;
    private ByteBuffer in = ByteBuffer.allocate(64 * 1024);
    private final ArrayDeque<ByteBuffer> out = new ArrayDeque<>();
    private boolean upgraded;
    private Messages messages; // Once upgraded.
    private boolean done;

    Connection(
        URI ws,
        InetSocketAddress via,
        WatchingClient client,
        Mode mode,
        boolean offerDeflate,
        Loop loop) {
      this.ws = ws;
      this.via = via;
      this.client = client;
      this.mode = mode;
      this.offerDeflate = offerDeflate;
      this.loop = loop;
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
              + "\r\nSec-WebSocket-Version: 13\r\n"
              + (offerDeflate ? "Sec-WebSocket-Extensions: " + DEFLATE_OFFER + "\r\n" : "")
              + "\r\n";
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
      Deflate deflate = negotiated(head, offerDeflate);
      Inflation inflation =
          switch (deflate) {
            case OFF -> null;
            case PER_MESSAGE -> loop.shared();
            case CONTEXT_TAKEOVER -> new Inflation(true);
          };
      messages = new Messages(client, inflation);
      client.deflated = deflate != Deflate.OFF;
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
        client.received(header + (int) length);
        frame(b0, data, payload, (int) length);
        in.position(payload + (int) length);
      }
    }

    /** One frame, {@code b0} its first byte (FIN, RSV1-3 and the opcode). */
    private void frame(int b0, byte[] data, int from, int length) throws IOException {
      int opcode = b0 & 0x0F;
      if ((b0 & 0x30) != 0 || (opcode >= 0x8 && (b0 & 0x40) != 0)) {
        throw new IOException(
            "a frame with RSV bits no extension allows: " + Integer.toHexString(b0));
      }
      switch (opcode) {
        case 0x0, 0x1 -> messages.frame(b0, data, from, length);
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
      if (messages != null) {
        messages.end();
      }
    }
  }

  /**
   * What the server's handshake answer {@code head} (status line and headers) agreed to: OFF when
   * it names no extension. An extension that was not offered, or another than permessage-deflate,
   * fails the connection (RFC 6455, section 4.1).
   */
  static Deflate negotiated(String head, boolean offered) throws IOException {
    Deflate deflate = Deflate.OFF;
    for (String line : head.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon < 0
          || !line.substring(0, colon).strip().equalsIgnoreCase("Sec-WebSocket-Extensions")) {
        continue;
      }
      for (String extension : line.substring(colon + 1).split(",")) {
        String[] parts = extension.split(";");
        String name = parts[0].strip().toLowerCase(Locale.ROOT);
        if (name.isEmpty()) {
          continue;
        }
        if (!offered || !name.equals("permessage-deflate") || deflate != Deflate.OFF) {
          throw new IOException("handshake: an extension not offered: " + extension.strip());
        }
        deflate = Deflate.CONTEXT_TAKEOVER;
        for (int i = 1; i < parts.length; i++) {
          String parameter = parts[i].strip().toLowerCase(Locale.ROOT);
          if (parameter.equals("server_no_context_takeover")) {
            deflate = Deflate.PER_MESSAGE;
          }
        }
      }
    }
    return deflate;
  }

  /**
   * A connection's text messages from its data frames (opcodes 0x0 and 0x1): a message in parts is
   * gathered, a compressed one (RSV1 on its first frame, never on a continuation) inflated, and
   * each whole message handed to the client. Buffers are kept from one message to the next. On its
   * connection's loop thread only.
   */
  static final class Messages {
    private final WatchingClient client;
    private final Inflation inflation; // Null: permessage-deflate not negotiated.
    private byte[] fragments = new byte[0]; // The message in parts, so far.
    private int fragmentsLength;
    private boolean inMessage; // A first frame without FIN came, its last has not.
    private boolean compressed; // Of the message in parts.

    /** Messages for {@code client}; {@code inflation} null when deflate was not negotiated. */
    Messages(WatchingClient client, Inflation inflation) {
      this.client = client;
      this.inflation = inflation;
    }

    /** One data frame: {@code b0} its first byte, its payload {@code data[from, from + length)}. */
    void frame(int b0, byte[] data, int from, int length) throws IOException {
      boolean fin = (b0 & 0x80) != 0;
      boolean rsv1 = (b0 & 0x40) != 0;
      int opcode = b0 & 0x0F;
      if (rsv1 && (opcode == 0x0 || inflation == null)) {
        throw new IOException(
            opcode == 0x0 ? "RSV1 on a continuation frame" : "RSV1 without permessage-deflate");
      }
      if (opcode == 0x1) {
        if (inMessage) {
          throw new IOException("a new message before the last one ended");
        }
        if (fin) {
          deliver(rsv1, data, from, length);
          return;
        }
        inMessage = true;
        compressed = rsv1;
        fragmentsLength = 0;
        append(data, from, length);
        return;
      }
      if (!inMessage) {
        throw new IOException("a continuation with no message");
      }
      append(data, from, length);
      if (fin) {
        inMessage = false;
        deliver(compressed, fragments, 0, fragmentsLength);
      }
    }

    private void deliver(boolean deflated, byte[] data, int from, int length) throws IOException {
      if (!deflated) {
        client.handle(data, from, length, System.nanoTime());
        return;
      }
      int inflated = inflation.inflate(data, from, length);
      client.handle(inflation.out, 0, inflated, System.nanoTime());
    }

    private void append(byte[] data, int from, int length) throws IOException {
      if (fragmentsLength + length > MAX_MESSAGE_BYTES) {
        throw new IOException("a message over " + MAX_MESSAGE_BYTES + " bytes");
      }
      if (fragmentsLength + length > fragments.length) {
        byte[] grown =
            new byte[Math.max(fragments.length * 2, Math.max(fragmentsLength + length, 1024))];
        System.arraycopy(fragments, 0, grown, 0, fragmentsLength);
        fragments = grown;
      }
      System.arraycopy(data, from, fragments, fragmentsLength, length);
      fragmentsLength += length;
    }

    /** Frees the connection's own inflater, if it has one (a loop's shared one stays). */
    void end() {
      if (inflation != null && inflation.contextTakeover) {
        inflation.end();
      }
    }
  }

  /**
   * An inflater (raw DEFLATE, RFC 7692) and the buffer it inflates into, grown as needed up to
   * {@link #MAX_MESSAGE_BYTES}: what a message's bytes are valid in until the next one. Without
   * context takeover it is reset before each message, so one serves every connection of a loop.
   */
  static final class Inflation {
    private static final byte[] TAIL = {0, 0, (byte) 0xFF, (byte) 0xFF};

    private final Inflater inflater = new Inflater(true);
    private final boolean contextTakeover;
    byte[] out;

    /**
     * {@code contextTakeover}: messages share one DEFLATE stream (kept, never reset), and the
     * inflater is one connection's, so its buffer starts small.
     */
    Inflation(boolean contextTakeover) {
      this.contextTakeover = contextTakeover;
      this.out = new byte[contextTakeover ? 8 * 1024 : 64 * 1024];
    }

    /**
     * Inflates one message's payload, the 00 00 FF FF its sender dropped appended (RFC 7692,
     * section 7.2.2); returns how many bytes of {@link #out} it filled.
     */
    int inflate(byte[] data, int from, int length) throws IOException {
      if (!contextTakeover || inflater.finished()) {
        inflater.reset();
      }
      try {
        inflater.setInput(data, from, length);
        int n = drain(0);
        inflater.setInput(TAIL);
        return drain(n);
      } catch (DataFormatException e) {
        throw new IOException("a compressed message that does not inflate: " + e.getMessage(), e);
      }
    }

    /** Inflates what input the inflater holds into {@link #out} from {@code n}; returns the end. */
    private int drain(int n) throws DataFormatException, IOException {
      while (true) {
        if (n == out.length) {
          if (out.length >= MAX_MESSAGE_BYTES) {
            throw new IOException("a message that inflates past " + MAX_MESSAGE_BYTES + " bytes");
          }
          byte[] grown = new byte[Math.min(out.length * 2, MAX_MESSAGE_BYTES)];
          System.arraycopy(out, 0, grown, 0, n);
          out = grown;
        }
        int k = inflater.inflate(out, n, out.length - n);
        n += k;
        if (n < out.length && (inflater.needsInput() || inflater.finished())) {
          return n; // Room left and the input used up: all of it is out. (A full buffer may not
          // be.)
        }
        if (k == 0 && n < out.length) {
          throw new IOException(
              inflater.needsDictionary()
                  ? "a compressed message that needs a dictionary"
                  : "a compressed message the inflater cannot go on with");
        }
      }
    }

    /** Frees the inflater's native memory. */
    void end() {
      inflater.end();
    }
  }
}
