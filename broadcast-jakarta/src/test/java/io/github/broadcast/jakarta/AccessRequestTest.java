package io.github.broadcast.jakarta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.broadcast.Broadcasters;
import java.security.Principal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a {@link TopicAccess} hook reads of a handshake, and the topic options' validation. */
final class AccessRequestTest {

  private final Principal alice = () -> "alice";

  @Test
  void parameters_headersAndCookies_areReadAsSent() {
    AccessRequest request =
        new AccessRequest(
            alice,
            "project=a&token=t&project=b%20c&project=%zz",
            Map.of(
                "X-User", List.of("alice", "ignored"),
                "Cookie", List.of("theme=dark; broadcast-token-8765=s3cret")));
    assertThat(request.principal().getName()).isEqualTo("alice");
    assertThat(request.parameter("project")).isEqualTo("a");
    assertThat(request.parameters("project"))
        .as("a malformed escape is left out")
        .containsExactly("a", "b c");
    assertThat(request.parameters("missing")).isEmpty();
    assertThat(request.header("x-user")).isEqualTo("alice");
    assertThat(request.header("Authorization")).isNull();
    assertThat(request.cookie("broadcast-token-8765")).isEqualTo("s3cret");
    assertThat(request.cookie("broadcast-token")).isNull();
    assertThat(request.toString()).doesNotContain("s3cret");
  }

  @Test
  void withoutAQueryOrHeaders_everythingIsAbsent() {
    AccessRequest request = new AccessRequest(null, null, Map.of());
    assertThat(request.principal()).isNull();
    assertThat(request.parameter("topic")).isNull();
    assertThat(request.parameters("topic")).isEmpty();
    assertThat(request.cookie("x")).isNull();
  }

  @Test
  void topicParameter_mustBeAPlainName_andNotOneOfTheProtocols() {
    BroadcastEndpointConfig.Builder builder =
        BroadcastEndpointConfig.newBuilder("/ws", Broadcasters.concurrent());
    assertThat(builder.topicParameter("project").topicParameter).isEqualTo("project");
    assertThatThrownBy(() -> builder.topicParameter("since"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("topicParameter : since");
    assertThatThrownBy(() -> builder.topicParameter("a b"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> builder.topicAccess(null)).isInstanceOf(NullPointerException.class);
  }
}
