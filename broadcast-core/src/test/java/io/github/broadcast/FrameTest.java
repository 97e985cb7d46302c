package io.github.broadcast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.zip.Inflater;
import org.junit.jupiter.api.Test;

/** The frame's wire form: one server text frame, as RFC 6455 section 5.2 lays it out. */
final class FrameTest {

  /** Decodes a server frame the long way, bit by bit, and returns its text. */
  private static String decode(ByteBuffer wire) {
    int first = wire.get() & 0xFF;
    assertThat(first >>> 7).as("FIN").isEqualTo(1);
    assertThat((first >>> 4) & 0b111).as("RSV1-3").isZero();
    assertThat(first & 0x0F).as("opcode: text").isEqualTo(1);
    int second = wire.get() & 0xFF;
    assertThat(second >>> 7).as("MASK: a server never masks").isZero();
    long length = second & 0x7F;
    if (length == 126) {
      length = ((wire.get() & 0xFF) << 8) | (wire.get() & 0xFF);
      assertThat(length).as("the shortest length form").isGreaterThanOrEqualTo(126);
    } else if (length == 127) {
      length = 0;
      for (int i = 0; i < 8; i++) {
        length = (length << 8) | (wire.get() & 0xFF);
      }
      assertThat(length).as("the shortest length form").isGreaterThan(0xFFFF);
    }
    assertThat(wire.remaining()).as("payload length").isEqualTo(length);
    byte[] payload = new byte[wire.remaining()];
    wire.get(payload);
    return new String(payload, StandardCharsets.UTF_8);
  }

  @Test
  void webSocketFrame_carriesTheText_atEveryLengthBoundary() {
    for (int length : new int[] {0, 1, 125, 126, 127, 0xFFFF, 0x10000, 200_000}) {
      String text = "x".repeat(length);
      assertThat(decode(Frame.of(text).webSocketFrame())).as("%d bytes", length).isEqualTo(text);
    }
    String wide = "é€😀".repeat(50); // 2, 3 and 4 bytes: 450 bytes in 200 chars
    Frame frame = Frame.of(wide);
    assertThat(frame.webSocketFrame().remaining()).isEqualTo(4 + frame.bytes());
    assertThat(decode(frame.webSocketFrame())).isEqualTo(wide);
  }

  @Test
  void webSocketFrame_isBuiltOnce_andEachCallerReadsItsOwnView() {
    Frame frame = Frame.of("{\"type\":\"update\"}");
    ByteBuffer first = frame.webSocketFrame();
    ByteBuffer second = frame.webSocketFrame();
    assertThat(decode(first)).isEqualTo("{\"type\":\"update\"}");
    assertThat(first.hasRemaining()).isFalse();
    assertThat(second.position()).as("untouched by the first reader").isZero();
    assertThat(decode(second)).isEqualTo("{\"type\":\"update\"}");
    assertThat(first.isReadOnly()).isTrue();
    assertThatThrownBy(() -> frame.webSocketFrame().put(0, (byte) 0))
        .isInstanceOf(ReadOnlyBufferException.class);
  }

  @Test
  void framesAreEqual_byTheirText() {
    assertThat(Frame.of("a")).isEqualTo(new Frame("a", 1)).hasSameHashCodeAs(Frame.of("a"));
    assertThat(Frame.of("a")).isNotEqualTo(Frame.of("b"));
    assertThat(Frame.of("ab")).hasToString("Frame[2 bytes]");
  }

  @Test
  void deflatedWebSocketFrame_isOneCompressedFrame_thatInflatesOnItsOwn() throws Exception {
    String text =
        "{\"type\":\"batch_update\",\"sessions\":["
            + "{\"status\":\"working\"},".repeat(60)
            + "{}]}";
    ByteBuffer wire = Frame.of(text).deflatedWebSocketFrame();
    int first = wire.get() & 0xFF;
    assertThat(first).as("FIN, RSV1, text").isEqualTo(0xC1);
    int length = wire.get() & 0x7F;
    if (length == 126) {
      length = wire.getShort() & 0xFFFF;
    }
    assertThat(wire.remaining()).isEqualTo(length).isLessThan(text.length() / 5);
    byte[] payload = new byte[length];
    wire.get(payload);
    Inflater inflater = new Inflater(true); // A fresh one: no context from any other message.
    inflater.setInput(payload);
    byte[] out = new byte[text.length() * 2];
    int n = inflater.inflate(out);
    inflater.setInput(new byte[] {0, 0, (byte) 0xFF, (byte) 0xFF}); // RFC 7692, 7.2.2
    n += inflater.inflate(out, n, out.length - n);
    inflater.end();
    assertThat(new String(out, 0, n, StandardCharsets.UTF_8)).isEqualTo(text);
  }

  @Test
  void deflatedWebSocketFrame_ofAShortOrIncompressibleText_isThePlainFrame() {
    Frame pong = Frame.of("{\"type\":\"pong\"}");
    assertThat(pong.deflatedWebSocketFrame()).isEqualTo(pong.webSocketFrame());
    StringBuilder noise = new StringBuilder();
    Random random = new Random(42);
    for (int i = 0; i < 300; i++) {
      noise.append((char) (33 + random.nextInt(90)));
    }
    Frame incompressible = Frame.of(noise.toString());
    ByteBuffer deflated = incompressible.deflatedWebSocketFrame();
    assertThat(deflated.get(0) & 0xFF).isIn(0x81, 0xC1);
    assertThat(deflated.remaining())
        .isLessThanOrEqualTo(incompressible.webSocketFrame().remaining());
  }
}
