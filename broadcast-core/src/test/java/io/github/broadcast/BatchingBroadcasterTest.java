package io.github.broadcast;

import static io.github.broadcast.BroadcasterContractTest.update;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.broadcast.testing.FakeTicker;
import io.github.broadcast.testing.ManualScheduler;
import io.github.broadcast.testing.RecordingClient;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/** Coalescing per session, the self-clocked flush, and the flush itself. */
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
  void quiet_anUpdateLeavesAtOnce_andTheNextWaitsForTheMinimumInterval() {
    broadcaster.close();
    build(Broadcasters.newBuilder().batchInterval(Duration.ofMillis(50)));
    scheduler.advance(Duration.ofSeconds(1)); // Idle: nothing to flush.

    broadcaster.publish(update("a", 1));
    scheduler.runDue();
    assertThat(batches()).hasSize(1); // No interval to wait for after a quiet spell.
    assertThat(broadcaster.stats().latencyMax()).isLessThan(Duration.ofMillis(1));

    scheduler.advance(Duration.ofMillis(10));
    broadcaster.publish(update("a", 2));
    broadcaster.publish(update("a", 3));
    scheduler.advance(Duration.ofMillis(39)); // 49 ms after the first flush started.
    assertThat(batches()).hasSize(1);
    scheduler.advance(Duration.ofMillis(1));
    assertThat(batches()).hasSize(2);
    assertThat(batches().get(1).path("sessions").get(0).path("version").asLong()).isEqualTo(3);
    assertThat(broadcaster.stats().latencyMax())
        .isBetween(Duration.ofMillis(39), Duration.ofMillis(41));
  }

  @Test
  void theNextFlush_waitsUntilTheLastOneIsOnTheReadyClientsSocket() {
    client.stall(); // The only client, on a slow link: it paces the clock by itself.
    broadcaster.publish(update("a", 1));
    scheduler.runDue(); // Flush 1: in flight.
    broadcaster.publish(update("a", 2));
    broadcaster.publish(update("a", 3));
    scheduler.advance(Duration.ofMillis(100)); // Well past the 16 ms minimum.
    assertThat(batches()).hasSize(1);

    client.completeNext(); // Flush 1 is on the socket now.
    scheduler.runDue();
    assertThat(batches()).hasSize(2);
    assertThat(batches().get(1).path("sessions").get(0).path("version").asLong()).isEqualTo(3);
    client.resume();
  }

  @Test
  void onAUniformlySlowLink_stragglersGetAsLongAgainAsTheOthersTook() {
    RecordingClient slow = readyThenStalled("slow");
    client.stall();
    broadcaster.publish(update("a", 1));
    scheduler.runDue(); // Flush 1: in flight on both.
    broadcaster.publish(update("a", 2));
    scheduler.advance(Duration.ofMillis(80));
    client.completeNext(); // c1 took 80 ms; slow is the straggler now.
    scheduler.advance(Duration.ofMillis(79));
    assertThat(batches()).hasSize(1);
    scheduler.advance(Duration.ofMillis(1)); // As long again as the others took: 80 ms.
    assertThat(batches()).hasSize(2);
    client.resume();
    slow.resume();
  }

  @Test
  void aClientStalledOnAFlush_holdsTheOthersBackOneMinimumIntervalAtMost_andThenNeverAgain() {
    RecordingClient fast = new RecordingClient("fast");
    broadcaster.register(fast);
    RecordingClient stalled = readyThenStalled("stalled");
    broadcaster.publish(update("a", 1));
    scheduler.runDue(); // Flush 1: on c1's and fast's sockets, in flight on stalled's for good.

    broadcaster.publish(update("a", 2));
    scheduler.advance(Duration.ofMillis(15));
    assertThat(fast.view()).containsEntry("a", 1L);
    scheduler.advance(Duration.ofMillis(1)); // The straggler had one more 16 ms; not more.
    assertThat(fast.view()).containsEntry("a", 2L);

    // Busy when flush 2 was offered, the stalled client no longer counts at all.
    broadcaster.publish(update("a", 3));
    scheduler.advance(Duration.ofMillis(16));
    assertThat(fast.view()).containsEntry("a", 3L);
    stalled.resume();
    scheduler.runDue();
    assertThat(stalled.view()).isEqualTo(fast.view());
  }

  @Test
  void whenManyStallAtOnce_maxBatchDelayCapsTheWait() {
    broadcaster.close();
    RecordingClient fast = new RecordingClient("fast");
    broadcaster =
        Broadcasters.Preset.BACKPRESSURE
            .newBuilder()
            .batchInterval(Duration.ofMillis(16))
            .maxBatchDelay(Duration.ofMillis(100))
            .ticker(ticker)
            .scheduler(scheduler)
            .build();
    broadcaster.register(client);
    broadcaster.register(fast);
    RecordingClient one = readyThenStalled("one");
    RecordingClient two = readyThenStalled("two"); // Two of four: more than stragglers.
    broadcaster.publish(update("a", 1));
    scheduler.runDue();

    broadcaster.publish(update("a", 2));
    scheduler.advance(Duration.ofMillis(99));
    assertThat(fast.view()).containsEntry("a", 1L);
    scheduler.advance(Duration.ofMillis(1)); // 100 ms after update 2 arrived.
    assertThat(fast.view()).containsEntry("a", 2L);
    one.resume();
    two.resume();
  }

  /** A client that takes its initial_state, then holds every later send. */
  private RecordingClient readyThenStalled(String id) {
    RecordingClient stalled = new RecordingClient(id).stall();
    broadcaster.register(stalled);
    stalled.completeNext(); // Its initial_state: ready now.
    return stalled;
  }

  @Test
  void underLoad_flushesLengthenToWhatTheSocketsTake_andCoalesceMore() {
    client.stall(); // Each send completes only when the test says: a slow link.
    for (int round = 1; round <= 5; round++) {
      for (int s = 0; s < 10; s++) {
        broadcaster.publish(update("s" + s, round * 100 + s));
      }
      scheduler.advance(Duration.ofMillis(16));
    }
    assertThat(client.frames()).hasSize(2); // initial_state, and the one flush in flight.
    client.completeNext();
    scheduler.runDue();
    assertThat(batches()).hasSize(2);
    assertThat(batches().get(1).path("sessions")).hasSize(10);
    assertThat(broadcaster.stats().updatesCoalesced()).isEqualTo(30); // Rounds 2-5 in one flush.
    client.resume();
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
    scheduler.runDue();
    scheduler.advance(Duration.ofMillis(5));
    broadcaster.publish(update("b", 1)); // Waits for the 16 ms minimum: 11 ms.
    scheduler.advance(Duration.ofMillis(11));
    broadcaster.publish(update("c", 1));

    assertThat(broadcaster.stats().latencyMax())
        .isBetween(Duration.ofMillis(10), Duration.ofMillis(12));
  }

  @Test
  void maxBatchDelay_needsBatching_andAtLeastTheInterval() {
    assertThatThrownBy(
            () -> Broadcasters.newBuilder().maxBatchDelay(Duration.ofMillis(100)).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("maxBatchDelay (PT0.1S) needs batchInterval");
    assertThatThrownBy(
            () ->
                Broadcasters.newBuilder()
                    .batchInterval(Duration.ofMillis(200))
                    .maxBatchDelay(Duration.ofMillis(100))
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("maxBatchDelay (PT0.1S) must be at least batchInterval (PT0.2S)");
    assertThatThrownBy(() -> Broadcasters.newBuilder().maxBatchDelay(Duration.ZERO))
        .hasMessage("maxBatchDelay : PT0S (expected: > 0)");
  }

  private List<JsonNode> batches() {
    return client.frames().stream()
        .map(BatchingBroadcasterTest::parse)
        .filter(frame -> frame.path("type").asString().equals("batch_update"))
        .toList();
  }

  private static JsonNode parse(String text) {
    return mapper.readTree(text);
  }
}
