package io.github.broadcast;

import static io.github.broadcast.BroadcasterContractTest.update;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.broadcast.testing.FakeTicker;
import io.github.broadcast.testing.ManualScheduler;
import io.github.broadcast.testing.RecordingClient;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The baseline's problem, as a test: one slow client holds back every client after it. */
@Timeout(30) // A guard against a hang, not a speed assertion.
final class SequentialBroadcasterTest {

  private final FakeTicker ticker = new FakeTicker();
  private final ManualScheduler scheduler = new ManualScheduler(ticker);
  private final ExecutorService publisher = Executors.newSingleThreadExecutor();
  private final Broadcaster broadcaster =
      Broadcasters.Preset.SEQUENTIAL.newBuilder().ticker(ticker).scheduler(scheduler).build();
  private final RecordingClient slow = new RecordingClient("slow");
  private final RecordingClient next = new RecordingClient("next");

  @AfterEach
  void tearDown() {
    broadcaster.close();
    publisher.shutdownNow();
    slow.assertConsistent();
    next.assertConsistent();
  }

  /** Registers both clients, stalls the first, and publishes on another thread. */
  private CompletableFuture<Void> publishBehindStalledClient() {
    broadcaster.register(slow);
    broadcaster.register(next);
    slow.stall();
    CompletableFuture<Void> published =
        CompletableFuture.runAsync(() -> broadcaster.publish(update("a", 1)), publisher);
    await().until(() -> slow.held() == 1);
    return published;
  }

  @Test
  void publish_slowFirstClient_delaysTheNextUntilItsSendCompletes() {
    CompletableFuture<Void> published = publishBehindStalledClient();

    // The publisher is parked on the slow client's send: the next client has nothing yet.
    assertThat(published).isNotDone();
    assertThat(next.types()).containsExactly("initial_state");

    slow.completeNext();
    published.join();
    assertThat(next.types()).containsExactly("initial_state", "session_update");
  }

  @Test
  void publish_stalledClient_isClosedAtTheSendTimeout_thenTheOthersReceive() {
    CompletableFuture<Void> published = publishBehindStalledClient();
    scheduler.advance(Duration.ofSeconds(4));
    assertThat(published).isNotDone();

    scheduler.advance(Duration.ofSeconds(2)); // Past the 5 s send timeout.
    published.join();
    slow.assertClosed(CloseReason.SEND_TIMEOUT);
    assertThat(next.view()).containsEntry("a", 1L);
    assertThat(broadcaster.stats().closed(CloseReason.SEND_TIMEOUT)).isEqualTo(1);
  }
}
