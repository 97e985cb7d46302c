package io.github.broadcast;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/** The wire format the dashboard and the load test share. */
final class JsonCodecTest {

  private final ObjectMapper mapper = new ObjectMapper();
  private final MessageCodec codec = MessageCodec.json(mapper);

  private SessionUpdate session(String id, long version) {
    ObjectNode state = mapper.createObjectNode();
    state.put("status", "working");
    state.put("session_id", "ignored: the record's id wins");
    state.put("version", -1);
    state.putArray("tools").add("Bash");
    return SessionUpdate.of(id, version, state);
  }

  @Test
  void fromViewEntries_eachEncodedOnce_theBytesAreTheStreamingPaths() {
    View view = new View(10);
    view.apply(session("a", 1), 0);
    view.apply(SessionUpdate.tombstone("b", 2), 0);
    view.apply(session("ü-ñ", 3), 0); // Multi-byte UTF-8.
    View.Updates updates = View.updates(view.changedSince(0));
    List<SessionUpdate> plain = List.copyOf(updates);

    Frame joined = codec.batchUpdate(updates);
    assertThat(joined.text()).isEqualTo(codec.batchUpdate(plain).text());
    assertThat(joined.bytes()).isEqualTo(codec.batchUpdate(plain).bytes());
    assertThat(codec.initialState(updates).text())
        .as("no tombstones in a snapshot")
        .isEqualTo(codec.initialState(plain).text());
    byte[] part = updates.entries.get(0).jsonPart;
    assertThat(codec.batchUpdate(updates).text()).isEqualTo(joined.text());
    assertThat(updates.entries.get(0).jsonPart).as("memoized, not encoded again").isSameAs(part);
    assertThat(codec.batchUpdate(View.updates(List.of())).text())
        .isEqualTo("{\"type\":\"batch_update\",\"sessions\":[]}");
  }

  @Test
  void sessionUpdate_writesIdAndVersionFromTheRecord_thenTheState() {
    Frame frame = codec.sessionUpdate(session("a", 7));
    assertThat(frame.text())
        .isEqualTo(
            "{\"type\":\"session_update\",\"session\":{\"session_id\":\"a\",\"version\":7,"
                + "\"status\":\"working\",\"tools\":[\"Bash\"]}}");
    assertThat(frame.bytes()).isEqualTo(frame.text().length());
  }

  @Test
  void batchUpdate_carriesTombstonesAsRemoved() {
    Frame frame = codec.batchUpdate(List.of(session("a", 1), SessionUpdate.tombstone("b", 2)));
    assertThat(frame.text())
        .isEqualTo(
            "{\"type\":\"batch_update\",\"sessions\":[{\"session_id\":\"a\",\"version\":1,"
                + "\"status\":\"working\",\"tools\":[\"Bash\"]},"
                + "{\"session_id\":\"b\",\"version\":2,\"removed\":true}]}");
  }

  @Test
  void initialState_leavesTombstonesOut() {
    Frame frame = codec.initialState(List.of(session("a", 1), SessionUpdate.tombstone("b", 2)));
    assertThat(frame.text())
        .startsWith("{\"type\":\"initial_state\",\"sessions\":[{\"session_id\":\"a\"")
        .doesNotContain("\"b\"");
    assertThat(codec.initialState(List.of()).text())
        .isEqualTo("{\"type\":\"initial_state\",\"sessions\":[]}");
  }

  @Test
  void pong_isOneSharedFrame() {
    assertThat(codec.pong().text()).isEqualTo("{\"type\":\"pong\"}");
    assertThat(codec.pong()).isSameAs(codec.pong());
  }

  @Test
  void frameBytes_countUtf8_notChars() {
    ObjectNode state = mapper.createObjectNode();
    state.put("cwd", "/home/zoë/项目/🚀");
    Frame frame = codec.sessionUpdate(SessionUpdate.of("a", 1, state));
    assertThat(frame.bytes()).isEqualTo(frame.text().getBytes(StandardCharsets.UTF_8).length);
    assertThat(Frame.utf8Length("a\uD800b"))
        .as("a lone surrogate encodes as '?'")
        .isEqualTo("a\uD800b".getBytes(StandardCharsets.UTF_8).length);
  }

  @Test
  void sessionJson_isTheSessionObjectOfEveryFrame_andTheStateCannotOverrideIdOrVersion()
      throws Exception {
    ObjectNode state =
        new ObjectMapper()
            .createObjectNode()
            .put("version", 999)
            .put("session_id", "spoofed")
            .put("status", "working");
    SessionUpdate update = SessionUpdate.of("a", 7, state);

    ObjectNode object = MessageCodec.sessionJson(update);
    JsonNode framed =
        new ObjectMapper()
            .readTree(MessageCodec.json().sessionUpdate(update).text())
            .get("session");

    assertThat(object.toString())
        .isEqualTo(framed.toString()); // The same JSON, field order included.
    assertThat(object.get("version").asLong()).isEqualTo(7);
    assertThat(object.get("session_id").asString()).isEqualTo("a");
    assertThat(MessageCodec.sessionJson(SessionUpdate.tombstone("a", 8)).get("removed").asBoolean())
        .isTrue();
  }
}
