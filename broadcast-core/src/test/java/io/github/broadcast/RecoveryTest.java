package io.github.broadcast;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.broadcast.FaultyCodec.Kind;
import io.github.broadcast.testing.FakeTicker;
import io.github.broadcast.testing.ManualScheduler;
import io.github.broadcast.testing.RecordingClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Recovery promises, each reproduced on the fake clock, each a test that failed before its fix: a
 * resynced client that caught up is not closed for its catch-up; a failure to encode costs the
 * client it was for, never the others, the rest of a flush or the broadcaster; a client behind
 * holds a cursor into the change log, not updates of its own; and nothing calls into a client under
 * a library lock.
 */
final class RecoveryTest {

  private static final ObjectMapper mapper = new ObjectMapper();

  private final FakeTicker ticker = new FakeTicker();
  private final ManualScheduler scheduler = new ManualScheduler(ticker);
  private final FaultyCodec codec = new FaultyCodec();
  private final Map<String, Long> versions = new HashMap<>();
  private final List<RecordingClient> clients = new ArrayList<>();
  private Broadcaster broadcaster;

  private Broadcaster build(Broadcasters.Builder builder) {
    broadcaster = builder.codec(codec).ticker(ticker).scheduler(scheduler).build();
    return broadcaster;
  }

  private RecordingClient register(String id) {
    return register(new RecordingClient(id));
  }

  private RecordingClient register(RecordingClient client) {
    clients.add(client);
    broadcaster.register(client);
    return client;
  }

  @AfterEach
  void tearDown() {
    if (broadcaster != null) {
      broadcaster.close();
    }
    clients.forEach(RecordingClient::assertConsistent);
  }

  /** Publishes the next version of {@code sessionId} with a task of {@code taskBytes}. */
  private void publish(String sessionId, int taskBytes) {
    long version = versions.merge(sessionId, 1L, Long::sum);
    ObjectNode state = mapper.createObjectNode().put("task", "t".repeat(taskBytes));
    broadcaster.publish(SessionUpdate.of(sessionId, version, state));
  }

  /**
   * Long enough for a flush to start even behind a stalled client (self-clocked batching), and
   * every client answers its pings (which lets a paced one take what it is owed).
   */
  private void flush() {
    scheduler.advance(Broadcasters.DEFAULT_MAX_BATCH_DELAY);
    boolean answered = true;
    while (answered) {
      answered = false;
      for (RecordingClient client : clients) {
        answered |= client.answerPings(broadcaster);
      }
    }
  }

  private FanoutBroadcaster engine() {
    return broadcaster instanceof BatchingBroadcaster
        ? ((BatchingBroadcaster) broadcaster).engine()
        : (FanoutBroadcaster) broadcaster;
  }

  // F1: a client that has caught up is closed as too slow.

  @ParameterizedTest
  @EnumSource(
      value = OverflowPolicy.class,
      names = {"CONFLATE", "DROP_AND_RESYNC"})
  void resyncedClient_thatCaughtUp_isNotClosedAfterTheGrace(OverflowPolicy policy) {
    // 1 KiB of 8 frames: 40 updates overflow it; DROP_AND_RESYNC resyncs, CONFLATE catches up.
    build(
        Broadcasters.Preset.BACKPRESSURE
            .newBuilder()
            .outboxLimits(new OutboxLimits(1024, 8, Duration.ofSeconds(10)))
            .overflowPolicy(policy));
    RecordingClient client = register("c").stall();
    for (int i = 0; i < 40; i++) {
      publish("s" + i, 100);
    }
    client.resume();
    assertThat(client.view()).as("caught up").isEqualTo(versions);
    assertThat(broadcaster.stats().resyncs())
        .isEqualTo(policy == OverflowPolicy.DROP_AND_RESYNC ? 1 : 0);

    scheduler.advance(Duration.ofSeconds(60));

    client.assertOpen();
    assertThat(broadcaster.stats().closed(CloseReason.TOO_SLOW)).isZero();
  }

