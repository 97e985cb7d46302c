package io.github.broadcast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The latency histogram behind {@link BroadcastStats}: its precision, its edges and its threads.
 */
final class LatencyHistogramTest {

  @Test
  void empty_readsZero() {
    LatencyHistogram histogram = new LatencyHistogram();
    assertThat(histogram.valueAt(50)).isZero();
    assertThat(histogram.valueAt(99)).isZero();
    assertThat(histogram.max()).isZero();
  }

  @Test
  void everyBucket_holdsExactlyTheValuesThatMapToIt_andIsAtMostOnePercentWide() {
    for (int i = 0; i <= LatencyHistogram.index(LatencyHistogram.MAX_NANOS); i++) {
      long high = LatencyHistogram.highestIn(i);
      assertThat(LatencyHistogram.index(high)).as("bucket %d's top", i).isEqualTo(i);
      assertThat(LatencyHistogram.index(high + 1)).as("past bucket %d", i).isEqualTo(i + 1);
      long low = i == 0 ? 0 : LatencyHistogram.highestIn(i - 1) + 1;
      assertThat((double) (high - low)).as("bucket %d's width", i).isLessThanOrEqualTo(low / 128.0);
    }
  }

  @Test
  void percentiles_areNeverBelowTheTrueValue_andAtMostOnePercentAbove() {
    SplittableRandom random = new SplittableRandom(7);
    LatencyHistogram histogram = new LatencyHistogram();
    long[] values = new long[100_000];
    for (int i = 0; i < values.length; i++) {
      // From microseconds to seconds, as send latencies are.
      values[i] = (long) Math.exp(random.nextDouble(Math.log(1_000), Math.log(5e9)));
      histogram.record(values[i]);
    }
    Arrays.sort(values);
    for (double p : new double[] {1, 50, 90, 99, 99.9, 100}) {
      long exact = values[(int) Math.ceil(p / 100 * values.length) - 1];
      assertThat(histogram.valueAt(p)).as("p%s", p).isBetween(exact, (long) (exact * 1.01));
    }
    assertThat(histogram.max()).isEqualTo(values[values.length - 1]);
    assertThat(histogram.valueAt(100)).isEqualTo(histogram.max());
  }

  @Test
  void smallValues_areExact_hugeOnesAreCapped_negativeOnesRefused() {
    LatencyHistogram histogram = new LatencyHistogram();
    histogram.record(0);
    histogram.record(5);
    histogram.record(127);
    assertThat(histogram.valueAt(50)).isEqualTo(5);
    histogram.record(Long.MAX_VALUE);
    assertThat(histogram.max()).isEqualTo(LatencyHistogram.MAX_NANOS);
    assertThatThrownBy(() -> histogram.record(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("latency : -1 (expected: >= 0)");
  }

  @Test
  void recordingsFromManyThreads_areAllCounted() throws Exception {
    LatencyHistogram histogram = new LatencyHistogram();
    int threads = 4;
    int each = 25_000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    for (int t = 0; t < threads; t++) {
      long value = 1_000L * (t + 1); // Thread t records only its own value.
      pool.execute(
          () -> {
            try {
              start.await();
            } catch (InterruptedException e) {
              return;
            }
            for (int i = 0; i < each; i++) {
              histogram.record(value);
            }
          });
    }
    start.countDown();
    pool.shutdown();
    assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
    // A quarter of the values each: the median is the second thread's, the top the last one's.
    assertThat(histogram.valueAt(50)).isBetween(2_000L, 2_020L);
    assertThat(histogram.valueAt(75)).isBetween(3_000L, 3_030L);
    assertThat(histogram.valueAt(75.01)).isBetween(4_000L, 4_040L);
    assertThat(histogram.max()).isEqualTo(4_000L);
  }
}
