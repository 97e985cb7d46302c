package io.github.broadcast.examples.dashboard.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Reading Claude Code's transcript lines, as Claude Code writes them. */
final class TranscriptSummaryTest {

  private static final Path FILE = Path.of("/home/me/.claude/projects/-home-me-app/abc.jsonl");

  static String user(String content, String at) {
    return "{\"parentUuid\":null,\"isSidechain\":false,\"userType\":\"external\","
        + "\"cwd\":\"/home/me/app\",\"sessionId\":\"abc\",\"version\":\"2.0.1\","
        + "\"gitBranch\":\"feat/x\",\"type\":\"user\",\"message\":{\"role\":\"user\",\"content\":"
        + content
        + "},\"uuid\":\"u1\",\"timestamp\":\""
        + at
        + "\"}";
  }

  static String assistant(String id, String content, int input, int output, String at) {
    return "{\"parentUuid\":\"u1\",\"isSidechain\":false,\"cwd\":\"/home/me/app\","
        + "\"sessionId\":\"abc\",\"gitBranch\":\"feat/x\",\"message\":{\"id\":\""
        + id
        + "\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\","
        + "\"content\":["
        + content
        + "],\"stop_reason\":null,\"usage\":{\"input_tokens\":"
        + input
        + ",\"cache_creation_input_tokens\":100,\"cache_read_input_tokens\":1000,"
        + "\"output_tokens\":"
        + output
        + "}},\"type\":\"assistant\",\"uuid\":\"a1\",\"timestamp\":\""
        + at
        + "\"}";
  }

  @Test
  void aTurn_givesModelBranchPromptActivityAndTokens_eachMessageCountedOnce() {
    TranscriptSummary summary = new TranscriptSummary();
    summary.line(user("\"Fix the login bug\"", "2026-11-27T10:00:00Z"));
    // One message, two content blocks: two lines with the same id and the same usage.
    summary.line(
        assistant(
            "msg_1", "{\"type\":\"text\",\"text\":\"Looking.\"}", 10, 5, "2026-11-27T10:00:01Z"));
    summary.line(
        assistant(
            "msg_1",
            "{\"type\":\"tool_use\",\"id\":\"t1\",\"name\":\"Bash\",\"input\":{}}",
            10,
            5,
            "2026-11-27T10:00:02Z"));
    summary.line(
        user(
            "[{\"tool_use_id\":\"t1\",\"type\":\"tool_result\",\"content\":\"ok\"}]",
            "2026-11-27T10:00:03Z"));
    summary.line(
        assistant(
            "msg_2", "{\"type\":\"text\",\"text\":\"Done.\"}", 20, 7, "2026-11-27T10:00:04Z"));

    TranscriptSummary.Appended read = summary.take(FILE);
    assertThat(read.sessionId()).isEqualTo("abc");
    assertThat(read.lines()).isEqualTo(5);
    assertThat(read.malformed()).isZero();
    assertThat(read.model()).isEqualTo("claude-sonnet-4-5");
    assertThat(read.gitBranch()).isEqualTo("feat/x");
    assertThat(read.cwd()).isEqualTo("/home/me/app");
    assertThat(read.lastPrompt())
        .as("a tool result is not a prompt")
        .isEqualTo("Fix the login bug");
    assertThat(read.lastActivity()).isEqualTo(Instant.parse("2026-11-27T10:00:04Z"));
    assertThat(read.tokens()).isEqualTo(new TranscriptSummary.Tokens(30, 12, 2000, 200));
    assertThat(read.inferredStatus()).as("an answer ends the turn").isEqualTo("idle");
    assertThat(read.lastType()).isEqualTo("assistant");
  }

  @Test
  void aMessageSplitAcrossTwoReads_stillCountsOnce() {
    TranscriptSummary summary = new TranscriptSummary();
    summary.line(
        assistant("msg_9", "{\"type\":\"text\",\"text\":\"a\"}", 10, 1, "2026-11-27T10:00:00Z"));
    assertThat(summary.take(FILE).tokens().input()).isEqualTo(10);
    summary.line(
        assistant(
            "msg_9",
            "{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"Read\",\"input\":{}}",
            10,
            1,
            "2026-11-27T10:00:01Z"));
    TranscriptSummary.Appended second = summary.take(FILE);
    assertThat(second.tokens().isZero()).isTrue();
    assertThat(second.inferredStatus()).as("a tool call waits for its result").isEqualTo("working");
  }

  @Test
  void commandsMetaAndSidechains_areNotPrompts_andGarbageIsCountedNotFatal() {
    TranscriptSummary summary = new TranscriptSummary();
    summary.line(user("\"The real task\"", "2026-11-27T10:00:00Z"));
    summary.line(user("\"<command-name>/clear</command-name>\"", "2026-11-27T10:00:01Z"));
    summary.line(
        user("\"Caveat: meta\"", "2026-11-27T10:00:02Z")
            .replace("\"isSidechain\":false", "\"isMeta\":true"));
    summary.line(
        user("\"subagent prompt\"", "2026-11-27T10:00:03Z")
            .replace("\"isSidechain\":false", "\"isSidechain\":true"));
    summary.line("not json at all");
    summary.line("[1,2,3]");
    summary.line("{\"type\":\"summary\",\"summary\":\"Fixing the login\",\"leafUuid\":\"x\"}");
    summary.line("   ");

    TranscriptSummary.Appended read = summary.take(FILE);
    assertThat(read.lastPrompt()).isEqualTo("The real task");
    assertThat(read.malformed()).isEqualTo(2);
    assertThat(read.lines()).isEqualTo(7);
    assertThat(read.summary()).isEqualTo("Fixing the login");
  }

  @Test
  void noSessionIdInTheLines_usesTheFileName() {
    TranscriptSummary summary = new TranscriptSummary();
    summary.line("{\"type\":\"summary\",\"summary\":\"x\"}");
    assertThat(summary.take(Path.of("/p/abc-123.jsonl")).sessionId()).isEqualTo("abc-123");
  }
}
