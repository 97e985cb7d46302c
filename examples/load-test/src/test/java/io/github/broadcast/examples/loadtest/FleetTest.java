package io.github.broadcast.examples.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.Deflater;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The fleet's decoding path without a server: what a handshake answer agreed to, and text messages
 * from their frames, compressed as RFC 7692 says (raw DEFLATE, a sync flush, its 00 00 FF FF
 * dropped) by the JDK's own Deflater, whole or in fragments.
 */
final class FleetTest {

  private static final int TEXT = 0x1;
  private static final int CONTINUATION = 0x0;
  private static final int FIN = 0x80;
  private static final int RSV1 = 0x40;

  private final HookPoster poster =
      new HookPoster(
          List.of(URI.create("http://127.0.0.1:1/")), new Scenario("t", 2, 1, 1, 0), 10, "t");
  private final StalenessHistograms histograms = new StalenessHistograms(3);
  private final String a = poster.sessionIds[0];
  private final String b = poster.sessionIds[1];
  private final Fleet.Inflation shared = new Fleet.Inflation(false);

  @AfterEach
  void tearDown() {
    shared.end();
  }

  /**
   * What a server sends: the message deflated with a sync flush, the empty block's tail dropped.
   */
  private static byte[] compress(Deflater deflater, String message) {
    deflater.setInput(message.getBytes(StandardCharsets.UTF_8));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buffer = new byte[1024];
    int n;
    do {
      n = deflater.deflate(buffer, 0, buffer.length, Deflater.SYNC_FLUSH);
      out.write(buffer, 0, n);
    } while (n == buffer.length);
    byte[] all = out.toByteArray();
    assertThat(Arrays.copyOfRange(all, all.length - 4, all.length))
        .containsExactly(0, 0, 0xFF, 0xFF);
    return Arrays.copyOf(all, all.length - 4);
  }

  private static byte[] compress(String message) {
    Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
    try {
      return compress(deflater, message);
    } finally {
      deflater.end();
    }
  }

  private static String update(String id, long version, long eventCount) {
    return "{\"type\":\"session_update\",\"session\":{\"session_id\":\""
        + id
        + "\",\"version\":"
        + version
        + ",\"status\":\"working\",\"event_count\":"
        + eventCount
        + "}}";
  }

  private static String initialState(String... ids) {
    StringBuilder json = new StringBuilder("{\"type\":\"initial_state\",\"sessions\":[");
    for (int i = 0; i < ids.length; i++) {
      json.append(i == 0 ? "" : ",")
          .append("{\"session_id\":\"")
          .append(ids[i])
          .append("\",\"version\":1,\"status\":\"idle\",\"event_count\":0}");
    }
    return json.append("]}").toString();
  }

  private WatchingClient client() {
    return new WatchingClient(poster, histograms);
  }

  /** Hands {@code payload} to {@code messages} as one frame whose first byte is {@code b0}. */
  private static void frame(Fleet.Messages messages, int b0, byte[] payload) throws IOException {
    // Offset into a larger array, as the connection's read buffer holds it.
    byte[] buffer = new byte[payload.length + 7];
    System.arraycopy(payload, 0, buffer, 5, payload.length);
    messages.frame(b0, buffer, 5, payload.length);
  }

  @Test
  void theServersAnswer_saysWhatWasAgreed() throws IOException {
    String head = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n";

    assertThat(Fleet.negotiated(head + "\r\n", true)).isEqualTo(Fleet.Deflate.OFF);
    assertThat(
            Fleet.negotiated(
                head
                    + "sec-websocket-extensions: permessage-deflate; server_no_context_takeover;"
                    + " client_no_context_takeover\r\n\r\n",
                true))
        .isEqualTo(Fleet.Deflate.PER_MESSAGE);
    assertThat(
            Fleet.negotiated(
                head + "Sec-WebSocket-Extensions: permessage-deflate;client_max_window_bits=15\r\n",
                true))
        .isEqualTo(Fleet.Deflate.CONTEXT_TAKEOVER);
    assertThatThrownBy(
            () ->
                Fleet.negotiated(
                    head + "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n", false))
        .as("an extension never offered")
        .hasMessageContaining("not offered");
    assertThatThrownBy(
            () -> Fleet.negotiated(head + "Sec-WebSocket-Extensions: x-webkit-other\r\n", true))
        .hasMessageContaining("x-webkit-other");
    assertThat(Fleet.DEFLATE_OFFER).isEqualTo("permessage-deflate; client_max_window_bits");
  }

  @Test
  void aCompressedMessage_isInflated_andAPlainOneOnTheSameConnectionReadAsItIs() throws Exception {
    WatchingClient client = client();
    Fleet.Messages messages = new Fleet.Messages(client, shared);
    String initial = initialState(a, b);

    frame(messages, FIN | RSV1 | TEXT, compress(initial));
    frame(messages, FIN | TEXT, update(a, 2, 1).getBytes(StandardCharsets.UTF_8));
    frame(messages, FIN | RSV1 | TEXT, compress(update(b, 3, 1)));

    assertThat(client.ready).isDone();
    assertThat(client.view()).isEqualTo(Map.of(a, 2L, b, 3L));
  }

