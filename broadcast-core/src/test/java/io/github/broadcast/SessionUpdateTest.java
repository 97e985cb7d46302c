package io.github.broadcast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/** Publishing without a Jackson type of one's own: a state as JSON text, or as a map. */
final class SessionUpdateTest {

  private final MessageCodec codec = MessageCodec.json();

  @Test
  void aStateAsJsonText_isTheSameUpdateOnTheWire() {
    SessionUpdate fromText = SessionUpdate.ofJson("a", 3, "{\"status\":\"working\",\"n\":2}");
    SessionUpdate fromNode =
        SessionUpdate.of(
            "a",
            3,
            JsonMapper.builder().build().createObjectNode().put("status", "working").put("n", 2));
    assertThat(codec.sessionUpdate(fromText).text())
        .isEqualTo(codec.sessionUpdate(fromNode).text());
  }

  @Test
  void aStateAsAMap_withListsAndMaps_isWrittenAsJson() {
    SessionUpdate update =
        SessionUpdate.ofMap(
            "a",
            1,
            Map.of(
                "status",
                "working",
                "tools",
                List.of("Edit", "Bash"),
                "git",
                Map.of("branch", "main")));
    assertThat(update.state().path("tools").get(1).asString()).isEqualTo("Bash");
    assertThat(update.state().path("git").path("branch").asString()).isEqualTo("main");
  }

  @Test
  void textThatIsNotOneJsonObject_isRefusedSayingWhy() {
    assertThatThrownBy(() -> SessionUpdate.ofJson("a", 1, "[1,2]"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("stateJson : ARRAY (expected: one JSON object)");
    assertThatThrownBy(() -> SessionUpdate.ofJson("a", 1, "{\"status\":"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("stateJson : not JSON (expected: one JSON object)");
  }
}
