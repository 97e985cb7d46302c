package io.github.broadcast;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.broadcast.testing.FakeTicker;
import io.github.broadcast.testing.ManualScheduler;
import io.github.broadcast.testing.RecordingClient;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/** Bounded outboxes: a stalled client costs at most its limit and never a stale view. */
final class BackpressureBroadcasterTest {

  private static final ObjectMapper mapper = new ObjectMapper();
  private static final OutboxLimits LIMITS = new OutboxLimits(4 * 1024, 64, Duration.ofSeconds(30));

  private final FakeTicker ticker = new FakeTicker();
  private final ManualScheduler scheduler = new ManualScheduler(ticker);
  private final RecordingClient stalled = new RecordingClient("stalled");
  private final RecordingClient healthy = new RecordingClient("healthy").expectConsecutive();
  private final Map<String, Long> versions = new HashMap<>();
  private FanoutBroadcaster broadcaster;

  private FanoutBroadcaster build(OverflowPolicy policy, OutboxLimits limits) {
    broadcaster =
        (FanoutBroadcaster)
            Broadcasters.Preset.BACKPRESSURE
                .newBuilder()
                .outboxLimits(limits)
                .overflowPolicy(policy)
                .ticker(ticker)
                .scheduler(scheduler)
                .build();
    broadcaster.register(stalled);
    broadcaster.register(healthy);
    stalled.stall();
    return broadcaster;
  }

  @AfterEach
  void tearDown() {
    if (broadcaster != null) {
      broadcaster.close();
    }
    stalled.assertConsistent();
    healthy.assertConsistent();
  }

  /** Publishes the next version of {@code sessionId}, with a task description of some size. */
  private void publish(String sessionId, int taskBytes) {
    long version = versions.merge(sessionId, 1L, Long::sum);
    ObjectNode state = mapper.createObjectNode();
    state.put("status", "working");
    state.put("task", "t".repeat(taskBytes));
    broadcaster.publish(SessionUpdate.of(sessionId, version, state));
  }

  @ParameterizedTest
  @EnumSource(OverflowPolicy.class)
  void stalledClient_queuedBytesNeverPassTheLimit_whateverIsPublished(OverflowPolicy policy) {
    build(policy, LIMITS);
    long most = 0;
    for (int i = 0; i < 5_000; i++) {
      publish("s" + (i % 200), (i * 37) % 1_500);
      long queued = broadcaster.queuedBytes(stalled);
      most = Math.max(most, queued);
      assertThat(queued)
          .as("bytes queued for the stalled client after publish %d", i)
          .isLessThanOrEqualTo(LIMITS.maxBytes());
    }
    assertThat(most)
        .as("the limit was reached, so the check meant something")
        .isGreaterThan(LIMITS.maxBytes() / 2);
    assertThat(healthy.view()).isEqualTo(versions);
    healthy.assertOpen();
    if (policy == OverflowPolicy.DISCONNECT) {
      stalled.assertClosed(CloseReason.TOO_SLOW);
      assertThat(broadcaster.stats().closed(CloseReason.TOO_SLOW)).isEqualTo(1);
    } else {
      stalled.assertOpen();
      assertThat(broadcaster.stats().clientsBehind()).as("the stalled one").isEqualTo(1);
      stalled.resume();
      assertThat(stalled.view()).isEqualTo(versions);
      assertThat(broadcaster.stats().updatesDropped()).isPositive();
      assertThat(broadcaster.stats().clientsBehind()).isZero();
    }
  }

  @Test
  void conflate_stalledThenResumed_sendsOnlyTheLatestPerSession_andConverges() {
    build(OverflowPolicy.CONFLATE, LIMITS);
    for (int i = 0; i < 2_000; i++) {
      publish("s" + (i % 10), 200);
    }
    int framesBefore = stalled.types().size();
    stalled.resume();

    assertThat(stalled.view()).isEqualTo(versions);
    // The held send, the frames queued before the overflow, then one catch-up of 10 sessions.
    assertThat(stalled.types().subList(framesBefore, stalled.types().size()))
        .endsWith("batch_update")
        .doesNotContain("initial_state");
    assertThat(stalled.session("s3").path("task").asString()).hasSize(200);
  }