  @Test
  void productionDefaults_aCatchUpOverOneMebibyte_closesNoClient() {
    build(Broadcasters.Preset.PRODUCTION.newBuilder());
    RecordingClient a = register("a");
    RecordingClient b = register("b");
    for (int i = 0; i < 1_100; i++) {
      publish("s" + i, 1_000); // 1,100 sessions of about 1 KB while both read initial_state.
    }
    flush();
    assertThat(a.view()).isEqualTo(versions);
    assertThat(b.view()).isEqualTo(versions);

    scheduler.advance(Duration.ofSeconds(60));

    a.assertOpen();
    b.assertOpen();
  }

  // F2: one transient codec failure wedges a client forever.

  @Test
  void catchUpEncodingFailsOnce_clientIsResynced_andKeepsReceiving() {
    build(
        Broadcasters.Preset.BACKPRESSURE
            .newBuilder()
            .outboxLimits(new OutboxLimits(64 * 1024, 2, Duration.ofSeconds(30))));
    RecordingClient client = register("c").stall();
    for (int i = 0; i < 10; i++) {
      publish("s" + (i % 3), 10); // Past 2 frames: the outbox conflates.
    }
    codec.failNext(Kind.BATCH_UPDATE, 1); // The catch-up's encoding.
    client.resume();
    publish("s0", 10);
    scheduler.advance(Duration.ofMinutes(5));

    assertThat(codec.thrown()).isEqualTo(1);
    client.assertOpen();
    assertThat(client.view()).isEqualTo(versions);
    assertThat(broadcaster.stats().faults()).isEqualTo(1);
    assertThat(broadcaster.stats().resyncs()).as("brought back by a snapshot").isEqualTo(1);
  }

  @Test
  void pongEncodingFails_closesThatClientWith1011_andTheOthersKeepReceiving() {
    build(Broadcasters.Preset.CONCURRENT.newBuilder());
    RecordingClient pinging = register(new RecordingClient("pinging").stall());
    RecordingClient other = register("other");
    broadcaster.onPing(pinging); // Owed behind the held initial_state.
    codec.failNext(Kind.PONG, 1);
    pinging.resume();

    publish("s", 10);

    pinging.assertClosed(CloseReason.INTERNAL_ERROR);
    assertThat(CloseReason.INTERNAL_ERROR.code()).isEqualTo(1011);
    assertThat(other.view()).isEqualTo(versions);
    assertThat(broadcaster.stats().faults()).isEqualTo(1);
    assertThat(broadcaster.stats().clients()).isEqualTo(1);
  }

  @Test
  void failureWhileDrainingOneClient_doesNotStopTheNextClientsOfThatPublish() {
    build(Broadcasters.Preset.CONCURRENT.newBuilder());
    RecordingClient first = register(new RecordingClient("first").stall());
    RecordingClient second = register("second");
    broadcaster.onPing(first);
    codec.failNext(Kind.PONG, 1);
    first.completeNext(); // The initial_state; its completion meets the failing pong.

    publish("s", 10);

    assertThat(second.view()).isEqualTo(versions);
    first.assertClosed(CloseReason.INTERNAL_ERROR);
  }

  @Test
  void resyncSnapshotFails_closesThatClientWith1011_notWedged() {
    build(
        Broadcasters.Preset.BACKPRESSURE
            .newBuilder()
            .outboxLimits(new OutboxLimits(1024, 2, Duration.ofSeconds(30)))
            .overflowPolicy(OverflowPolicy.DROP_AND_RESYNC));
    RecordingClient client = register("c").stall();
    RecordingClient healthy = register("healthy");
    for (int i = 0; i < 10; i++) {
      publish("s" + i, 10);
    }
    codec.failNext(Kind.INITIAL_STATE, 1);
    client.resume();

    client.assertClosed(CloseReason.INTERNAL_ERROR);
    assertThat(broadcaster.stats().clients()).isEqualTo(1);
    publish("s0", 10);
    assertThat(healthy.view()).isEqualTo(versions);
  }

  @Test
  void registrationWhoseSnapshotFails_closesThatClientWith1011() {
    build(Broadcasters.Preset.CONCURRENT.newBuilder());
    publish("s", 10);
    codec.failNext(Kind.INITIAL_STATE, 1);
    RecordingClient refused = new RecordingClient("refused");

    broadcaster.register(refused);

    refused.assertClosed(CloseReason.INTERNAL_ERROR);
    assertThat(broadcaster.stats().clients()).isZero();
    assertThat(broadcaster.stats().faults()).isEqualTo(1);
    RecordingClient next = register("next");
    assertThat(next.view()).isEqualTo(versions);
  }

