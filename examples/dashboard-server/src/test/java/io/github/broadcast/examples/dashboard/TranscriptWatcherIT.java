package io.github.broadcast.examples.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.broadcast.SessionUpdate;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The transcript watcher against real files: append, torn line, new file, rotation. */
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

  private void start() throws Exception {
    server =
        DashboardServer.start(
            Options.parse(
                new String[] {
                  "--port", "0", "--transcripts", folder.toString(), "--transcript-debounce", "50ms"
                },
                Map.of()));
  }

  private static void append(Path file, String text) throws Exception {
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
    Path file = folder.resolve("one.jsonl");
    append(file, entry("sess-1", "user") + entry("sess-1", "assistant"));
    await().until(() -> lines("sess-1") == 2);
    assertThat(
            server
                .store()
                .get("sess-1")
                .orElseThrow()
                .state()
                .get("last_transcript_entry")
                .asText())
        .isEqualTo("assistant");

    append(file, entry("sess-1", "user"));
    await().until(() -> lines("sess-1") == 3);
  }

  @Test
  void tornLastLine_waitsForItsNewline() throws Exception {
    start();
    Path file = folder.resolve("torn.jsonl");
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
                .asText())
        .isEqualTo("assistant");
  }

  @Test
  void rotation_aNewFileUnderTheSameName_isReadFromItsStart() throws Exception {
    start();
    Path file = folder.resolve("rot.jsonl");
    append(file, entry("sess-3", "user") + entry("sess-3", "user") + entry("sess-3", "user"));
    await().until(() -> lines("sess-3") == 3);

    Files.move(file, folder.resolve("rot.jsonl.1")); // Not *.jsonl: ignored.
    append(file, entry("sess-3", "assistant"));
    await().until(() -> lines("sess-3") == 4);

    Files.writeString(file, entry("sess-3", "user")); // Truncated and rewritten.
    await().until(() -> lines("sess-3") == 5);
  }

  @Test
  void lineWithoutSessionId_usesTheFileName_andGarbageLinesAreCountedNotFatal() throws Exception {
    start();
    append(folder.resolve("abc-123.jsonl"), "{\"type\":\"summary\"}\nnot json at all\n");
    await().until(() -> lines("abc-123") == 2);
  }

  @Test
  void filesPresentAtStart_countOnlyWhatIsAppendedLater() throws Exception {
    Path file = folder.resolve("old.jsonl");
    append(file, entry("sess-4", "user").repeat(50));
    start();
    append(file, entry("sess-4", "assistant"));
    await().atMost(Duration.ofSeconds(10)).until(() -> lines("sess-4") == 1);
  }
}
