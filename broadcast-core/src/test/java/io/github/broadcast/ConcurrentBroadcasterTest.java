package io.github.broadcast;

import static io.github.broadcast.BroadcasterContractTest.update;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.broadcast.testing.FakeTicker;
import io.github.broadcast.testing.ManualScheduler;
import io.github.broadcast.testing.RecordingClient;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Every send starts at once; a late or failed client is closed and the others never wait. */
@Timeout(30) // A guard against a hang, not a speed assertion.
final class ConcurrentBroadcasterTest {

  private final FakeTicker ticker = new FakeTicker();
  private final ManualScheduler scheduler = new ManualScheduler(ticker);
  private final Broadcaster broadcaster =
      Broadcasters.Preset.CONCURRENT.newBuilder().ticker(ticker).scheduler(scheduler).build();
  private final RecordingClient stalled = new RecordingClient("stalled");
  private final RecordingClient a = new RecordingClient("a");
  private final RecordingClient b = new RecordingClient("b");

  @AfterEach
  void tearDown() {
    broadcaster.close();
    stalled.assertConsistent();
    a.assertConsistent();
    b.assertConsistent();
  }

  @Test
  void neverCompletingSend_delaysNoOne_andIsClosedAtTheTimeout() {
    broadcaster.register(stalled);
    broadcaster.register(a);
    broadcaster.register(b);
    stalled.stall();

    for (int i = 1; i <= 10; i++) {
      broadcaster.publish(update("s", i)); // Returns at once although one client is stalled.
    }
    assertThat(a.view()).containsEntry("s", 10L);
    assertThat(b.view()).containsEntry("s", 10L);
    assertThat(stalled.held()).isEqualTo(1);

    scheduler.advance(Duration.ofSeconds(4));
    stalled.assertOpen();
    // Closed at the first sweep after 5 s; the sweep runs every second.
    scheduler.advance(Duration.ofSeconds(2));
    stalled.assertClosed(CloseReason.SEND_TIMEOUT);
    assertThat(broadcaster.stats().clients()).isEqualTo(2);
    assertThat(broadcaster.stats().queuedBytes()).isZero();

    broadcaster.publish(update("s", 11));
    assertThat(a.view()).containsEntry("s", 11L);
    assertThat(stalled.types()).as("nothing more after the close").hasSize(2);
  }

  @Test
  void failingSend_removesThatClient_andTheOthersKeepReceiving() {
    broadcaster.register(stalled);
    broadcaster.register(a);
    stalled.failSends();

    broadcaster.publish(update("s", 1));
    broadcaster.publish(update("s", 2));

    stalled.assertClosed(CloseReason.SEND_FAILED);
    assertThat(a.view()).containsEntry("s", 2L);
    assertThat(broadcaster.stats().clients()).isEqualTo(1);
    assertThat(broadcaster.stats().closed(CloseReason.SEND_FAILED)).isEqualTo(1);
  }

  @Test
  void sendThatThrows_isTreatedAsAFailedSend() {
    Client throwing =
        new Client() {
          @Override
          public String id() {
            return "throwing";
          }

          @Override
          public CompletionStage<Void> send(Frame frame) {
            throw new IllegalStateException("socket gone");
          }

          @Override
          public void close(CloseReason reason) {}
        };
    broadcaster.register(throwing);
    broadcaster.register(a);
    broadcaster.publish(update("s", 1));

    assertThat(broadcaster.stats().closed(CloseReason.SEND_FAILED)).isEqualTo(1);
    assertThat(a.view()).containsEntry("s", 1L);
  }

  @Test
  void sendTimeout_isConfigurable() {
    Broadcaster quick =
        Broadcasters.newBuilder()
            .sendTimeout(Duration.ofMillis(200))
            .ticker(ticker)
            .scheduler(scheduler)
            .build();
    RecordingClient client = new RecordingClient("client");
    quick.register(client.stall());
    scheduler.advance(Duration.ofMillis(150));
    client.assertOpen();
    scheduler.advance(Duration.ofMillis(150));
    client.assertClosed(CloseReason.SEND_TIMEOUT);
    quick.close();
  }
}