  // F3: an encode failure after the view moved leaves clients behind for good.

  @Test
  void reencodingAStaleBatchFails_existingAndNewClientsStillAgree() {
    build(Broadcasters.Preset.BATCHED.newBuilder());
    RecordingClient existing = register("existing");
    publish("a", 10);
    publish("a", 10);
    publish("a", 10);
    publish("a", 10);
    publish("a", 10); // a v5
    flush();
    ObjectNode state = mapper.createObjectNode().put("task", "old");
    broadcaster.publish(SessionUpdate.of("a", 3, state)); // Stale against the engine's view.
    publish("b", 10);
    // The unlocked encoding of {a v3, b v1} passes; the re-encoding of {b v1} fails.
    codec.failAfter(Kind.BATCH_UPDATE, 1, 1);
    flush();

    RecordingClient late = register("late");
    assertThat(existing.view()).isEqualTo(late.view());
    assertThat(existing.view()).isEqualTo(versions);
  }

  @Test
  void oneChunkFailsToEncode_theOtherChunksOfTheFlushAreStillDelivered() {
    build(Broadcasters.Preset.BATCHED.newBuilder().maxBatchEntries(1));
    RecordingClient client = register("c");
    publish("a", 10);
    publish("b", 10);
    publish("c", 10);
    codec.failNext(Kind.BATCH_UPDATE, 1);
    flush();

    assertThat(client.view()).containsKeys("b", "c");
    assertThat(broadcaster.stats().faults()).isEqualTo(1);
    RecordingClient late = register("late");
    assertThat(late.view()).isEqualTo(client.view());
  }

  // F4: more bytes held than maxBytes.

  @Test
  void aClientBehindHoldsNoUpdatesOfItsOwn_onlyACursor_andCatchesUpExactly() {
    OutboxLimits limits = new OutboxLimits(8_192, 1, Duration.ofSeconds(30));
    build(Broadcasters.Preset.BACKPRESSURE.newBuilder().outboxLimits(limits));
    RecordingClient stalled = register("stalled").stall();
    for (int round = 0; round < 12; round++) {
      publish("big" + round, 3_000); // One large session among twenty small ones.
      for (int i = 0; i < 20; i++) {
        publish("small" + i, 10);
      }
      Outbox.Held held = engine().held(stalled);
      assertThat(held.chargedBytes())
          .as("bytes held for the stalled client after round %d", round)
          .isLessThanOrEqualTo(limits.maxBytes())
          .isZero();
      assertThat(Outbox.owes(held.owedSince())).as("owes a catch-up after a cursor").isTrue();
    }
    stalled.resume();
    assertThat(stalled.view()).isEqualTo(versions);
    assertThat(stalled.types())
        .as("initial_state, the update it stalled on, then one catch-up of all since")
        .containsExactly("initial_state", "session_update", "batch_update");
  }

  // The lock slip: sends under the flush lock and the sequential lock.

  @ParameterizedTest
  @EnumSource(
      value = Broadcasters.Preset.class,
      names = {"SEQUENTIAL", "BATCHED", "PRODUCTION"})
  void noSendClosePingUnderALibraryLock(Broadcasters.Preset preset) {
    Broadcasters.Builder builder = preset.newBuilder();
    if (preset != Broadcasters.Preset.SEQUENTIAL) {
      builder.heartbeat(Duration.ofSeconds(1), Duration.ofSeconds(3));
    }
    build(builder);
    LockProbe probe = new LockProbe(new RecordingClient("probe")).watch(broadcaster);
    broadcaster.register(probe);
    for (int i = 0; i < 5; i++) {
      publish("s" + i, 10);
      flush();
    }
    scheduler.advance(Duration.ofSeconds(2));
    broadcaster.close();

    assertThat(probe.recorder().view()).isEqualTo(versions);
    assertThat(probe.violations()).isEmpty();
  }
}
