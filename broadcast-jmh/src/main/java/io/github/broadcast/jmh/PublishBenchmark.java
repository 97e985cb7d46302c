package io.github.broadcast.jmh;

import io.github.broadcast.BroadcastStats;
import io.github.broadcast.Broadcaster;
import io.github.broadcast.Broadcasters;
import io.github.broadcast.SessionUpdate;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
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
 * How many updates a second one publisher thread gets through, per strategy, client count and
 * payload, with and without a stalled client. Healthy clients complete each send inline (the kernel
 * took the bytes); the stalled one never completes. What is measured is the publisher's cost:
 * encoding, queueing, and starting the sends of every client. A batched strategy's cost does not
 * grow with the clients (coalescing): its flush runs on the scheduler thread, self-clocked.
 *
 * <p>The stalled client under the concurrent and batched presets shows their weakness: an unbounded
 * outbox that grows until the 5 s send timeout, so the figure includes the GC of that growth.
 *
 * <pre>
 * java -jar broadcast-jmh/target/benchmarks.jar PublishBenchmark -prof gc -rf json
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
// No -Xms: on this 2-core VM a pre-sized 4 GiB heap made iterations swing 3 to 5 times (the
// host reclaims untouched pages); compare with -jvmArgsAppend "-Xms4g -Xmx4g".
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
@State(Scope.Thread)
public class PublishBenchmark {

  /** The strategy preset. */
  @Param({"SEQUENTIAL", "CONCURRENT", "BATCHED", "BACKPRESSURE", "PRODUCTION"})
  public Broadcasters.Preset preset;

  /** Registered clients, the stalled one included. */
  @Param({"1", "10", "100", "1000"})
  public int clients;

  /** How many of the clients never complete a send. */
  @Param({"0", "1"})
  public int stalled;

  /** The size of a session's state. */
  @Param({"SMALL", "LARGE"})
  public Payload payload;

  private Broadcaster broadcaster;
  private SessionUpdate[] updates;
  private long version;
  private int next;
  private BroadcastStats before;

  /** A fresh broadcaster per iteration: a stalled client's backlog never carries over. */
  @Setup(Level.Iteration)
  public void setUp() {
    if (preset == Broadcasters.Preset.SEQUENTIAL && stalled > 0) {
      // The sequential publisher would wait 5 s on every publish: nothing to measure.
      throw new IllegalStateException("SEQUENTIAL with a stalled client blocks the publisher");
    }
    closeBroadcaster();
    broadcaster = preset.newBuilder().build();
    for (int i = 0; i < clients; i++) {
      AsyncClient.Mode mode = i < stalled ? AsyncClient.Mode.STALLED : AsyncClient.Mode.INLINE;
      broadcaster.register(new AsyncClient("c" + i, mode, null, 0, bytes -> {}));
    }
    updates = payload.updates(20);
    before = broadcaster.stats();
  }

  @Benchmark
  public void publish(Outcome outcome) {
    SessionUpdate template = updates[next];
    next = next == updates.length - 1 ? 0 : next + 1;
    broadcaster.publish(SessionUpdate.of(template.sessionId(), ++version, template.state()));
  }

  /**
   * Side outcomes per iteration, from the broadcaster's stats: frames delivered to clients and
   * updates an overflow policy dropped. Read at the end of each iteration.
   */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class Outcome {
    public long framesDelivered;
    public long updatesDropped;

    @TearDown(Level.Iteration)
    public void read(PublishBenchmark benchmark) {
      BroadcastStats after = benchmark.broadcaster.stats();
      framesDelivered = after.framesSent() - benchmark.before.framesSent();
      updatesDropped = after.updatesDropped() - benchmark.before.updatesDropped();
    }
  }

  @TearDown(Level.Trial)
  public void closeBroadcaster() {
    if (broadcaster != null) {
      broadcaster.close();
      broadcaster = null;
    }
  }
}
