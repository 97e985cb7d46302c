package io.github.broadcast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.broadcast.testing.FakeTicker;
import io.github.broadcast.testing.ManualScheduler;
import io.github.broadcast.testing.RecordingClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The promises of {@link Broadcaster}, written once and run against every strategy and overflow
 * policy. Time is a fake and the scheduler runs only when the test advances it.
 */
final class BroadcasterContractTest {

  private final FakeTicker ticker = new FakeTicker();
  private final ManualScheduler scheduler = new ManualScheduler(ticker);
  private final List<RecordingClient> clients = new ArrayList<>();
  private Broadcaster broadcaster;

  private Broadcaster build(Variant variant) {
    return build(variant.builder());
  }

  private Broadcaster build(Broadcasters.Builder builder) {
    broadcaster = builder.ticker(ticker).scheduler(scheduler).build();
    return broadcaster;
  }

  private RecordingClient client(String id) {
    RecordingClient client = new RecordingClient(id);
    clients.add(client);
    return client;
  }

  /**
   * Lets a batch flush, and every client answer its pings as a WebSocket client does once it read
   * what came before them (what lets a paced client take what it is owed), until nothing moves.
   */
  private void flush() {
    scheduler.advance(Broadcasters.DEFAULT_BATCH_INTERVAL);
    boolean answered = true;
    for (int round = 0; answered && round < 100; round++) {
      answered = false;
      for (RecordingClient client : clients) {
        answered |= client.answerPings(broadcaster);
      }
    }
  }

  @AfterEach
  void everyClientKeptTheProtocol() {
    if (broadcaster != null) {
      broadcaster.close();
    }
    clients.forEach(RecordingClient::assertConsistent);
  }

  @ParameterizedTest
  @EnumSource(Variant.class)
  void register_sendsInitialStateFirst_thenOnlyLaterUpdates(Variant variant) {
    build(variant);
    broadcaster.publish(update("a", 1));
    broadcaster.publish(update("b", 2));
    flush();

    RecordingClient client = client("c1");
    broadcaster.register(client);
    assertThat(client.types()).containsExactly("initial_state");
    assertThat(client.view()).containsExactly(Map.entry("a", 1L), Map.entry("b", 2L));

    broadcaster.publish(update("a", 3));
    flush();
    assertThat(client.types()).hasSize(2).startsWith("initial_state");
    assertThat(client.view()).containsEntry("a", 3L).containsEntry("b", 2L);
  }

  @ParameterizedTest
  @EnumSource(Variant.class)
  void burstWithSlowAndLateClients_everyOpenClientConvergesToTheStore(Variant variant) {
    // The burst spans 6 s of flushes; a longer send timeout keeps the stalled client open.
    build(variant.builder().sendTimeout(Duration.ofMinutes(1)));
    SessionStore store = SessionStore.inMemory().build();
    store.subscribe(broadcaster::publish);
    RecordingClient fast = client("fast");
    RecordingClient slow = client("slow");
    RecordingClient late = client("late");
    broadcaster.register(fast);
    broadcaster.register(slow);
    if (!variant.publisherWaits()) {
      slow.stall();
    }

    for (int i = 0; i < 600; i++) {
      String id = "s" + (i % 12);
      if (i % 50 == 49) {
        store.remove(id);
      } else {
        int n = i;
        store.apply(id, state -> state.put("n", n).put("task", "x".repeat(40)));
      }
      if (i == 300) {
        broadcaster.register(late);
      }
      if (i % 20 == 19) {
        flush();
      }
    }
    slow.resume();
    flush();

    Map<String, Long> expected = versions(store.snapshot());
    assertThat(expected).as("12 sessions, the last one removed at i = 599").hasSize(11);
    assertThat(fast.view()).isEqualTo(expected);
    assertThat(late.view()).isEqualTo(expected);
    if (variant.disconnectsSlowClients()) {
      slow.assertClosed(CloseReason.TOO_SLOW);
    } else {
      slow.assertOpen();
      assertThat(slow.view()).isEqualTo(expected);
    }
    fast.assertOpen();
    late.assertOpen();
    BroadcastStats stats = broadcaster.stats();
    if (variant.isPaced()) {
      assertThat(stats.updatesDropped()).as("pacing coalesces; nothing overflows").isZero();
      assertThat(slow.types())
          .as("what the stalled client missed came as catch-ups, never as a resync")
          .filteredOn("initial_state"::equals)
          .hasSize(1);
    } else if (variant.policy == OverflowPolicy.CONFLATE) {
      assertThat(stats.updatesDropped()).as("the burst overflowed the slow client").isPositive();
    } else if (variant.policy == OverflowPolicy.DROP_AND_RESYNC) {
      assertThat(stats.resyncs()).as("the slow client was resynced").isPositive();
      assertThat(slow.types())
          .as("a second initial_state")
          .filteredOn("initial_state"::equals)
          .hasSizeGreaterThan(1);
    }
  }

