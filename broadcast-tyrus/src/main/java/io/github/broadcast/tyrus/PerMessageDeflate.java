package io.github.broadcast.tyrus;

import jakarta.websocket.Extension;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import org.glassfish.tyrus.core.extension.ExtendedExtension;
import org.glassfish.tyrus.core.frame.Frame;

/**
 * permessage-deflate (RFC 7692) as one connection negotiated it, with both directions free of
 * context takeover, so that the server compresses each message once for every such connection
 * ({@link io.github.broadcast.Frame#deflatedWebSocketFrame()}, written by {@link TyrusFrameWriter})
 * and inflates each client message on its own.
 *
 * <p>One instance per handshake: {@link #accept} reads the client's offer and answers {@code
 * server_no_context_takeover; client_no_context_takeover}. Frames Tyrus writes itself (pongs,
 * close, a text send) leave uncompressed, which the extension allows. An offer that limits the
 * server's window ({@code server_max_window_bits} below 15, which {@code java.util.zip} cannot
 * honour) is accepted with that limit, and this server then sends that connection nothing
 * compressed.
 *
 * <p>Threads: Tyrus calls {@link #processIncoming} from the connection's read, one frame at a time;
 * {@link #destroy} may come from another thread, and the inflater held for a message is taken by
 * exactly one of them (an atomic swap).
 */
final class PerMessageDeflate implements ExtendedExtension {

  static final String NAME = "permessage-deflate";

  private static final byte[] TAIL = {0, 0, (byte) 0xFF, (byte) 0xFF}; // RFC 7692, 7.2.2
  private static final BlockingQueue<Inflater> IDLE = new ArrayBlockingQueue<>(64);

  private final List<Extension.Parameter> response;
  private final boolean compressOutgoing;
  private final int maxInflatedBytes;
  // Borrowed from IDLE for the compressed message being read, given back at its end: a browser
  // compresses its pings and acks too, and an inflater per connection would hold zlib's native
  // state (tens of KB) on each of ten thousand idle pages. With client_no_context_takeover no
  // state outlives a message, so a few shared ones serve every connection.
  // destroy() may come from another thread than the reads: whoever takes it from here (the end of
  // the message, or destroy) is the only one to reset, pool or end it.
  private final AtomicReference<Inflater> held = new AtomicReference<>();
  private boolean inflatingMessage; // The message whose frames arrive now is compressed.
  private long inflatedBytes; // Of that message so far.

  private PerMessageDeflate(
      List<Extension.Parameter> response, boolean compressOutgoing, int maxInflatedBytes) {
    this.response = List.copyOf(response);
    this.compressOutgoing = compressOutgoing;
    this.maxInflatedBytes = maxInflatedBytes;
  }

  /**
   * Accepts one permessage-deflate offer, or returns null to decline it (an unknown, repeated or
   * malformed parameter, as RFC 7692 section 5 requires).
   */
  static PerMessageDeflate accept(List<Extension.Parameter> offer, int maxInflatedBytes) {
    List<Extension.Parameter> response = new ArrayList<>();
    response.add(new Param("server_no_context_takeover", null));
    response.add(new Param("client_no_context_takeover", null));
    boolean compress = true;
    Set<String> seen = new HashSet<>();
    for (Extension.Parameter parameter : offer == null ? List.<Extension.Parameter>of() : offer) {
      String name = parameter.getName();
      String value = parameter.getValue();
      if (!seen.add(name)) {
        return null;
      }
      switch (name) {
        case "server_no_context_takeover":
        case "client_no_context_takeover":
          if (value != null) {
            return null;
          }
          break;
        case "client_max_window_bits": // The client may be told a window; we need not.
          if (value != null && windowBits(value) < 0) {
            return null;
          }
          break;
        case "server_max_window_bits":
          int bits = value == null ? -1 : windowBits(value);
          if (bits < 0) {
            return null;
          }
          response.add(new Param(name, Integer.toString(bits)));
          compress = bits == 15;
          break;
        default:
          return null;
      }
    }
    return new PerMessageDeflate(response, compress, maxInflatedBytes);
  }

  private static int windowBits(String value) {
    String unquoted =
        value.startsWith("\"") && value.endsWith("\"") && value.length() > 1
            ? value.substring(1, value.length() - 1)
            : value;
    if (!unquoted.matches("[0-9]{1,2}")) {
      return -1;
    }
    int bits = Integer.parseInt(unquoted);
    return bits >= 8 && bits <= 15 ? bits : -1;
  }

