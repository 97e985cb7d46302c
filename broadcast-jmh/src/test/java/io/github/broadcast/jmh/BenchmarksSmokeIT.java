package io.github.broadcast.jmh;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.broadcast.testing.RedisServer;
import java.nio.file.Path;
import java.util.Collection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Proves that every benchmark runs under every strategy, and the Redis one against a real
 * redis-server: 1 fork, 1 short warm-up, 1 short iteration, one value of the other parameters.
 * Measures nothing; the full run is by hand (see each benchmark's class comment).
 */
@Timeout(900) // A guard against a hang, not a speed assertion.
final class BenchmarksSmokeIT {

  private static Options smoke(String include) {
    return new OptionsBuilder()
        .include(include)
        .forks(1)
        .warmupIterations(1)
        .warmupTime(TimeValue.milliseconds(200))
        .measurementIterations(1)
        .measurementTime(TimeValue.milliseconds(300))
        .param("clients", "10")
        .param("stalled", "0")
        .param("payload", "SMALL")
        .param("delayNanos", "50000")
        .param("batch", "10")
        .jvmArgsAppend("-Xmx1g", "-Xms1g")
        .shouldFailOnError(true)
        .build();
  }

  @Test
  void everyBenchmark_runsUnderEveryPreset() throws Exception {
    Collection<RunResult> results =
        new Runner(smoke("PublishBenchmark|DeliveryLatencyBenchmark|CodecBenchmark")).run();
    // 5 presets x 2 strategy benchmarks, and the codec's 2 benchmarks.
    assertThat(results).hasSize(12);
    for (RunResult result : results) {
      assertThat(result.getPrimaryResult().getScore())
          .as(result.getParams().getBenchmark() + " " + result.getParams())
          .isPositive();
    }
  }

  @Test
  void stalledClient_runsUnderEveryPresetButSequential() throws Exception {
    Collection<RunResult> results =
        new Runner(
                new OptionsBuilder()
                    .parent(smoke("PublishBenchmark"))
                    .param("stalled", "1")
                    .param("preset", "CONCURRENT", "BATCHED", "BACKPRESSURE", "PRODUCTION")
                    .build())
            .run();
    assertThat(results).hasSize(4);
  }

  @Test
  void tyrusSendBenchmark_runsEveryPath() throws Exception {
    // Its setup fails unless every client is registered and the path writes whole frames.
    Collection<RunResult> results = new Runner(smoke("TyrusSendBenchmark")).run();
    assertThat(results).hasSize(3); // DIRECT, DEFLATE, SEND_TEXT
    for (RunResult result : results) {
      assertThat(result.getPrimaryResult().getScore())
          .as(result.getParams().toString())
          .isPositive();
    }
  }

  @Test
  void redisStoreBenchmark_runsAgainstARealRedis(@TempDir Path dir) throws Exception {
    Collection<RunResult> results;
    try (RedisServer redis = RedisServer.start(dir, null)) {
      results =
          new Runner(
                  new OptionsBuilder()
                      .parent(smoke("RedisStoreBenchmark"))
                      .param("nodes", "1", "3")
                      .param("uri", redis.uri())
                      .threads(2)
                      .build())
              .run();
    }
    assertThat(results).hasSize(2);
    for (RunResult result : results) {
      assertThat(result.getPrimaryResult().getScore())
          .as(result.getParams().toString())
          .isPositive();
    }
  }
}
