package io.github.broadcast.examples.dashboard.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.node.ObjectNode;

final class SessionModelTest {

  private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");

  private static ObjectNode hook(String event) {
    return Json.MAPPER
        .createObjectNode()
        .put("session_id", "abc")
        .put("hook_event_name", event)
        .put("cwd", "/home/me/projects/billing/")
        .put("transcript_path", "/home/me/.claude/abc.jsonl");
  }

  private static ObjectNode apply(ObjectNode state, ObjectNode hook) {
    return SessionModel.apply(state, hook, NOW, 20);
  }

  @ParameterizedTest
  @CsvSource({
    "SessionStart, idle",
    "UserPromptSubmit, working",
    "PreToolUse, working",
    "PostToolUse, working",
    "Notification, waiting",
    "Stop, idle",
    "SubagentStop, working",
    "PreCompact, compacting",
    "SessionEnd, ended",
  })
  void eachEvent_setsItsStatus(String event, String status) {
    ObjectNode state = apply(Json.MAPPER.createObjectNode(), hook(event));
    assertThat(state.get("status").asString()).isEqualTo(status);
    assertThat(state.get("last_event").asString()).isEqualTo(event);
    assertThat(state.get("event_count").asLong()).isEqualTo(1);
    assertThat(state.get("project").asString()).isEqualTo("billing");
    assertThat(state.get("transcript_path").asString()).endsWith("abc.jsonl");
    assertThat(state.get("updated_at").asString()).isEqualTo("2026-11-22T10:00:00Z");
  }

  @Test
  void prompt_becomesTheTask_cutAtTheLimit() {
    ObjectNode state =
        apply(
            Json.MAPPER.createObjectNode(),
            hook("UserPromptSubmit").put("prompt", "Refactor the retry logic everywhere please"));
    assertThat(state.get("task_description").asString()).isEqualTo("Refactor the retry l");
  }

  @Test
  void toolUse_showsTheToolAndWhatItWorksOn_thenClearsIt() {
    ObjectNode pre = hook("PreToolUse").put("tool_name", "Bash");
    pre.putObject("tool_input").put("command", "mvn test");
    ObjectNode state = apply(Json.MAPPER.createObjectNode(), pre);
    assertThat(state.get("current_tool").asString()).isEqualTo("Bash");
    assertThat(state.get("tool_detail").asString()).isEqualTo("mvn test");

    state = apply(state, hook("PostToolUse"));
    assertThat(state.has("current_tool")).isFalse();
    assertThat(state.get("event_count").asLong()).isEqualTo(2);
  }

  @Test
  void unknownEvent_isRecorded_notRejected_andKeepsTheStatus() {
    ObjectNode state = apply(Json.MAPPER.createObjectNode(), hook("UserPromptSubmit"));
    state = apply(state, hook("SomethingNew"));
    assertThat(SessionModel.validate(hook("SomethingNew"))).isNull();
    assertThat(state.get("status").asString()).isEqualTo("working");
    assertThat(state.get("last_event").asString()).isEqualTo("SomethingNew");
    assertThat(state.get("event_count").asLong()).isEqualTo(2);
  }

  @Test
  void validate_namesWhatIsWrong() {
    assertThat(SessionModel.validate(Json.MAPPER.createArrayNode())).contains("JSON object");
    assertThat(SessionModel.validate(Json.MAPPER.createObjectNode().put("hook_event_name", "Stop")))
        .contains("session_id");
    assertThat(
            SessionModel.validate(
                Json.MAPPER
                    .createObjectNode()
                    .put("session_id", 42)
                    .put("hook_event_name", "Stop")))
        .contains("session_id");
    assertThat(SessionModel.validate(Json.MAPPER.createObjectNode().put("session_id", "a")))
        .contains("hook_event_name");
    assertThat(SessionModel.validate(hook("Stop").put("session_id", "x".repeat(257))))
        .contains("sessionId")
        .contains("257 chars");
    assertThat(SessionModel.validate(hook("Stop").put("session_id", "a\nb")))
        .as("the store's rule, the same with Redis")
        .contains("control characters");
  }

