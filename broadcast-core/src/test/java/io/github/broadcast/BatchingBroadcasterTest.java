package io.github.broadcast;

import static io.github.broadcast.BroadcasterContractTest.update;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.broadcast.testing.FakeTicker;
import io.github.broadcast.testing.ManualScheduler;
import io.github.broadcast.testing.RecordingClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Coalescing per session within a flush interval, and the flush itself. */
final class BatchingBroadcasterTest {

  private static final ObjectMapper mapper = new ObjectMapper();

  private final FakeTicker ticker = new FakeTicker();
  private final ManualScheduler scheduler = new ManualScheduler(ticker);
  private final RecordingClient client = new RecordingClient("c1");
  private Broadcaster broadcaster = build(Broadcasters.Preset.BATCHED.newBuilder());

  private Broadcaster build(Broadcasters.Builder builder) {
    broadcaster = builder.ticker(ticker).scheduler(scheduler).build();
    broadcaster.register(client);
    return broadcaster;
  }

  @AfterEach
  void tearDown() {
    broadcaster.close();
    client.assertConsistent();
  }

  @Test
  void thousandUpdatesToOneSession_withinAnInterval_giveOneEntryInOneFrame() {
    for (int version = 1; version <= 1_000; version++) {
      broadcaster.publish(update("a", version));
    }
    scheduler.advance(Duration.ofMillis(200));

    List<JsonNode> batches = batches();
    assertThat(batches).hasSize(1);
    assertThat(batches.get(0).path("sessions")).hasSize(1);
    assertThat(batches.get(0).path("sessions").get(0).path("version").asLong()).isEqualTo(1_000);
    assertThat(broadcaster.stats().updatesCoalesced()).isEqualTo(999);
    assertThat(broadcaster.stats().published()).isEqualTo(1_000);
  }

  @Test
  void updatesToKSessions_giveOneFrameWithKEntries() {
    for (int i = 1; i <= 25; i++) {
      broadcaster.publish(update("s" + i, i));
      broadcaster.publish(update("s" + i, i + 100));
    }
    scheduler.advance(Duration.ofMillis(200));

    List<JsonNode> batches = batches();
    assertThat(batches).hasSize(1);
    assertThat(batches.get(0).path("sessions")).hasSize(25);
    assertThat(client.view()).hasSize(25).containsEntry("s7", 107L);
  }

  @Test
  void maxBatchEntries_splitsOneFlushIntoFramesOfAtMostThatMany() {
    broadcaster.close();
    build(Broadcasters.Preset.BATCHED.newBuilder().maxBatchEntries(10));
    for (int i = 1; i <= 25; i++) {
      broadcaster.publish(update("s" + i, i));
    }
    scheduler.advance(Duration.ofMillis(200));

    assertThat(batches())
        .extracting(batch -> batch.path("sessions").size())
        .containsExactly(10, 10, 5);
  }

  @Test
  void flushInterval_isConfigurable_andCountsFromTheFirstUpdateOfTheWindow() {
    broadcaster.close();
    build(Broadcasters.newBuilder().batchInterval(Duration.ofMillis(50)));
    scheduler.advance(Duration.ofSeconds(1)); // Idle: nothing to flush, nothing scheduled.

    broadcaster.publish(update("a", 1));
    scheduler.advance(Duration.ofMillis(49));
    assertThat(batches()).isEmpty();
    scheduler.advance(Duration.ofMillis(1));
    assertThat(batches()).hasSize(1);

    broadcaster.publish(update("a", 2));
    scheduler.advance(Duration.ofMillis(50));
    assertThat(batches()).hasSize(2);
  }

  @Test
  void close_flushesWhatIsPending_beforeClosingTheClients() {
    broadcaster.publish(update("a", 1));
    broadcaster.publish(update("b", 1));
    broadcaster.close();

    assertThat(batches()).hasSize(1);
    assertThat(client.view()).containsOnlyKeys("a", "b");
    client.assertClosed(CloseReason.SHUTDOWN);
  }

  @Test
  void flush_latencyIsMeasuredFromTheFirstUpdateOfTheWindow() {
    broadcaster.publish(update("a", 1));
    scheduler.advance(Duration.ofMillis(200));

    assertThat(broadcaster.stats().latencyMax())
        .isBetween(Duration.ofMillis(199), Duration.ofMillis(201));
  }

  private List<JsonNode> batches() {
    return client.frames().stream()
        .map(BatchingBroadcasterTest::parse)
        .filter(frame -> frame.path("type").asText().equals("batch_update"))
        .toList();
  }

  private static JsonNode parse(String text) {
    try {
      return mapper.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
