package io.github.broadcast.jmh;

import io.github.broadcast.Broadcaster;
import io.github.broadcast.Broadcasters;
import io.github.broadcast.SessionUpdate;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Time from publish until every healthy client's send of that update has completed, sampled per
 * publish. Ten healthy clients complete their sends on another thread after {@code delayNanos} (a
 * socket that takes a while to drain); optionally one more never completes. A batched strategy's
 * figure includes the wait for its self-clocked flush (at least 16 ms after the previous one).
 *
 * <pre>
 * java -jar broadcast-jmh/target/benchmarks.jar DeliveryLatencyBenchmark -rf json
 * </pre>
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
@State(Scope.Thread)
public class DeliveryLatencyBenchmark {

  private static final int HEALTHY = 10;

  /** The strategy preset. */
  @Param({"SEQUENTIAL", "CONCURRENT", "BATCHED", "BACKPRESSURE", "PRODUCTION"})
  public Broadcasters.Preset preset;

  /** How long each healthy client's send takes to complete, in nanoseconds: 0, 50 us, 1 ms. */
  @Param({"0", "50000", "1000000"})
  public long delayNanos;

  /** Clients whose sends never complete, besides the healthy ones. */
  @Param({"0", "1"})
  public int stalled;

  private ScheduledThreadPoolExecutor completer;
  private Broadcaster broadcaster;
  private final AtomicLong delivered = new AtomicLong();
  private SessionUpdate[] updates;
  private long version;

  @Setup(Level.Trial)
  public void setUp() {
    if (preset == Broadcasters.Preset.SEQUENTIAL && stalled > 0) {
      throw new IllegalStateException("SEQUENTIAL with a stalled client blocks the publisher");
    }
    completer = new ScheduledThreadPoolExecutor(1);
    broadcaster = preset.newBuilder().build();
    for (int i = 0; i < stalled; i++) {
      broadcaster.register(
          new AsyncClient("stalled" + i, AsyncClient.Mode.STALLED, completer, 0, bytes -> {}));
    }
    for (int i = 0; i < HEALTHY; i++) {
      broadcaster.register(
          new AsyncClient(
              "c" + i,
              AsyncClient.Mode.ASYNC,
              completer,
              delayNanos,
              bytes -> delivered.incrementAndGet()));
    }
    updates = Payload.SMALL.updates(20);
    // Let every initial_state complete before measuring.
    while (delivered.get() < HEALTHY) {
      Thread.onSpinWait();
    }
  }

  /** Publishes one update and waits until every healthy client has it. */
  @Benchmark
  public long publishAndAwaitDelivery() {
    long target = delivered.get() + HEALTHY;
    SessionUpdate template = updates[(int) (version % updates.length)];
    broadcaster.publish(SessionUpdate.of(template.sessionId(), ++version, template.state()));
    long seen;
    while ((seen = delivered.get()) < target) {
      Thread.onSpinWait();
    }
    return seen;
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    broadcaster.close();
    completer.shutdownNow();
  }
}