  /** Whether this connection gets compressed frames. */
  boolean compressOutgoing() {
    return compressOutgoing;
  }

  @Override
  public Frame processIncoming(ExtensionContext context, Frame frame) {
    if (frame.isControlFrame()) {
      return frame;
    }
    if (frame.getOpcode() != 0) { // Text or binary: a new message; RSV1 says if it is compressed.
      giveBack(); // A message cut short (a new one began) leaves no state behind.
      inflatingMessage = frame.isRsv1();
      inflatedBytes = 0;
    }
    if (!inflatingMessage) {
      return frame;
    }
    byte[] inflated = inflate(frame.getPayloadData(), frame.isFin());
    return Frame.builder(frame).payloadData(inflated).rsv1(false).build();
  }

  /**
   * Inflates one frame's part of a compressed message; at its last frame, the dropped tail too.
   * Past {@code maxInflatedBytes} for the message, returns that many spaces and one more (text over
   * the endpoint's limit, which closes the connection with 1009) without inflating the rest: a
   * small message that would inflate to gigabytes costs no more than the limit. Corrupt data is
   * treated the same way, so a client that cannot compress is closed too.
   */
  private byte[] inflate(byte[] compressed, boolean last) {
    Inflater inflater = held.get();
    if (inflater == null) {
      Inflater idle = IDLE.poll();
      inflater = idle != null ? idle : new Inflater(true);
      held.set(inflater);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, compressed.length * 3));
    byte[] chunk = new byte[8192];
    try {
      boolean fits =
          feed(inflater, compressed, out, chunk) && (!last || feed(inflater, TAIL, out, chunk));
      if (!fits) {
        return tooBig();
      }
    } catch (DataFormatException e) {
      return tooBig();
    }
    if (last) {
      giveBack(); // client_no_context_takeover: the next message starts afresh.
    }
    inflatedBytes += out.size();
    return out.toByteArray();
  }

  /** Inflates {@code input} into {@code out}; false once the message passes the limit. */
  private boolean feed(Inflater inflater, byte[] input, ByteArrayOutputStream out, byte[] chunk)
      throws DataFormatException {
    inflater.setInput(input);
    while (true) {
      int n = inflater.inflate(chunk);
      if (n > 0) {
        out.write(chunk, 0, n);
        if (inflatedBytes + out.size() > maxInflatedBytes) {
          return false;
        }
      } else if (inflater.needsInput() || inflater.finished()) {
        return true;
      } else {
        throw new DataFormatException("no progress (a preset dictionary is not permitted)");
      }
    }
  }

  /** Resets the inflater and gives it back to the shared idle ones (or ends it, past 64). */
  private void giveBack() {
    Inflater inflater = held.getAndSet(null);
    if (inflater != null) {
      inflater.reset();
      if (!IDLE.offer(inflater)) {
        inflater.end();
      }
    }
  }

  /** Whether this connection holds an inflater now: only while reading a compressed message. */
  boolean holdsInflater() {
    return held.get() != null;
  }

  private byte[] tooBig() {
    giveBack();
    inflatingMessage = false; // Its remaining frames, if any, pass as they are: the close is due.
    byte[] spaces = new byte[maxInflatedBytes + 1];
    Arrays.fill(spaces, (byte) ' ');
    return spaces;
  }

  @Override
  public Frame processOutgoing(ExtensionContext context, Frame frame) {
    return frame; // Tyrus' own frames leave uncompressed; TyrusFrameWriter writes the rest.
  }

  @Override
  public List<Extension.Parameter> onExtensionNegotiation(
      ExtensionContext context, List<Extension.Parameter> requestedParameters) {
    return response;
  }

  @Override
  public void onHandshakeResponse(
      ExtensionContext context, List<Extension.Parameter> responseParameters) {
    // A client's callback; this is a server.
  }

  @Override
  public void destroy(ExtensionContext context) {
    Inflater inflater = held.getAndSet(null);
    if (inflater != null) {
      inflater.end(); // Mid-message: its state is not worth a reset.
    }
  }

  @Override
  public String getName() {
    return NAME;
  }

  @Override
  public List<Extension.Parameter> getParameters() {
    return response;
  }

  /** One extension parameter; a null value is a parameter without one. */
  private record Param(String name, String value) implements Extension.Parameter {
    @Override
    public String getName() {
      return name;
    }

    @Override
    public String getValue() {
      return value;
    }
  }
}
