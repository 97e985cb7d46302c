package io.github.broadcast;

import static io.github.broadcast.BroadcasterContractTest.update;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.broadcast.testing.FakeTicker;
import io.github.broadcast.testing.ManualScheduler;
import io.github.broadcast.testing.RecordingClient;
import java.time.Duration;
import org.junit.jupiter.api.Test;

final class StatsRecorderTest {

  @Test
  void stats_countPublishesFramesBytesDropsClosesAndQueuedBytes() {
    FakeTicker ticker = new FakeTicker();
    ManualScheduler scheduler = new ManualScheduler(ticker);
    Broadcaster broadcaster =
        Broadcasters.Preset.BACKPRESSURE
            .newBuilder()
            .outboxLimits(new OutboxLimits(300, 2, Duration.ofSeconds(30)))
            .overflowPolicy(OverflowPolicy.DROP_AND_RESYNC)
            .ticker(ticker)
            .scheduler(scheduler)
            .build();
    RecordingClient fast = new RecordingClient("fast");
    RecordingClient slow = new RecordingClient("slow");
    broadcaster.register(fast);
    broadcaster.register(slow);
    slow.stall();

    broadcaster.publish(update("a", 1)); // In flight to slow.
    ticker.advance(Duration.ofMillis(3));
    broadcaster.publish(update("a", 2)); // Queued for slow.
    BroadcastStats queued = broadcaster.stats();
    assertThat(queued.queuedBytes()).isEqualTo(frameBytes(update("a", 2)));
    for (int v = 3; v <= 6; v++) {
      broadcaster.publish(update("a", v)); // Overflow: dropped, resync owed.
    }

    BroadcastStats stats = broadcaster.stats();
    assertThat(stats.clients()).isEqualTo(2);
    assertThat(stats.published()).isEqualTo(6);
    assertThat(stats.updatesDropped()).isEqualTo(5);
    assertThat(stats.queuedBytes()).isZero();
    // 1 initial_state + 6 updates encoded; fast got 7 frames, slow 2 so far.
    assertThat(stats.framesEncoded()).isEqualTo(7);
    assertThat(stats.framesSent()).isEqualTo(8);
    long fastBytes = fast.frames().stream().mapToLong(f -> Frame.of(f).bytes()).sum();
    long slowBytes = Frame.of(slow.frames().get(0)).bytes();
    assertThat(stats.bytesSent()).isEqualTo(fastBytes + slowBytes);
    assertThat(stats.latencyMax()).as("fast sends complete at once").isZero();

    slow.completeNext(); // v1 completes 3 ms late; then the resync goes out.
    stats = broadcaster.stats();
    assertThat(stats.latencyMax()).isBetween(Duration.ofMillis(3), Duration.ofMillis(4));
    assertThat(stats.resyncs()).isEqualTo(1);
    assertThat(stats.closedTotal()).isZero();

    broadcaster.close();
    assertThat(broadcaster.stats().closed(CloseReason.SHUTDOWN)).isEqualTo(2);
    assertThat(broadcaster.stats().closedTotal()).isEqualTo(2);
  }

  private static long frameBytes(SessionUpdate update) {
    return MessageCodec.json().sessionUpdate(update).bytes();
  }
}