  @Test
  void cut_neverSplitsASurrogatePair() {
    assertThat(SessionModel.cut("ab\uD83D\uDE80cd", 3)).isEqualTo("ab");
    assertThat(SessionModel.project("C:\\work\\api\\")).isEqualTo("api");
  }

  @Test
  void statusSince_movesOnlyWhenTheStatusChanges() {
    ObjectNode state =
        SessionModel.apply(Json.MAPPER.createObjectNode(), hook("UserPromptSubmit"), NOW, 20);
    assertThat(state.get("status_since").asString()).isEqualTo(NOW.toString());
    Instant later = NOW.plusSeconds(30);
    SessionModel.apply(state, hook("PreToolUse"), later, 20);
    assertThat(state.get("status_since").asString()).as("still working").isEqualTo(NOW.toString());
    SessionModel.apply(state, hook("Stop"), later, 20);
    assertThat(state.get("status_since").asString()).isEqualTo(later.toString());
  }

  @Test
  void attention_marksAPermissionAsked_andATurnWaitingForItsUser_untilTheyAct() {
    ObjectNode state = apply(Json.MAPPER.createObjectNode(), hook("UserPromptSubmit"));
    assertThat(state.has("attention")).isFalse();
    apply(state, hook("Notification").put("message", "Claude needs your permission to use Bash"));
    assertThat(state.get("attention").asString()).isEqualTo("permission");
    apply(state, hook("PostToolUse"));
    assertThat(state.has("attention")).isFalse();
    apply(state, hook("Stop"));
    assertThat(state.get("attention").asString()).isEqualTo("input");
    apply(state, hook("BrandNewEvent"));
    assertThat(state.get("attention").asString())
        .as("an unknown event changes nothing")
        .isEqualTo("input");
    apply(state, hook("Notification").put("message", "Claude is waiting for your input"));
    assertThat(state.get("attention").asString()).isEqualTo("input");
    apply(state, hook("UserPromptSubmit"));
    assertThat(state.has("attention")).isFalse();
  }

  private static TranscriptSummary.Appended read(String prompt, String status) {
    return new TranscriptSummary.Appended(
        "abc",
        Path.of("/t/abc.jsonl"),
        3,
        1,
        "assistant",
        "claude-opus-4-1",
        "main",
        "/home/me/app",
        prompt,
        null,
        NOW,
        new TranscriptSummary.Tokens(10, 20, 30, 40),
        status);
  }

  @Test
  void transcript_addsModelBranchTokens_andGuessesTheStatusOnlyWithoutHooks() {
    ObjectNode state = Json.MAPPER.createObjectNode();
    SessionModel.applyTranscript(state, read("from the transcript", "working"), NOW, 100);
    SessionModel.applyTranscript(state, read(null, null), NOW, 100);
    assertThat(state.get("model").asString()).isEqualTo("claude-opus-4-1");
    assertThat(state.get("git_branch").asString()).isEqualTo("main");
    assertThat(state.get("project").asString()).isEqualTo("app");
    assertThat(state.get("tokens").get("output").asLong()).isEqualTo(40);
    assertThat(state.get("transcript_lines").asLong()).isEqualTo(6);
    assertThat(state.get("transcript_malformed_lines").asLong()).isEqualTo(2);
    assertThat(state.get("status").asString()).isEqualTo("working");
    assertThat(state.get("task_description").asString()).isEqualTo("from the transcript");

    apply(state, hook("UserPromptSubmit").put("prompt", "from the hook"));
    apply(state, hook("Stop"));
    SessionModel.applyTranscript(state, read("later in the transcript", "working"), NOW, 100);
    assertThat(state.get("status").asString()).as("hooks know better").isEqualTo("idle");
    assertThat(state.get("task_description").asString()).isEqualTo("from the hook");
    assertThat(state.get("attention").asString()).isEqualTo("input");
  }
}
