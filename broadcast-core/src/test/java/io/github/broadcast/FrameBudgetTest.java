package io.github.broadcast;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The server-wide guard's controller and tokens, with the load and the time given by the test. */
final class FrameBudgetTest {

  private static final long S = TimeUnit.SECONDS.toNanos(1);
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  private double load;
  private final FrameBudget budget = new FrameBudget(() -> load);

  /** Starts {@code frames} frames at {@code nanos}; returns how many got a token. */
  private int start(int frames, long nanos) {
    int taken = 0;
    for (int i = 0; i < frames; i++) {
      if (budget.tryTake(nanos)) {
        taken++;
      }
    }
    return taken;
  }

  @Test
  void off_untilTheMachineIsSaturated_everyFrameGoes() {
    load = 0.89;
    assertThat(start(5_000, 0)).isEqualTo(5_000);
    budget.adjust(S, S, 100);
    assertThat(budget.limited()).isFalse();
    assertThat(start(5_000, S)).isEqualTo(5_000);
  }

  @Test
  void saturated_limitsToThreeQuartersOfWhatWasStarted_andTokensAccrueAtThatRate() {
    load = 0.95;
    start(4_000, 0); // 4,000 frames in the last second.
    budget.adjust(S, S, 100);
    assertThat(budget.limitPerSecond()).isEqualTo(3_000);

    assertThat(start(10, S)).as("no token has accrued yet").isZero();
    assertThat(start(1_000, S + 100 * MS))
        .as("a tenth of a second: 300 tokens, a tenth of the limit at most")
        .isEqualTo(300);
    assertThat(start(1_000, S + 10 * S))
        .as("however long it waited, no more than a tenth of a second's burst")
        .isEqualTo(300);
    assertThat(budget.waits()).isPositive();
  }

  @Test
  void saturatedAgain_limitsBelowWhatTheLimitLetThrough() {
    load = 0.95;
    start(4_000, 0);
    budget.adjust(S, S, 100);
    start(3_000, 2 * S); // Whatever accrued: at most 300.
    budget.adjust(S, 2 * S, 100);
    assertThat(budget.limitPerSecond()).isEqualTo(225); // Three quarters of 300.
  }

  @Test
  void theFloor_isAFrameASecondPerClient() {
    load = 1.0;
    start(10, 0);
    budget.adjust(S, S, 1_000);
    assertThat(budget.limitPerSecond()).isEqualTo(1_000);
  }

  /** Demand beyond the limit for one second from {@code from}: every 10 ms, more than it lets. */
  private void saturate(long from) {
    for (long t = from; t < from + S; t += 10 * MS) {
      start(1_000, t);
    }
  }

  @Test
  void relieved_theLimitGrowsByAQuarter_andGoesOffOnceItNoLongerBinds() {
    load = 0.95;
    start(4_000, 0);
    budget.adjust(S, S, 100); // 3,000 a second.
    load = 0.80;
    saturate(S);
    budget.adjust(S, 2 * S, 100);
    assertThat(budget.limitPerSecond()).as("between LOW and HIGH: held").isEqualTo(3_000);
    load = 0.50;
    saturate(2 * S);
    budget.adjust(S, 3 * S, 100);
    assertThat(budget.limitPerSecond()).isEqualTo(3_750);
    budget.adjust(S, 4 * S, 100); // Nothing asked for: the limit no longer binds.
    assertThat(budget.limited()).isFalse();
  }
}
