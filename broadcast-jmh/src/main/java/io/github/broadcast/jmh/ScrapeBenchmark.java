package io.github.broadcast.jmh;

import io.github.broadcast.Broadcaster;
import io.github.broadcast.Broadcasters;
import io.github.broadcast.micrometer.BroadcastMetrics;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.TimeUnit;
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
 * The cost of one Prometheus scrape of the {@code broadcast.*} meters, with {@code clients}
 * registered: what an operator's scrape interval costs the server. Each scrape reads the
 * broadcaster's stats, which walk every client's outbox.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = "-Xmx2g")
@State(Scope.Benchmark)
public class ScrapeBenchmark {

  @Param({"1000"})
  public int clients;

  private Broadcaster broadcaster;
  private PrometheusMeterRegistry registry;

  @Setup(Level.Trial)
  public void setUp() {
    BroadcastMetrics metrics = new BroadcastMetrics(Tags.of("path", "/ws"));
    broadcaster = Broadcasters.Preset.PRODUCTION.newBuilder().listener(metrics).build();
    for (int i = 0; i < clients; i++) {
      broadcaster.register(new AsyncClient("c" + i, AsyncClient.Mode.INLINE, null, 0, b -> {}));
    }
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    metrics.monitor(broadcaster).bindTo(registry);
  }

  /** One scrape, every meter read and formatted. */
  @Benchmark
  public String scrape() {
    return registry.scrape();
  }

  /** One read of the broadcaster's stats, for scale. */
  @Benchmark
  public Object stats() {
    return broadcaster.stats();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    broadcaster.close();
  }
}