  @Test
  void dropAndResync_stalledThenResumed_receivesAFreshSnapshot_andConverges() {
    build(OverflowPolicy.DROP_AND_RESYNC, LIMITS);
    for (int i = 0; i < 2_000; i++) {
      publish("s" + (i % 10), 200);
    }
    stalled.resume();
    publish("s1", 10);

    assertThat(stalled.view()).isEqualTo(versions);
    assertThat(stalled.types()).filteredOn("initial_state"::equals).hasSize(2);
    assertThat(stalled.types()).last().isEqualTo("session_update");
    assertThat(broadcaster.stats().resyncs()).isEqualTo(1);
  }

  @Test
  void conflate_theLatestOfEverySessionOverTheLimit_stillComesAsOneCatchUp_noResync() {
    build(OverflowPolicy.CONFLATE, new OutboxLimits(1024, 64, Duration.ofSeconds(30)));
    for (int i = 0; i < 100; i++) {
      publish("s" + i, 100); // 100 sessions of ~150 bytes: the latest of each is ~15 KiB.
    }
    assertThat(broadcaster.queuedBytes(stalled))
        .as("behind, it holds a cursor, not the updates")
        .isLessThanOrEqualTo(1024);
    stalled.resume();

    assertThat(stalled.view()).isEqualTo(versions);
    assertThat(broadcaster.stats().resyncs()).isZero();
    assertThat(stalled.types()).last().isEqualTo("batch_update");
  }

  @Test
  void behindForLongerThanTheGracePeriod_isClosedAsTooSlow() {
    build(OverflowPolicy.CONFLATE, LIMITS.withGrace(Duration.ofSeconds(10)));
    for (int i = 0; i < 500; i++) {
      publish("s" + (i % 10), 200);
    }
    scheduler.advance(Duration.ofSeconds(9));
    stalled.assertOpen();
    scheduler.advance(Duration.ofSeconds(2));
    stalled.assertClosed(CloseReason.TOO_SLOW);
    assertThat(broadcaster.stats().queuedBytes()).isZero();
    assertThat(broadcaster.stats().clients()).isEqualTo(1);
  }

  @Test
  void sendInFlightLongerThanTheGracePeriod_isClosedEvenWithoutAnOverflow() {
    build(OverflowPolicy.CONFLATE, LIMITS);
    publish("s", 10); // One frame in flight, nothing queued: never over the limit.

    scheduler.advance(Duration.ofSeconds(29));
    stalled.assertOpen();
    scheduler.advance(Duration.ofSeconds(2));
    stalled.assertClosed(CloseReason.SEND_TIMEOUT);
  }

  @Test
  void controlFrames_areNeverDropped_byAnOverflow() {
    build(OverflowPolicy.DROP_AND_RESYNC, LIMITS);
    for (int i = 0; i < 1_000; i++) {
      publish("s" + (i % 10), 200);
      if (i % 100 == 0) {
        broadcaster.onPing(stalled);
      }
    }
    stalled.resume();

    assertThat(stalled.types()).as("one pong owed, however many pings").containsOnlyOnce("pong");
    assertThat(stalled.types().indexOf("pong"))
        .as("the pong is sent right after the held frame")
        .isEqualTo(2);
    assertThat(stalled.view()).isEqualTo(versions);
  }

  @Test
  void maxFrames_boundsTheQueueToo() {
    build(OverflowPolicy.CONFLATE, new OutboxLimits(1 << 20, 4, Duration.ofSeconds(30)));
    for (int i = 0; i < 6; i++) {
      publish("s" + i, 1);
    }
    assertThat(broadcaster.stats().updatesDropped()).as("no session was replaced yet").isZero();
    stalled.resume();
    assertThat(stalled.types()).containsExactly("initial_state", "session_update", "batch_update");
    assertThat(stalled.view()).isEqualTo(versions);
  }
}