  @ParameterizedTest
  @EnumSource(Variant.class)
  void listener_hearsEachDeliveryOfAnUpdate_withItsLatency_andNoControlFrame(Variant variant) {
    List<Long> delivered = new ArrayList<>();
    build(
        variant
            .builder()
            .listener(
                new BroadcastListener() {
                  @Override
                  public void delivered(long latencyNanos) {
                    synchronized (delivered) {
                      delivered.add(latencyNanos);
                    }
                  }
                }));
    RecordingClient a = client("a");
    RecordingClient b = client("b");
    broadcaster.register(a);
    broadcaster.register(b);
    broadcaster.onPing(a); // A pong: a control frame, not reported.
    assertThat(delivered).as("initial_state and pong are not deliveries").isEmpty();

    broadcaster.publish(update("s", 1));
    ticker.advance(Duration.ofMillis(7));
    flush();
    assertThat(delivered).as("one per client").hasSize(2);
    assertThat(delivered).allSatisfy(nanos -> assertThat(nanos).isNotNegative());
  }

  @ParameterizedTest
  @EnumSource(Variant.class)
  void publish_notNewerThanLastForItsSession_isDiscardedAndCounted(Variant variant) {
    build(variant);
    RecordingClient client = client("c1");
    broadcaster.register(client);

    broadcaster.publish(update("a", 5));
    flush();
    broadcaster.publish(update("a", 3));
    broadcaster.publish(update("a", 5));
    flush();

    assertThat(client.view()).containsExactly(Map.entry("a", 5L));
    assertThat(client.types()).containsExactly("initial_state", updateType(variant));
    BroadcastStats stats = broadcaster.stats();
    if (variant.isBatched()) {
      // v5 replaces v3 in the batch (coalesced); the flushed v5 equals the view's (stale).
      assertThat(stats.updatesCoalesced()).isEqualTo(1);
      assertThat(stats.staleUpdates()).isEqualTo(1);
    } else {
      assertThat(stats.staleUpdates()).isEqualTo(2);
    }
  }

