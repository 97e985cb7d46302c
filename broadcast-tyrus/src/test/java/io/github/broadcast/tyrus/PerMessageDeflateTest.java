package io.github.broadcast.tyrus;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.zip.Deflater;
import org.glassfish.tyrus.core.frame.Frame;
import org.junit.jupiter.api.Test;

/**
 * A connection holds an inflater only while it reads a compressed message: between messages (a
 * page's pings and acks, compressed one by one) it holds none, so ten thousand idle pages hold no
 * native zlib state, and every message still inflates on its own.
 */
final class PerMessageDeflateTest {

  /** A message compressed as a browser does it: raw deflate, sync flush, the tail dropped. */
  private static byte[] compressed(String text) {
    Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
    deflater.setInput(text.getBytes(StandardCharsets.UTF_8));
    byte[] out = new byte[1024];
    int n = deflater.deflate(out, 0, out.length, Deflater.SYNC_FLUSH);
    deflater.end();
    return Arrays.copyOf(out, n - 4);
  }

  private static Frame frame(int opcode, boolean fin, boolean rsv1, byte[] payload) {
    return Frame.builder().opcode((byte) opcode).fin(fin).rsv1(rsv1).payloadData(payload).build();
  }

  private static String text(Frame frame) {
    return new String(frame.getPayloadData(), StandardCharsets.UTF_8);
  }

  @Test
  void eachMessageInflatesOnItsOwn_andBetweenMessagesNoInflaterIsHeld() {
    PerMessageDeflate deflate = PerMessageDeflate.accept(List.of(), 65_536);
    for (String message : List.of("ping", "ack 1", "ack 2", "ping")) {
      Frame in = deflate.processIncoming(null, frame(1, true, true, compressed(message)));
      assertThat(text(in)).isEqualTo(message);
      assertThat(in.isRsv1()).isFalse();
      assertThat(deflate.holdsInflater()).as("after %s", message).isFalse();
    }
  }

  @Test
  void aFragmentedMessage_holdsItsInflaterUntilItsLastFrame() {
    PerMessageDeflate deflate = PerMessageDeflate.accept(List.of(), 65_536);
    byte[] whole = compressed("a message sent in two frames");
    int half = whole.length / 2;

    Frame first = deflate.processIncoming(null, frame(1, false, true, Arrays.copyOf(whole, half)));
    assertThat(deflate.holdsInflater()).isTrue();
    Frame rest =
        deflate.processIncoming(
            null, frame(0, true, false, Arrays.copyOfRange(whole, half, whole.length)));

    assertThat(text(first) + text(rest)).isEqualTo("a message sent in two frames");
    assertThat(deflate.holdsInflater()).isFalse();
  }

  @Test
  void aMessagePastTheLimit_givesItsInflaterBack() {
    PerMessageDeflate deflate = PerMessageDeflate.accept(List.of(), 16);
    Frame in = deflate.processIncoming(null, frame(1, true, true, compressed("x".repeat(1000))));
    assertThat(in.getPayloadData()).hasSize(17); // Over the limit: the endpoint closes with 1009.
    assertThat(deflate.holdsInflater()).isFalse();
    Frame next = deflate.processIncoming(null, frame(1, true, true, compressed("ping")));
    assertThat(text(next)).isEqualTo("ping");
  }
}
