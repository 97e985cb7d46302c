package io.github.broadcast.jakarta;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The endpoint's own size check, for a message the container passed on whole. */
final class BroadcastEndpointTest {

  @Test
  void utf8Length_isTheEncodedLength_forEveryWidth() {
    for (String text : new String[] {"", "ping", "é", "€", "😀", "aé€😀z", "Ωx".repeat(40)}) {
      assertThat(BroadcastEndpoint.utf8Length(text, 1_000))
          .as(text)
          .isEqualTo(text.getBytes(StandardCharsets.UTF_8).length);
    }
  }

  @Test
  void utf8Length_passesTheLimit_exactlyWhenTheEncodingDoes() {
    String threeBytes = "€".repeat(10); // 30 bytes in 10 chars
    assertThat(BroadcastEndpoint.utf8Length(threeBytes, 30)).isEqualTo(30);
    assertThat(BroadcastEndpoint.utf8Length(threeBytes, 29)).isGreaterThan(29);
    assertThat(BroadcastEndpoint.utf8Length("x".repeat(11), 10)).isGreaterThan(10);
    assertThat(BroadcastEndpoint.utf8Length("x".repeat(10), 10)).isEqualTo(10);
  }
}
