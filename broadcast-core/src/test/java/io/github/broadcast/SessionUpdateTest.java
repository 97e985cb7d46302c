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

  @Test
  void aStateWithAMemberTheProtocolReserves_isRefusedNamingIt() {
    for (String reserved : new String[] {"base", "patch", "removed"}) {
      assertThatThrownBy(() -> SessionUpdate.ofJson("a", 1, "{\"" + reserved + "\":1}"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "state : a member named "
                  + reserved
                  + " (expected: none named base, patch or removed; the wire protocol's)");
    }
    // Deeper down, the names are the application's.
    assertThat(SessionUpdate.ofJson("a", 1, "{\"git\":{\"base\":\"main\"}}").state()).isNotNull();
  }

  @Test
  void aResumePoint_isParsedFromTheQuery_orNullWhenMalformed_neverRefused() {
    assertThat(ResumePoint.parse("42", "k3j9x2ab")).isEqualTo(new ResumePoint("k3j9x2ab", 42));
    for (String[] bad :
        new String[][] {
          {null, "e"},
          {"1", null},
          {"", "e"},
          {"-1", "e"},
          {"1.5", "e"},
          {"1234567890123456789", "e"},
          {"1", ""},
          {"1", "e/../x"},
          {"1", "e".repeat(65)}
        }) {
      assertThat(ResumePoint.parse(bad[0], bad[1])).as("%s %s", bad[0], bad[1]).isNull();
    }
    assertThatThrownBy(() -> new ResumePoint("e!", 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("epoch : e! (expected: 1 to 64 letters and digits)");
    assertThatThrownBy(() -> new ResumePoint("e", -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("version : -1 (expected: >= 0)");
  }
}
