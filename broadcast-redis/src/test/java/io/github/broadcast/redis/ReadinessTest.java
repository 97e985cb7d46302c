package io.github.broadcast.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** When a node may write, without Redis: the rounds, the race with a loss, waiters and close. */
final class ReadinessTest {

  private final ScheduledExecutorService background = Executors.newSingleThreadScheduledExecutor();
  private final AtomicInteger rounds = new AtomicInteger();
  private final Readiness readiness = new Readiness(background, rounds::incrementAndGet);

  @AfterEach
  void stop() {
    background.shutdownNow();
  }

  private static IllegalStateException refused() {
    return new IllegalStateException("refused");
  }

  @Test
  void aRoundThatALossOvertook_doesNotMakeTheNodeReady() {
    readiness.subscribed(true);
    long token = readiness.beginRecovery();
    assertThat(token).isNotNegative();

    readiness.lost(); // While the round reconciles.

    assertThat(readiness.endRecovery(token)).isFalse();
    assertThat(readiness.isReady()).isFalse();
    long next = readiness.beginRecovery();
    assertThat(readiness.endRecovery(next)).isTrue();
    assertThat(readiness.isReady()).isTrue();
  }

  @Test
  void subscriptionDown_thenTheLoss_isReportedOnceAsTheLossOfAReadyNode() {
    readiness.subscribed(true);
    readiness.endRecovery(readiness.beginRecovery());
    readiness.subscribed(false);
    assertThat(readiness.lost()).as("the loss of a ready node: counted and logged").isTrue();
    assertThat(readiness.lost()).isFalse();
    assertThat(readiness.beginRecovery()).as("no round until subscribed again").isNegative();
  }

  @Test
  void notSubscribed_noRoundRuns_andTheNodeStaysNotReady() {
    assertThat(readiness.beginRecovery()).isNegative();
    readiness.subscribed(true);
    readiness.subscribed(false);
    assertThat(readiness.beginRecovery()).isNegative();
    assertThat(readiness.isReady()).isFalse();
  }

  @Test
  void waiters_areReleasedWhenReady_orRefusedAfterTheirPatience() {
    readiness.subscribed(true);
    CompletableFuture<Void> patient =
        readiness.whenReady(Duration.ofMinutes(1), ReadinessTest::refused);
    CompletableFuture<Void> impatient = readiness.whenReady(Duration.ZERO, ReadinessTest::refused);

    assertThat(impatient).isCompletedExceptionally();
    assertThat(patient).isNotDone();
    readiness.endRecovery(readiness.beginRecovery());
    assertThat(patient).isCompleted();
    assertThat(readiness.whenReady(Duration.ZERO, ReadinessTest::refused)).isCompleted();
  }

  @Test
  void close_failsEveryWaiterAndEveryDelay_soNoWriteWaitsOnATimerThatWillNotRun() {
    CompletableFuture<Void> waiter =
        readiness.whenReady(Duration.ofMinutes(1), ReadinessTest::refused);
    CompletableFuture<Void> delay = readiness.delay(Duration.ofMinutes(1), ReadinessTest::refused);

    readiness.close(ReadinessTest::refused);
    background.shutdownNow(); // As the store does next: queued timers are dropped.

    assertThatThrownBy(waiter::join)
        .isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(IllegalStateException.class);
    assertThatThrownBy(delay::join)
        .isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(IllegalStateException.class);
    assertThat(readiness.delay(Duration.ofMillis(1), ReadinessTest::refused))
        .isCompletedExceptionally();
    assertThatThrownBy(() -> readiness.await(Duration.ofMinutes(1), ReadinessTest::refused))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aLossSchedulesOneRound_andFailedRoundsBackOff() throws Exception {
    readiness.subscribed(true); // Schedules a round.
    readiness.lost();
    readiness.lost(); // Still one pending.
    background.submit(() -> {}).get(); // Let the scheduled round run.
    assertThat(rounds.get()).isEqualTo(1);
  }
}
