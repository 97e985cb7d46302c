package io.github.broadcast;

import static io.github.broadcast.BroadcasterContractTest.update;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.broadcast.testing.FakeTicker;
import io.github.broadcast.testing.ManualScheduler;
import io.github.broadcast.testing.RecordingClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Heartbeats, the silence rule, and the slow-broadcast warning. */
final class LivenessTest {

  private final FakeTicker ticker = new FakeTicker();
  private final ManualScheduler scheduler = new ManualScheduler(ticker);
  private final RecordingClient client = new RecordingClient("c1");
  private final RecordingClient other = new RecordingClient("c2");
  private final List<String> slowBroadcasts = new ArrayList<>();
  private final BroadcastListener listener =
      new BroadcastListener() {
        @Override
        public void slowBroadcast(String slowestClientId, Duration took, int clients) {
          slowBroadcasts.add(slowestClientId + " " + took.toMillis() + "ms " + clients);
        }
      };
  private Broadcaster broadcaster;

  private Broadcaster build(Broadcasters.Builder builder) {
    broadcaster = builder.ticker(ticker).scheduler(scheduler).listener(listener).build();
    broadcaster.register(client);
    broadcaster.register(other);
    return broadcaster;
  }

  @AfterEach
  void tearDown() {
    broadcaster.close();
    client.assertConsistent();
  }

  @Test
  void heartbeat_pingsEveryClientOnTheInterval() {
    build(Broadcasters.newBuilder().heartbeat(Duration.ofSeconds(15), Duration.ofSeconds(45)));
    scheduler.advance(Duration.ofSeconds(14));
    assertThat(client.pings()).isZero();
    scheduler.advance(Duration.ofSeconds(2));
    assertThat(client.pings()).isEqualTo(1);
    broadcaster.onPong(client);
    scheduler.advance(Duration.ofSeconds(15));
    assertThat(client.pings()).isEqualTo(2);
    assertThat(other.pings()).isEqualTo(2);
  }

  @Test
  void silentClient_isClosedAsUnresponsive_afterTheSilenceTimeout_whileAnsweringOnesStay() {
    build(Broadcasters.newBuilder().heartbeat(Duration.ofSeconds(15), Duration.ofSeconds(30)));
    for (int second = 0; second < 29; second++) {
      scheduler.advance(Duration.ofSeconds(1));
      broadcaster.onPong(other);
    }
    client.assertOpen();
    for (int second = 0; second < 3; second++) {
      scheduler.advance(Duration.ofSeconds(1));
      broadcaster.onPong(other);
    }
    client.assertClosed(CloseReason.UNRESPONSIVE);
    other.assertOpen();
    assertThat(broadcaster.stats().closed(CloseReason.UNRESPONSIVE)).isEqualTo(1);
  }

  @Test
  void aClientTheServerIsBehindOn_isNotClosedAsUnresponsive_butJudgedByItsOwnPaceAfterwards() {
    build(
        Broadcasters.newBuilder()
            .sendTimeout(Duration.ofSeconds(20))
            .heartbeat(Duration.ofSeconds(1), Duration.ofSeconds(3)));
    client.stall(); // A send of ours in flight: the server is behind on this client.
    broadcaster.publish(update("a", 1));
    broadcaster.publish(update("a", 2));
    for (int second = 0; second < 10; second++) {
      scheduler.advance(Duration.ofSeconds(1));
      broadcaster.onPong(other);
    }
    client.assertOpen(); // Silent for 10 s, but no ping of ours could reach it.
    assertThat(client.pings()).isZero();

    client.resume(); // Caught up: the owed ping goes out at once; now it must answer.
    assertThat(client.pings()).isEqualTo(1);
    // The sends that waited and then completed were its last sign of life; silent from there.
    for (int second = 0; second < 4; second++) {
      scheduler.advance(Duration.ofSeconds(1));
      broadcaster.onPong(other);
    }
    client.assertClosed(CloseReason.UNRESPONSIVE);
    other.assertOpen();
  }

  @Test
  void aClientTakingAWaitingBacklog_isNotUnresponsive_butSendsCompletedAtOnceProveNothing() {
    build(
        Broadcasters.newBuilder()
            .sendTimeout(Duration.ofSeconds(20))
            .heartbeat(Duration.ofSeconds(1), Duration.ofSeconds(3)));
    long version = 0;
    // Never a pong, but every second the socket drains: sends wait, then complete.
    for (int second = 0; second < 20; second++) {
      client.stall();
      broadcaster.publish(update("a", ++version));
      broadcaster.publish(update("a", ++version));
      scheduler.advance(Duration.ofSeconds(1));
      broadcaster.onPong(other);
      client.resume();
    }
    client.assertOpen(); // 20 s without a pong, three times the silence timeout.
    assertThat(client.pings()).isPositive();

    // Now every send completes at once (a buffer with room, a dead peer's even): still no pong.
    for (int second = 0; second < 5; second++) {
      broadcaster.publish(update("a", ++version));
      scheduler.advance(Duration.ofSeconds(1));
      broadcaster.onPong(other);
    }
    client.assertClosed(CloseReason.UNRESPONSIVE);
    other.assertOpen();
  }

  @Test
  void aClientThatAnswersAfterCatchingUp_staysOpen() {
    build(
        Broadcasters.newBuilder()
            .sendTimeout(Duration.ofSeconds(20))
            .heartbeat(Duration.ofSeconds(1), Duration.ofSeconds(3)));
    client.stall();
    broadcaster.publish(update("a", 1));
    scheduler.advance(Duration.ofSeconds(8));
    client.resume();
    for (int second = 0; second < 10; second++) {
      scheduler.advance(Duration.ofSeconds(1));
      broadcaster.onPong(client);
      broadcaster.onPong(other);
    }
    client.assertOpen();
    assertThat(client.view()).containsEntry("a", 1L);
  }

  @Test
  void textPing_countsAsASignOfLife_andIsAnswered() {
    build(Broadcasters.newBuilder().heartbeat(Duration.ofSeconds(15), Duration.ofSeconds(30)));
    for (int i = 0; i < 12; i++) {
      scheduler.advance(Duration.ofSeconds(10));
      broadcaster.onPing(client);
      broadcaster.onPong(other);
    }
    client.assertOpen();
    assertThat(client.types()).filteredOn("pong"::equals).hasSize(12);
  }

  @Test
  void heartbeat_isOffByDefault() {
    build(Broadcasters.newBuilder());
    scheduler.advance(Duration.ofMinutes(10));
    assertThat(client.pings()).isZero();
    client.assertOpen();
  }

  @Test
  void slowBroadcast_warnsOnce_namingTheSlowestClient() {
    build(Broadcasters.newBuilder());
    client.stall();
    broadcaster.publish(update("a", 1));
    ticker.advance(Duration.ofMillis(150));
    assertThat(slowBroadcasts).as("not complete yet").isEmpty();
    client.completeNext();

    assertThat(slowBroadcasts).containsExactly("c1 150ms 2");
    client.resume();
    broadcaster.publish(update("a", 2));
    assertThat(slowBroadcasts).as("a fast broadcast is not reported").hasSize(1);
  }

  @Test
  void slowBroadcastThreshold_isConfigurable() {
    build(Broadcasters.newBuilder().slowBroadcastThreshold(Duration.ofSeconds(1)));
    client.stall();
    broadcaster.publish(update("a", 1));
    ticker.advance(Duration.ofMillis(900));
    client.completeNext();
    assertThat(slowBroadcasts).isEmpty();
  }
}
