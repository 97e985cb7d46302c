package io.github.broadcast.site;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.broadcast.Broadcaster;
import io.github.broadcast.Broadcasters;
import io.github.broadcast.SessionUpdate;
import io.github.broadcast.testing.RecordingClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The protocol page's example conversation is what the codec writes: the conversation is replayed
 * on a broadcaster, and every frame it sends must be the page's line, in order (the epoch, random
 * per broadcaster, aside).
 */
final class ProtocolPageTest {

  private static final Path PAGE = Path.of("src/pages/protocol.md");
  private static final String EPOCH = "k3j9x2ab";

  @Test
  void theExampleConversation_isWhatTheCodecWrites() throws Exception {
    List<String> documented = exampleFrames();
    List<String> sent = new ArrayList<>();
    Broadcaster broadcaster = Broadcasters.concurrent();
    try {
      broadcaster.publish(
          SessionUpdate.ofJson(
              "c", 2, "{\"status\":\"idle\",\"task\":\"Review the pull request\"}"));
      broadcaster.publish(
          SessionUpdate.ofJson(
              "a", 3, "{\"status\":\"working\",\"task\":\"Fix the flaky test\",\"events\":12}"));
      RecordingClient page = new RecordingClient("page").receivingPatches();
      broadcaster.register(page);
      broadcaster.publish(
          SessionUpdate.ofJson(
              "a", 4, "{\"status\":\"idle\",\"task\":\"Fix the flaky test\",\"events\":13}"));
      broadcaster.publish(
          SessionUpdate.ofJson("b", 5, "{\"status\":\"working\",\"task\":\"Write the docs\"}"));
      broadcaster.publish(SessionUpdate.tombstone("a", 6));
      broadcaster.onPing(page);
      broadcaster.unregister(page);
      broadcaster.publish(
          SessionUpdate.ofJson("b", 7, "{\"status\":\"waiting\",\"task\":\"Write the docs\"}"));
      RecordingClient back = new RecordingClient("back").receivingPatches().resuming(page, null);
      broadcaster.register(back);
      sent.addAll(page.frames());
      sent.addAll(back.frames());
      String epoch = page.epoch();
      sent.replaceAll(
          frame -> frame.replace("\"epoch\":\"" + epoch + "\"", "\"epoch\":\"" + EPOCH + "\""));
      page.assertConsistent();
      back.assertConsistent();
    } finally {
      broadcaster.close();
    }
    assertThat(sent).containsExactlyElementsOf(documented);
  }

  /** The server's frames of the page's example block: its lines that are JSON objects. */
  private static List<String> exampleFrames() throws Exception {
    String page = Files.readString(PAGE);
    int start = page.indexOf("```json\n// connect:");
    assertThat(start).as("the example block on %s", PAGE).isPositive();
    String block = page.substring(start, page.indexOf("```\n", start + 7));
    List<String> frames = new ArrayList<>();
    for (String line : block.split("\n")) {
      if (line.startsWith("{")) {
        frames.add(line);
      }
    }
    assertThat(frames).hasSizeGreaterThan(5);
    return frames;
  }
}
