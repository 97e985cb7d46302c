package io.github.broadcast.examples.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

final class StalenessTest {

  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  private final Staleness.SendLog log = new Staleness.SendLog(2, 20);
  private final StalenessHistograms histograms = new StalenessHistograms(3);
  private final Histogram histogram = histograms.overall;
  private final Staleness staleness = new Staleness(log, histograms);

  @BeforeEach
  void sendTenEventsToSessionZero_measuredFromTheFirst() {
    log.measureFrom(0, 1);
    log.measureFrom(1, 1);
    for (int k = 1; k <= 10; k++) {
      log.sent(0, k, k * 100 * MS); // Event k sent at k x 100 ms.
    }
  }

  @Test
  void everyUpdateSent_eachEventMeasuredAgainstItsOwnSendTime() {
    for (int k = 1; k <= 10; k++) {
      staleness.holds(0, k, k * 100 * MS + 5 * MS);
    }

    assertThat(histogram.getTotalCount()).isEqualTo(10);
    assertThat(histogram.getMinValue()).isCloseTo(5 * MS, within());
    assertThat(histogram.getMaxValue()).isCloseTo(5 * MS, within());
  }

  @Test
  void coalescedUpdate_jumpingFromFourToTen_recordsFiveToTenEachAgainstItsOwnSendTime() {
    staleness.holds(0, 4, 400 * MS); // Events 1..4, the 4th on time.
    histogram.reset();

    staleness.holds(0, 10, 1_050 * MS); // One batch brings counts 5..10.

    assertThat(histogram.getTotalCount()).isEqualTo(6);
    assertThat(histogram.getMinValue()).isCloseTo(50 * MS, within()); // Event 10, sent at 1,000.
    assertThat(histogram.getMaxValue()).isCloseTo(550 * MS, within()); // Event 5, sent at 500.
  }

  @Test
  void repeatedOrOlderCount_afterAResync_recordsNothingNew() {
    staleness.holds(0, 6, 700 * MS);
    long recorded = histogram.getTotalCount();

    staleness.holds(0, 6, 900 * MS); // Same count again (an initial_state after a resync).
    staleness.holds(0, 3, 900 * MS);

    assertThat(histogram.getTotalCount()).isEqualTo(recorded);
    assertThat(staleness.held(0)).isEqualTo(6);
  }

  @Test
  void eventsBeforeTheMeasurementWindow_areNotRecorded() {
    log.measureFrom(0, 8); // The window opened when 7 events had been sent.

    staleness.holds(0, 10, 1_000 * MS);

    assertThat(histogram.getTotalCount()).isEqualTo(3); // Events 8, 9 and 10.
  }

  @Test
  void windowNotYetOpen_recordsNothing_butTheClientStillHoldsTheCount() {
    Staleness.SendLog unopened = new Staleness.SendLog(1, 5);
    unopened.sent(0, 1, MS);
    Staleness warmingUp = new Staleness(unopened, histograms);

    warmingUp.holds(0, 1, 2 * MS);

    assertThat(histogram.getTotalCount()).isZero();
    assertThat(warmingUp.held(0)).isEqualTo(1);
  }

  @Test
  void countsPastThePlannedEvents_areIgnored_sessionsAreApart() {
    staleness.holds(0, 50, 2_000 * MS); // 50 > the 20 planned; only the 10 sent are measured.
    staleness.holds(1, 3, 2_000 * MS); // Session 1 sent nothing: nothing to measure.

    assertThat(histogram.getTotalCount()).isEqualTo(10);
    assertThat(staleness.held(1)).isEqualTo(3);
  }

  private static Percentage within() {
    return Percentage.withPercentage(0.1); // The histogram's 3 digits.
  }

  @Test
  void finish_recordsEveryEventNeverReceived_asStaleUntilTheEnd() {
    staleness.holds(0, 7, 705 * MS); // Events 1..7 received; 8, 9, 10 never arrive.
    histogram.reset();

    long censored = staleness.finish(2_000 * MS);

    assertThat(censored).isEqualTo(3);
    assertThat(histogram.getTotalCount()).isEqualTo(3);
    assertThat(histogram.getMinValue()).isCloseTo(1_000 * MS, within()); // Event 10.
    assertThat(histogram.getMaxValue()).isCloseTo(1_200 * MS, within()); // Event 8.
    assertThat(staleness.finish(3_000 * MS)).as("once only").isZero();
  }

  @Test
  void finish_afterEverythingArrived_recordsNothing() {
    staleness.holds(0, 10, 1_010 * MS);

    assertThat(staleness.finish(5_000 * MS)).isZero();
  }
}
