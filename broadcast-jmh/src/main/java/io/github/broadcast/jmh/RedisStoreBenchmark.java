package io.github.broadcast.jmh;

import io.github.broadcast.SessionUpdate;
import io.github.broadcast.redis.RedisSessionStore;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
import tools.jackson.databind.node.ObjectNode;

/**
 * What one change costs through the Redis backplane: {@link RedisSessionStore#apply} (a Lua
 * check-and-set that takes a version, stores the state and publishes it) on a real {@code
 * redis-server} this benchmark starts on a free loopback port, with {@code nodes} stores
 * subscribed, so every change is also received and parsed by every node. Each benchmark thread
 * changes its own session: no conflicts, the uncontended cost.
 *
 * <p>The score is changes a second for all threads together. After each iteration it prints what
 * Redis spent, from its {@code INFO}: the CPU time of the redis-server process per change (its
 * single command thread is what caps a cluster) and the server-side time of one EVALSHA.
 *
 * <pre>
 * redis-server --port 6399 --save '' --appendonly no --daemonize yes
 * java -jar broadcast-jmh/target/benchmarks.jar RedisStoreBenchmark \
 *     -p uri=redis://127.0.0.1:6399 -t 1   # one writer: the round trip
 * java -jar broadcast-jmh/target/benchmarks.jar RedisStoreBenchmark \
 *     -p uri=redis://127.0.0.1:6399 -t 16  # many: throughput
 * </pre>
 *
 * <p>Needs Debian's {@code redis-server} ({@code apt-get install redis-server}), or its path in
 * {@code REDIS_SERVER}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
@State(Scope.Benchmark)
public class RedisStoreBenchmark {

  private static final Pattern EVALSHA =
      Pattern.compile("cmdstat_evalsha:calls=(\\d+),usec=(\\d+)");
  private static final Pattern CPU = Pattern.compile("used_cpu_(?:sys|user):([0-9.]+)");

  /** Stores connected to the one Redis, each subscribed: the nodes of a cluster. */
  @Param({"1", "3"})
  public int nodes;

  /** The size of a session's state. */
  @Param({"SMALL", "LARGE"})
  public Payload payload;

  /** The Redis to measure; empty: the REDIS_URI environment variable. */
  @Param({""})
  public String uri;

  private String prefix;
  private RedisClient infoClient;
  private StatefulRedisConnection<String, String> infoConnection;
  private RedisCommands<String, String> info;
  private RedisSessionStore[] stores;
  private final AtomicInteger writers = new AtomicInteger();
  private long[] before;

  /** One writer thread: its own session, on one of the nodes, round robin. */
  @State(Scope.Thread)
  public static class Writer {
    RedisSessionStore store;
    String sessionId;
    ObjectNode template;
    long count;

    @Setup(Level.Trial)
    public void setUp(RedisStoreBenchmark benchmark) {
      int index = benchmark.writers.getAndIncrement();
      store = benchmark.stores[index % benchmark.stores.length];
      sessionId = "bench-" + index;
      template = benchmark.payload.state(index);
    }
  }

  @Setup(Level.Trial)
  public void connect() {
    String target = uri.isEmpty() ? System.getenv().getOrDefault("REDIS_URI", "") : uri;
    if (target.isEmpty()) {
      throw new IllegalStateException(
          "RedisStoreBenchmark measures a running redis-server:"
              + " start one (redis-server --port 6399 --save '' --appendonly no) and pass"
              + " -p uri=redis://127.0.0.1:6399, or set REDIS_URI");
    }
    prefix = "bench-" + System.nanoTime();
    infoClient = RedisClient.create(target);
    infoConnection = infoClient.connect();
    info = infoConnection.sync();
    info.configResetstat(); // The per-command figures printed at the end are this run's.
    stores = new RedisSessionStore[nodes];
    for (int n = 0; n < nodes; n++) {
      stores[n] = RedisSessionStore.newBuilder(target).prefix(prefix).build();
      stores[n].subscribe(update -> {}); // A node's broadcaster would take it from here.
    }
  }

  @TearDown(Level.Trial)
  public void disconnect() {
    // The commands the scripts ran, each counted on its own too (their time is within EVALSHA's).
    System.out.println("  [redis-server commands over the whole run:]");
    for (String line : info.info("commandstats").split("\r?\n")) {
      if (line.startsWith("cmdstat_")) {
        System.out.println("  [  " + line.replaceFirst(",rejected_calls.*", "") + "]");
      }
    }
    for (RedisSessionStore store : stores) {
      store.close();
    }
    // This run's keys only (its change ids expire by themselves within the dedup window).
    info.del(prefix + ":sessions", prefix + ":version", prefix + ":rebuilding");
    infoConnection.close();
    infoClient.shutdown();
  }

  @Setup(Level.Iteration)
  public void readRedisBefore() {
    before = redisCounters();
  }

  /** Prints what Redis spent on the iteration's changes (JMH shows a fork's output). */
  @TearDown(Level.Iteration)
  public void printRedisCost() {
    long[] after = redisCounters();
    long calls = after[0] - before[0];
    if (calls > 0) {
      System.out.printf(
          Locale.ROOT,
          "  [redis-server: %d changes, %.1f us of its CPU per change, EVALSHA %.1f us per call]%n",
          calls,
          (after[2] - before[2]) / (double) calls,
          (after[1] - before[1]) / (double) calls);
    }
  }

  /** EVALSHA calls, their server-side microseconds, and the process's CPU microseconds. */
  private long[] redisCounters() {
    long[] counters = new long[3];
    Matcher evalsha = EVALSHA.matcher(info.info("commandstats"));
    if (evalsha.find()) {
      counters[0] = Long.parseLong(evalsha.group(1));
      counters[1] = Long.parseLong(evalsha.group(2));
    }
    Matcher cpu = CPU.matcher(info.info("cpu"));
    double seconds = 0;
    while (cpu.find()) {
      seconds += Double.parseDouble(cpu.group(1));
    }
    counters[2] = (long) (seconds * 1e6);
    return counters;
  }

  /** One change of the writer's session, through Redis, seen by every node. */
  @Benchmark
  public SessionUpdate apply(Writer writer) {
    long count = ++writer.count;
    return writer.store.apply(
        writer.sessionId, state -> writer.template.deepCopy().put("event_count", count));
  }
}