  @Test
  void aCompressedMessageInFragments_hasRsv1OnItsFirstFrameOnly() throws Exception {
    WatchingClient client = client();
    Fleet.Messages messages = new Fleet.Messages(client, shared);
    frame(messages, FIN | TEXT, initialState(a).getBytes(StandardCharsets.UTF_8));
    byte[] compressed = compress(update(a, 5, 3));
    int third = compressed.length / 3;

    frame(messages, RSV1 | TEXT, Arrays.copyOfRange(compressed, 0, third));
    frame(messages, CONTINUATION, Arrays.copyOfRange(compressed, third, 2 * third));
    assertThat(client.view()).isEqualTo(Map.of(a, 1L));
    frame(
        messages, FIN | CONTINUATION, Arrays.copyOfRange(compressed, 2 * third, compressed.length));

    assertThat(client.view()).isEqualTo(Map.of(a, 5L));
    assertThat(client.eventCount(a)).isEqualTo(3);
  }

  @Test
  void oneSharedInflater_servesConnectionsWhoseMessagesInterleave() throws Exception {
    WatchingClient first = client();
    WatchingClient second = client();
    Fleet.Messages one = new Fleet.Messages(first, shared);
    Fleet.Messages two = new Fleet.Messages(second, shared);
    byte[] part = compress(initialState(a, b));

    frame(one, RSV1 | TEXT, Arrays.copyOf(part, part.length / 2));
    frame(two, FIN | RSV1 | TEXT, compress(initialState(b)));
    frame(one, FIN | CONTINUATION, Arrays.copyOfRange(part, part.length / 2, part.length));
    frame(two, FIN | RSV1 | TEXT, compress(update(b, 4, 2)));

    assertThat(first.view()).isEqualTo(Map.of(a, 1L, b, 1L));
    assertThat(second.view()).isEqualTo(Map.of(b, 4L));
  }

  @Test
  void withContextTakeover_aMessageMayReferToTheOnesBefore() throws Exception {
    WatchingClient client = client();
    Fleet.Inflation own = new Fleet.Inflation(true);
    Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION, true); // One stream, never reset.
    try {
      Fleet.Messages messages = new Fleet.Messages(client, own);
      frame(messages, FIN | RSV1 | TEXT, compress(deflater, initialState(a, b)));
      frame(messages, FIN | RSV1 | TEXT, compress(deflater, update(a, 2, 1)));
      byte[] again = compress(deflater, update(a, 3, 2));
      frame(messages, FIN | RSV1 | TEXT, again);

      assertThat(again.length).as("refers back").isLessThan(compress(update(a, 3, 2)).length / 2);
      assertThat(client.view()).isEqualTo(Map.of(a, 3L, b, 1L));
    } finally {
      deflater.end();
      own.end();
    }
  }

  @Test
  void aMessageLargerThanTheInflatersBuffer_growsIt() throws Exception {
    WatchingClient client = client();
    Fleet.Messages messages = new Fleet.Messages(client, shared);
    StringBuilder big = new StringBuilder("{\"type\":\"initial_state\",\"sessions\":[");
    for (int i = 0; i < 3_000; i++) {
      big.append("{\"session_id\":\"s")
          .append(i)
          .append("\",\"version\":")
          .append(i + 1)
          .append(",\"detail\":\"")
          .append("x".repeat(40))
          .append("\"},");
    }
    big.append("{\"session_id\":\"").append(a).append("\",\"version\":9}]}");
    assertThat(big.length()).isGreaterThan(2 * shared.out.length);

    frame(messages, FIN | RSV1 | TEXT, compress(big.toString()));

    assertThat(client.view()).hasSize(3_001).containsEntry(a, 9L).containsEntry("s2999", 3000L);
  }

  @Test
  void rsv1OnAContinuation_orWithoutTheExtension_failsTheConnection() throws Exception {
    Fleet.Messages deflating = new Fleet.Messages(client(), shared);
    frame(deflating, RSV1 | TEXT, compress(initialState(a)));
    assertThatThrownBy(() -> frame(deflating, FIN | RSV1 | CONTINUATION, new byte[] {1}))
        .hasMessageContaining("continuation");

    Fleet.Messages plain = new Fleet.Messages(client(), null);
    assertThatThrownBy(() -> frame(plain, FIN | RSV1 | TEXT, compress(initialState(a))))
        .hasMessageContaining("without permessage-deflate");
    assertThatThrownBy(() -> frame(plain, FIN | CONTINUATION, new byte[] {1}))
        .hasMessageContaining("no message");
  }
}