  @ParameterizedTest
  @EnumSource(Variant.class)
  void tombstone_removesSession_andLateOlderUpdateCannotReviveIt(Variant variant) {
    build(variant);
    RecordingClient client = client("c1");
    broadcaster.register(client);

    broadcaster.publish(update("a", 1));
    flush();
    broadcaster.publish(SessionUpdate.tombstone("a", 2));
    flush();
    broadcaster.publish(update("a", 1));
    flush();

    assertThat(client.view()).isEmpty();
    RecordingClient later = client("c2");
    broadcaster.register(later);
    assertThat(later.view()).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(Variant.class)
  void manyClients_eachPublishIsEncodedOnce(Variant variant) {
    CountingCodec codec = new CountingCodec();
    build(variant.builder().codec(codec));
    for (int i = 0; i < 50; i++) {
      broadcaster.register(client("c" + i));
    }
    flush(); // Every client consumed its initial_state: all are idle.
    for (int i = 1; i <= 20; i++) {
      broadcaster.publish(update("s" + i, i));
      if ((variant.isBatched() && i % 5 == 0) || variant.isPaced()) {
        flush(); // Paced: each client consumes each update before the next comes.
      }
    }
    flush();

    int expectedFrames = variant.isBatched() ? 4 : 20;
    assertThat(codec.updates.get()).isEqualTo(expectedFrames);
    assertThat(codec.snapshots.get()).as("initial_state encoded once, cached").isEqualTo(1);
    assertThat(broadcaster.stats().framesEncoded()).isEqualTo(expectedFrames + 1);
    assertThat(broadcaster.stats().framesSent()).isEqualTo(50L * (expectedFrames + 1));
    for (RecordingClient client : clients) {
      assertThat(client.view()).hasSize(20);
    }
  }

  @ParameterizedTest
  @EnumSource(Variant.class)
  void close_twice_closesEveryClientOnceWithShutdown_thenRefusesWork(Variant variant) {
    build(variant);
    RecordingClient a = client("a");
    RecordingClient b = client("b");
    broadcaster.register(a);
    broadcaster.register(b);
    flush(); // Both consumed their initial_state.
    broadcaster.publish(update("s", 1));

    broadcaster.close();
    broadcaster.close();

    a.assertClosed(CloseReason.SHUTDOWN);
    b.assertClosed(CloseReason.SHUTDOWN);
    assertThat(a.view()).as("close flushed the pending batch first").containsEntry("s", 1L);
    assertThat(broadcaster.stats().clients()).isZero();
    assertThat(broadcaster.stats().closed(CloseReason.SHUTDOWN)).isEqualTo(2);
    assertThatThrownBy(() -> broadcaster.publish(update("s", 2)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    assertThatThrownBy(() -> broadcaster.register(client("c")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    assertThat(scheduler.pending()).as("no task left on the scheduler").isZero();
  }

  @ParameterizedTest
  @EnumSource(Variant.class)
  void unregister_dropsTheClient_withoutClosingIt(Variant variant) {
    build(variant);
    RecordingClient client = client("c1");
    broadcaster.register(client);
    assertThatThrownBy(() -> broadcaster.register(client))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("c1");

    broadcaster.unregister(client);
    broadcaster.unregister(client);
    broadcaster.publish(update("a", 1));
    flush();

    assertThat(client.types()).containsExactly("initial_state");
    client.assertOpen();
    assertThat(broadcaster.stats().clients()).isZero();
  }

  @ParameterizedTest
  @EnumSource(Variant.class)
  void ping_pongOvertakesQueuedUpdates(Variant variant) {
    if (variant.publisherWaits()) {
      return; // The sequential publisher waits for each send, so nothing ever queues.
    }
    build(variant);
    RecordingClient client = client("c1").stall();
    broadcaster.register(client); // initial_state is in flight and held.
    for (int i = 1; i <= 3; i++) {
      broadcaster.publish(update("a", i));
      flush();
    }
    broadcaster.onPing(client);
    client.resume();
    flush();

    assertThat(client.types()).startsWith("initial_state", "pong");
    assertThat(client.view()).containsEntry("a", 3L);
  }

  /**
   * The type of an update sent to a client that is still busy with its initial_state: a batch of
   * what it missed when batched or paced, else the update itself.
   */
  static String updateType(Variant variant) {
    return variant.isBatched() || variant.isPaced() ? "batch_update" : "session_update";
  }

  static SessionUpdate update(String id, long version) {
    ObjectNode state = new ObjectMapper().createObjectNode();
    state.put("n", version);
    return SessionUpdate.of(id, version, state);
  }

  static Map<String, Long> versions(Collection<SessionUpdate> updates) {
    Map<String, Long> versions = new HashMap<>();
    for (SessionUpdate update : updates) {
      versions.put(update.sessionId(), update.version());
    }
    return versions;
  }

  /** Counts encodes by kind, delegating to the JSON codec. */
  static final class CountingCodec implements MessageCodec {
    final MessageCodec json = MessageCodec.json();
    final AtomicInteger snapshots = new AtomicInteger();
    final AtomicInteger updates = new AtomicInteger();

    @Override
    public Frame initialState(Collection<SessionUpdate> sessions) {
      snapshots.incrementAndGet();
      return json.initialState(sessions);
    }

    @Override
    public Frame sessionUpdate(SessionUpdate update) {
      updates.incrementAndGet();
      return json.sessionUpdate(update);
    }

    @Override
    public Frame batchUpdate(Collection<SessionUpdate> batch) {
      updates.incrementAndGet();
      return json.batchUpdate(batch);
    }

    @Override
    public Frame pong() {
      return json.pong();
    }
  }
}
