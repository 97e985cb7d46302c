package io.github.broadcast.tyrus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.broadcast.Broadcaster;
import io.github.broadcast.Broadcasters;
import io.github.broadcast.SessionUpdate;
import io.github.broadcast.jakarta.BroadcastEndpointConfig;
import io.github.broadcast.testing.RawWebSocket;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * permessage-deflate on the embedded server, read by a bare socket that inflates every message with
 * a fresh inflater (so a message that needed another's context fails here): what is negotiated,
 * that compressed updates decode to the same JSON, that compressed client messages are understood,
 * and that a compression bomb is closed with 1009 and broadcasts nothing.
 */
@Timeout(60) // A guard against a hang, not a speed assertion.
final class PerMessageDeflateIT {

  private static final ObjectMapper mapper = new ObjectMapper();
  private static final byte[] TAIL = {0, 0, (byte) 0xFF, (byte) 0xFF};

  private final Broadcaster broadcaster = Broadcasters.concurrent();
  private EmbeddedServer server;

  private void start(boolean deflate) throws Exception {
    server =
        EmbeddedServer.newBuilder()
            .endpoint(BroadcastEndpointConfig.newBuilder("/ws", broadcaster))
            .permessageDeflate(deflate)
            .start();
  }

  @AfterEach
  void tearDown() {
    if (server != null) {
      server.close();
    }
    broadcaster.close();
  }

  private RawWebSocket connect(String extensions) throws Exception {
    RawWebSocket socket =
        RawWebSocket.handshake(
            server.webSocketUri(),
            extensions == null ? Map.of() : Map.of("Sec-WebSocket-Extensions", extensions));
    return socket;
  }

  private static String extensionsOf(RawWebSocket socket) {
    for (String line : socket.response().split("\r\n")) {
      if (line.toLowerCase().startsWith("sec-websocket-extensions:")) {
        return line.substring(line.indexOf(':') + 1).trim();
      }
    }
    return null;
  }

  /** Reads the next data message, inflating it on its own when RSV1 says it is compressed. */
  private static Message read(RawWebSocket socket) throws Exception {
    RawWebSocket.Frame frame = socket.readFrame();
    assertThat(frame.fin()).as("one frame per message").isTrue();
    assertThat(frame.opcode()).as("text").isEqualTo(1);
    if (!frame.rsv1()) {
      return new Message(new String(frame.payload(), StandardCharsets.UTF_8), false, 0);
    }
    Inflater inflater = new Inflater(true);
    inflater.setInput(frame.payload());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] chunk = new byte[4096];
    int n;
    while ((n = inflater.inflate(chunk)) > 0 || !inflater.needsInput()) {
      out.write(chunk, 0, n);
    }
    inflater.setInput(TAIL);
    while ((n = inflater.inflate(chunk)) > 0) {
      out.write(chunk, 0, n);
    }
    inflater.end();
    return new Message(out.toString(StandardCharsets.UTF_8), true, frame.payload().length);
  }

  private record Message(String text, boolean compressed, int wireBytes) {
    JsonNode json() throws Exception {
      return mapper.readTree(text);
    }
  }

  private static byte[] deflate(byte[] data) {
    Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION, true);
    deflater.setInput(data);
    byte[] out = new byte[data.length + 64];
    int length = deflater.deflate(out, 0, out.length, Deflater.SYNC_FLUSH);
    deflater.end();
    byte[] trimmed = new byte[length - 4];
    System.arraycopy(out, 0, trimmed, 0, trimmed.length);
    return trimmed;
  }

  private void publishLarge(long version) {
    broadcaster.publish(
        SessionUpdate.of(
            "s1",
            version,
            mapper.createObjectNode().put("task", "refactor the billing module ".repeat(40))));
  }

  @Test
  void offered_isAcceptedWithoutContextTakeover_andEveryUpdateInflatesOnItsOwn() throws Exception {
    start(true);
    try (RawWebSocket socket = connect("permessage-deflate; client_max_window_bits")) {
      assertThat(extensionsOf(socket))
          .isEqualTo("permessage-deflate; server_no_context_takeover; client_no_context_takeover");
      assertThat(read(socket).json().path("type").asString()).isEqualTo("initial_state");
      for (long version = 1; version <= 3; version++) {
        publishLarge(version);
        Message update = read(socket);
        assertThat(update.compressed()).isTrue();
        assertThat(update.wireBytes()).isLessThan(update.text().length() / 5);
        assertThat(update.json().path("session").path("version").asLong()).isEqualTo(version);
        assertThat(update.json().path("session").path("task").asString())
            .isEqualTo("refactor the billing module ".repeat(40));
      }
    }
  }

  @Test
  void aCompressedPing_isUnderstood_andAnsweredWithAPong() throws Exception {
    start(true);
    try (RawWebSocket socket = connect("permessage-deflate")) {
      read(socket); // initial_state
      socket.sendFrame(0xC1, deflate("ping".getBytes(StandardCharsets.UTF_8))); // FIN, RSV1, text
      socket.sendText("ping"); // An uncompressed message is allowed too.
      assertThat(read(socket).json().path("type").asString()).isEqualTo("pong");
      assertThat(read(socket).json().path("type").asString()).isEqualTo("pong");
    }
  }

  @Test
  void aCompressionBomb_isClosedWith1009_andTheOthersSeeNothing() throws Exception {
    start(true);
    try (RawWebSocket other = connect("permessage-deflate");
        RawWebSocket bomb = connect("permessage-deflate")) {
      read(other);
      read(bomb);
      await().until(() -> broadcaster.stats().clients() == 2);
      byte[] megabyte = " ".repeat(1024 * 1024).getBytes(StandardCharsets.UTF_8);
      byte[] compressed = deflate(megabyte); // About 1 KB on the wire.
      assertThat(compressed.length).isLessThan(2048);
      bomb.sendFrame(0xC1, compressed);
      assertThat(bomb.awaitCloseCode()).isEqualTo(1009);
      await().until(() -> broadcaster.stats().clients() == 1);
      other.sendText("ping");
      assertThat(read(other).json().path("type").asString())
          .as("no broadcast first")
          .isEqualTo("pong");
    }
  }

  @Test
  void anOfferThatLimitsTheServersWindow_isAccepted_andSentNothingCompressed() throws Exception {
    start(true);
    try (RawWebSocket socket = connect("permessage-deflate; server_max_window_bits=10")) {
      assertThat(extensionsOf(socket))
          .isEqualTo(
              "permessage-deflate; server_no_context_takeover; client_no_context_takeover;"
                  + " server_max_window_bits=10");
      read(socket);
      publishLarge(1);
      Message update = read(socket);
      assertThat(update.compressed()).isFalse();
      assertThat(update.json().path("session").path("version").asLong()).isEqualTo(1);
    }
  }

  @Test
  void aMalformedOffer_isDeclined_andAClientWithoutTheExtensionGetsPlainFrames() throws Exception {
    start(true);
    try (RawWebSocket odd = connect("permessage-deflate; server_max_window_bits=7");
        RawWebSocket plain = connect(null)) {
      assertThat(extensionsOf(odd)).isNull();
      assertThat(extensionsOf(plain)).isNull();
      read(odd);
      read(plain);
      publishLarge(1);
      assertThat(read(odd).compressed()).isFalse();
      assertThat(read(plain).compressed()).isFalse();
    }
  }

  @Test
  void off_byDefault() throws Exception {
    start(false);
    try (RawWebSocket socket = connect("permessage-deflate")) {
      assertThat(extensionsOf(socket)).isNull();
      read(socket);
      publishLarge(1);
      assertThat(read(socket).compressed()).isFalse();
    }
  }
}
