package io.github.broadcast.jakarta;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.broadcast.Frame;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class ContainerWritersTest {

  /** The payload handed to Tomcat and Jetty is the message's UTF-8, past each size of header. */
  @ParameterizedTest
  @ValueSource(ints = {0, 1, 125, 126, 127, 65_535, 65_536, 70_000})
  void payload_isTheUtf8PastTheHeader_forEveryLengthEncoding(int length) {
    String text = "é".repeat(length / 2) + "x".repeat(length % 2);
    Frame frame = Frame.of(text);

    ByteBuffer payload = ContainerWriters.payload(frame);

    byte[] bytes = new byte[payload.remaining()];
    payload.get(bytes);
    assertThat(bytes).isEqualTo(text.getBytes(StandardCharsets.UTF_8));
    assertThat(ContainerWriters.payload(frame).remaining()).isEqualTo(length); // A fresh view.
  }

  @ParameterizedTest
  @ValueSource(classes = {Object.class, String.class})
  void anotherContainersSession_getsNoSink(Class<?> type) {
    assertThat(ContainerWriters.resolve(type).open(null)).isNull();
  }
}
