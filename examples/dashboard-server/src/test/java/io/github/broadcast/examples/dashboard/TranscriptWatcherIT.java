package io.github.broadcast.examples.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.broadcast.SessionUpdate;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The transcript watcher against real files in Claude Code's layout ({@code
 * <root>/<project>/<session>.jsonl}): append, torn line, new file, new project folder, rotation,
 * the tail of a recent file at start, and reading on from where the last run stopped.
 */
@Timeout(60) // A guard against a hang, not a speed assertion.
final class TranscriptWatcherIT {

  @TempDir Path folder;
  private DashboardServer server;

  @AfterEach
  void tearDown() {
    if (server != null) {
      server.close();
    }
  }

  @TempDir Path data;

  private void start(String... extra) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--port",
                "0",
                "--transcripts",
                folder.toString(),
                "--transcript-debounce",
                "50ms"));
    args.addAll(List.of(extra));
    server = DashboardServer.start(Options.parse(args.toArray(String[]::new), Map.of()));
  }

  /** A project folder as Claude Code names it: the project's path with / as -. */
  private Path project(String name) throws Exception {
    return Files.createDirectories(folder.resolve("-home-me-" + name));
  }

  private static void append(Path file, String text) throws Exception {
    Files.createDirectories(file.getParent());
    Files.writeString(
        file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  private long lines(String sessionId) {
    Optional<SessionUpdate> session = server.store().get(sessionId);
    return session.map(u -> u.state().path("transcript_lines").asLong(0)).orElse(-1L);
  }

  private static String entry(String sessionId, String type) {
    return "{\"sessionId\":\"" + sessionId + "\",\"type\":\"" + type + "\",\"message\":{}}\n";
  }

  @Test
  void newFile_thenAppends_areRead_onlyWhatIsNew() throws Exception {
    start();
    Path file = project("app").resolve("one.jsonl");
    append(file, entry("sess-1", "user") + entry("sess-1", "assistant"));
    await().until(() -> lines("sess-1") == 2);
    assertThat(
            server
                .store()
                .get("sess-1")
                .orElseThrow()
                .state()
                .get("last_transcript_entry")
                .asString())
        .isEqualTo("assistant");

    append(file, entry("sess-1", "user"));
    await().until(() -> lines("sess-1") == 3);
  }

  @Test
  void tornLastLine_waitsForItsNewline() throws Exception {
    start();
    Path file = project("app").resolve("torn.jsonl");
    String whole = entry("sess-2", "assistant");
    append(file, entry("sess-2", "user") + whole.substring(0, 10));
    await().until(() -> lines("sess-2") == 1);
    long version = server.store().get("sess-2").orElseThrow().version();

    append(file, whole.substring(10));
    await().until(() -> lines("sess-2") == 2);
    assertThat(server.store().get("sess-2").orElseThrow().version()).isGreaterThan(version);
    assertThat(
            server
                .store()
                .get("sess-2")
                .orElseThrow()
                .state()
                .get("last_transcript_entry")
                .asString())
        .isEqualTo("assistant");
  }

  @Test
  void rotation_aNewFileUnderTheSameName_isReadFromItsStart() throws Exception {
    start();
    Path file = project("app").resolve("rot.jsonl");
    append(file, entry("sess-3", "user") + entry("sess-3", "user") + entry("sess-3", "user"));
    await().until(() -> lines("sess-3") == 3);

    Files.move(file, file.resolveSibling("rot.jsonl.1")); // Not *.jsonl: ignored.
    append(file, entry("sess-3", "assistant"));
    await().until(() -> lines("sess-3") == 4);

    Files.writeString(file, entry("sess-3", "user")); // Truncated and rewritten.
    await().until(() -> lines("sess-3") == 5);
  }

  @Test
  void lineWithoutSessionId_usesTheFileName_andGarbageLinesAreCountedNotFatal() throws Exception {
    start();
    append(project("app").resolve("abc-123.jsonl"), "{\"type\":\"summary\"}\nnot json at all\n");
    await().until(() -> lines("abc-123") == 2);
    assertThat(state("abc-123").get("transcript_malformed_lines").asInt()).isEqualTo(1);
  }

  private JsonNode state(String sessionId) {
    return server.store().get(sessionId).orElseThrow().state();
  }

  @Test
  void aProjectFolderCreatedLater_isWatchedToo_evenIfItsFirstFileCameWithIt() throws Exception {
    start();
    Path later = folder.resolve("-home-me-later");
    Files.createDirectories(later);
    append(later.resolve("first.jsonl"), entry("sess-5", "user"));
    await().until(() -> lines("sess-5") == 1);
    append(later.resolve("first.jsonl"), entry("sess-5", "assistant"));
    await().until(() -> lines("sess-5") == 2);
  }

  @Test
  void aRealTurn_showsModelBranchPromptAndTokensOnTheSession() throws Exception {
    start();
    append(
        project("app").resolve("abc.jsonl"),
        // Two lines as Claude Code writes them: a prompt, then an answer with its usage.
        """
        {"cwd":"/home/me/app","sessionId":"abc","gitBranch":"feat/x","type":"user",\
        "message":{"role":"user","content":"Fix the login bug"},\
        "timestamp":"2026-11-27T10:00:00Z"}
        {"cwd":"/home/me/app","sessionId":"abc","gitBranch":"feat/x","type":"assistant",\
        "message":{"id":"msg_1","role":"assistant","model":"claude-sonnet-4-5",\
        "content":[{"type":"text","text":"Done."}],\
        "usage":{"input_tokens":10,"output_tokens":5}},"timestamp":"2026-11-27T10:00:04Z"}
        """);
    await().until(() -> lines("abc") == 2);
    JsonNode state = state("abc");
    assertThat(state.get("model").asString()).isEqualTo("claude-sonnet-4-5");
    assertThat(state.get("git_branch").asString()).isEqualTo("feat/x");
    assertThat(state.get("task_description").asString()).isEqualTo("Fix the login bug");
    assertThat(state.get("project").asString()).isEqualTo("app");
    assertThat(state.get("last_activity").asString()).isEqualTo("2026-11-27T10:00:04Z");
    assertThat(state.get("tokens").get("output").asLong()).isEqualTo(5);
    assertThat(state.get("status").asString())
        .as("no hook: the transcript's guess")
        .isEqualTo("idle");
  }

  @Test
  void oldFilesAtStart_countOnlyWhatIsAppendedLater() throws Exception {
    Path file = project("app").resolve("old.jsonl");
    append(file, entry("sess-4", "user").repeat(50));
    Files.setLastModifiedTime(file, FileTime.from(Instant.now().minus(Duration.ofHours(3))));
    start(); // --idle-ttl 2h: a file quiet for 3 h has no live session.
    append(file, entry("sess-4", "assistant"));
    await().atMost(Duration.ofSeconds(10)).until(() -> lines("sess-4") == 1);
  }

  @Test
  void recentFilesAtStart_areReadFromTheirTail_soTheirSessionsShowAtOnce() throws Exception {
    Path small = project("app").resolve("small.jsonl");
    append(small, entry("sess-6", "user").repeat(50));
    Path big = project("app").resolve("big.jsonl");
    String line = entry("sess-7", "user");
    int count = TranscriptWatcher.TAIL_BYTES / line.length() + 100;
    append(big, line.repeat(count));
    start();
    await().until(() -> lines("sess-6") == 50);
    await().until(() -> lines("sess-7") > 0);
    assertThat(lines("sess-7"))
        .as("the last MiB, whole lines only")
        .isEqualTo(TranscriptWatcher.TAIL_BYTES / line.length());
    assertThat(state("sess-7").has("transcript_malformed_lines"))
        .as("the cut first line is skipped, not counted as garbage")
        .isFalse();
  }

  @Test
  void aRestartWithADataDir_readsOnFromWhereItStopped_countingNothingTwice() throws Exception {
    Path file = project("app").resolve("kept.jsonl");
    append(file, entry("sess-8", "user").repeat(3));
    start("--data-dir", data.toString());
    await().until(() -> lines("sess-8") == 3);
    server.close();

    append(file, entry("sess-8", "assistant").repeat(2)); // Written while the dashboard was down.
    start("--data-dir", data.toString());
    await().until(() -> lines("sess-8") == 5);
    append(file, entry("sess-8", "user"));
    await().until(() -> lines("sess-8") == 6);
  }
}
