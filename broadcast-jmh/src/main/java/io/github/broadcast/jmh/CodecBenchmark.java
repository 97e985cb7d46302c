package io.github.broadcast.jmh;

import io.github.broadcast.Frame;
import io.github.broadcast.MessageCodec;
import io.github.broadcast.SessionUpdate;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The JSON codec alone: the cost every strategy pays once per publish (once per flush when
 * batched), whatever the number of clients. Returns the frame, so nothing is dead code.
 *
 * <pre>
 * java -jar broadcast-jmh/target/benchmarks.jar CodecBenchmark -prof gc
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class CodecBenchmark {

  /** The size of a session's state. */
  @Param({"SMALL", "LARGE"})
  public Payload payload;

  /** Sessions in one batch frame. */
  @Param({"10", "100"})
  public int batch;

  private final MessageCodec codec = MessageCodec.json();
  private SessionUpdate update;
  private List<SessionUpdate> updates;

  @Setup
  public void setUp() {
    SessionUpdate[] all = payload.updates(batch);
    update = all[0];
    updates = Arrays.asList(all);
  }

  /** One {@code session_update}: the unbatched strategies' cost per publish. */
  @Benchmark
  public Frame sessionUpdate() {
    return codec.sessionUpdate(update);
  }

  /** One {@code batch_update} of {@code batch} sessions: the batched strategies' cost per flush. */
  @Benchmark
  public Frame batchUpdate() {
    return codec.batchUpdate(updates);
  }
}
