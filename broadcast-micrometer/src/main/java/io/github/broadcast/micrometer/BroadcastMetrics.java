package io.github.broadcast.micrometer;

import io.github.broadcast.BroadcastListener;
import io.github.broadcast.BroadcastStats;
import io.github.broadcast.Broadcaster;
import io.github.broadcast.CloseReason;
import io.github.broadcast.internal.Checks;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.ToDoubleFunction;

/**
 * Micrometer meters for one {@link Broadcaster}, named {@code broadcast.*} (Prometheus shows {@code
 * broadcast_...}). It is both the broadcaster's {@link BroadcastListener}, for what only events
 * tell (each delivery's latency, each slow broadcast), and a {@link MeterBinder}, for what the
 * broadcaster's {@link BroadcastStats} already counts:
 *
 * <pre>{@code
 * BroadcastMetrics metrics = new BroadcastMetrics(Tags.of("path", "/ws/dashboard"));
 * Broadcaster broadcaster = Broadcasters.Preset.PRODUCTION.newBuilder().listener(metrics).build();
 * metrics.monitor(broadcaster).bindTo(registry);
 * }</pre>
 *
 * <table>
 *   <caption>The meters</caption>
 *   <tr><th>name</th><th>type</th><th>what it counts</th></tr>
 *   <tr><td>{@code broadcast.clients}</td><td>gauge</td><td>clients registered now</td></tr>
 *   <tr><td>{@code broadcast.queued.bytes}</td><td>gauge</td>
 *       <td>bytes waiting in every client's outbox</td></tr>
 *   <tr><td>{@code broadcast.updates.published}</td><td>counter</td>
 *       <td>updates accepted by {@code publish}</td></tr>
 *   <tr><td>{@code broadcast.updates.stale}</td><td>counter</td>
 *       <td>updates discarded: a newer version was already out</td></tr>
 *   <tr><td>{@code broadcast.updates.coalesced}</td><td>counter</td>
 *       <td>updates a batch replaced before flushing</td></tr>
 *   <tr><td>{@code broadcast.updates.dropped}</td><td>counter</td>
 *       <td>updates an overflow policy dropped (the client is resynced later)</td></tr>
 *   <tr><td>{@code broadcast.frames.encoded}</td><td>counter</td><td>frames encoded</td></tr>
 *   <tr><td>{@code broadcast.frames.sent}</td><td>counter</td>
 *       <td>frames that reached a client's socket</td></tr>
 *   <tr><td>{@code broadcast.sent}</td><td>counter, bytes</td><td>their bytes (Prometheus:
 *       {@code broadcast_sent_bytes_total})</td></tr>
 *   <tr><td>{@code broadcast.resyncs}</td><td>counter</td><td>clients brought back to the true
 *       state after a drop</td></tr>
 *   <tr><td>{@code broadcast.resumes}</td><td>counter</td><td>reconnecting clients sent only
 *       what changed since the version they held ({@code ?since=V}), not the whole view</td></tr>
 *   <tr><td>{@code broadcast.faults}</td><td>counter</td><td>exceptions contained (a bug to
 *       chase)</td></tr>
 *   <tr><td>{@code broadcast.closes}</td><td>counter, tag {@code reason}</td>
 *       <td>clients closed by the broadcaster, by {@link CloseReason}</td></tr>
 *   <tr><td>{@code broadcast.slow.broadcasts}</td><td>counter</td>
 *       <td>broadcasts slower than the slow-broadcast threshold</td></tr>
 *   <tr><td>{@code broadcast.delivery.latency}</td><td>timer</td>
 *       <td>from publish until a client's socket has the update</td></tr>
 *   <tr><td>{@code broadcast.topic.subscribers}</td><td>gauge, tag {@code topic}</td>
 *       <td>clients receiving each topic ({@code Broadcaster.subscribers()}: a topic's name, a
 *       glob as written, {@code (all)} for clients of every topic); one gauge per key for the first
 *       {@link #maxTopicGauges} keys seen (default 100), the others summed under {@code
 *       topic="(other)"}</td></tr>
 *   <tr><td>{@code broadcast.topics}</td><td>gauge</td>
 *       <td>keys with subscribers now, gauged or not</td></tr>
 * </table>
 *
 * <p>The gauges and counters of one scrape read one {@link BroadcastStats} snapshot: a snapshot
 * walks every client's outbox, so each is taken at most once a second, whatever the number of
 * meters or registries. The timer publishes no histogram of its own: turn one on where the registry
 * is configured (Spring Boot: {@code
 * management.metrics.distribution.percentiles-histogram.broadcast.delivery.latency=true}).
 *
 * <p>Cardinality: a topic per user would make a series per user. Gauges are made for the first
 * {@code maxTopicGauges} keys seen, as they appear (at a scrape), and kept (reading 0 once nobody
 * receives the topic); every later key counts only in {@code topic="(other)"}. Set the cap to 0 for
 * no gauge per key at all.
 *
 * <p>Order does not matter: {@link #monitor} and {@link #bindTo} may come in either order (a Spring
 * context binds meters when it likes); until both have happened the gauges and counters read 0.
 * Thread-safe.
 */
public final class BroadcastMetrics implements BroadcastListener, MeterBinder {

  /** How long one snapshot serves the meters: a scrape reads them all within it. */
  static final long SNAPSHOT_NANOS = TimeUnit.SECONDS.toNanos(1);

  private static final String LATENCY = "broadcast.delivery.latency";

  private final Tags tags;
  private final LongSupplier nanoTime;
  private volatile Snapshot last; // The latest snapshot, or null.
  private volatile Broadcaster broadcaster; // Null until monitor().
  private volatile Timer latency; // Null until bindTo().
  private volatile Counter slowBroadcasts; // Null until bindTo().
  private volatile int maxTopicGauges = 100;
  private volatile Map<String, Integer> subscribers = Map.of(); // As of the latest snapshot.
  private final Set<String> gaugedTopics = ConcurrentHashMap.newKeySet();
  private final List<MeterRegistry> registries = new CopyOnWriteArrayList<>();

  /** Meters with no extra tags. */
  public BroadcastMetrics() {
    this(Tags.empty());
  }

  /** Meters carrying {@code tags} (to tell several broadcasters apart). */
  public BroadcastMetrics(Iterable<Tag> tags) {
    this(tags, System::nanoTime);
  }

  /** For tests: the clock of the snapshots' age. */
  BroadcastMetrics(Iterable<Tag> tags, LongSupplier nanoTime) {
    this.tags = Tags.of(Checks.requireNonNull("tags", tags));
    this.nanoTime = nanoTime;
  }

  /** Reads {@code broadcaster}'s stats for the gauges and counters; returns this. */
  public BroadcastMetrics monitor(Broadcaster broadcaster) {
    this.broadcaster = Checks.requireNonNull("broadcaster", broadcaster);
    return this;
  }

  /**
   * Sets how many topic keys get a gauge of their own ({@code broadcast.topic.subscribers}); the
   * others count under {@code topic="(other)"}. Default 100; 0 for none. Returns this.
   */
  public BroadcastMetrics maxTopicGauges(int max) {
    if (max < 0) {
      throw new IllegalArgumentException("maxTopicGauges : " + max + " (expected: >= 0)");
    }
    this.maxTopicGauges = max;
    return this;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    Retained.by(registry, this); // Its meters read it weakly; see Retained.
    registries.add(registry);
    for (String topic : gaugedTopics) {
      topicGauge(registry, topic);
    }
    Gauge.builder("broadcast.topic.subscribers", this, m -> m.readOtherTopics())
        .description("clients receiving each topic")
        .tags(tags)
        .tag("topic", "(other)")
        .register(registry);
    Gauge.builder("broadcast.topics", this, m -> m.readTopics())
        .description("topics with subscribers now")
        .tags(tags)
        .register(registry);
    gauge(registry, "broadcast.clients", "clients registered now", null, BroadcastStats::clients);
    gauge(
        registry,
        "broadcast.queued.bytes",
        "bytes waiting in every client's outbox",
        "bytes",
        BroadcastStats::queuedBytes);
    counter(registry, "broadcast.updates.published", "updates accepted", BroadcastStats::published);
    counter(
        registry,
        "broadcast.updates.stale",
        "updates discarded because a newer version was already out",
        BroadcastStats::staleUpdates);
    counter(
        registry,
        "broadcast.updates.coalesced",
        "updates a batch replaced before flushing",
        BroadcastStats::updatesCoalesced);
    counter(
        registry,
        "broadcast.updates.dropped",
        "updates an overflow policy dropped",
        BroadcastStats::updatesDropped);
    counter(registry, "broadcast.frames.encoded", "frames encoded", BroadcastStats::framesEncoded);
    counter(
        registry,
        "broadcast.frames.sent",
        "frames that reached a socket",
        BroadcastStats::framesSent);
    FunctionCounter.builder("broadcast.sent", this, m -> m.read(BroadcastStats::bytesSent))
        .description("bytes of the frames sent")
        .baseUnit("bytes")
        .tags(tags)
        .register(registry);
    counter(
        registry,
        "broadcast.resyncs",
        "clients brought back after a drop",
        BroadcastStats::resyncs);
    counter(
        registry,
        "broadcast.resumes",
        "reconnects sent only what changed since their version",
        BroadcastStats::resumes);
    counter(registry, "broadcast.faults", "exceptions contained", BroadcastStats::faults);
    for (CloseReason reason : CloseReason.values()) {
      FunctionCounter.builder("broadcast.closes", this, m -> m.read(s -> s.closed(reason)))
          .description("clients closed by the broadcaster")
          .tags(tags)
          .tag("reason", reason.name().toLowerCase(Locale.ROOT))
          .register(registry);
    }
    slowBroadcasts =
        Counter.builder("broadcast.slow.broadcasts")
            .description("broadcasts slower than the slow-broadcast threshold")
            .tags(tags)
            .register(registry);
    latency =
        Timer.builder(LATENCY)
            .description("from publish until a client's socket has the update")
            .tags(tags)
            .minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofMinutes(1))
            .register(registry);
  }

  private void gauge(
      MeterRegistry registry,
      String name,
      String description,
      String unit,
      ToDoubleFunction<BroadcastStats> value) {
    Gauge.builder(name, this, m -> m.read(value))
        .description(description)
        .baseUnit(unit)
        .tags(tags)
        .register(registry);
  }

  private void counter(
      MeterRegistry registry, String name, String description, ToDoubleFunction<BroadcastStats> f) {
    FunctionCounter.builder(name, this, m -> m.read(f))
        .description(description)
        .tags(tags)
        .register(registry);
  }

  private void topicGauge(MeterRegistry registry, String topic) {
    Gauge.builder("broadcast.topic.subscribers", this, m -> m.readTopic(topic))
        .description("clients receiving each topic")
        .tags(tags)
        .tag("topic", topic)
        .register(registry);
  }

  private double readTopic(String topic) {
    snapshot();
    return subscribers.getOrDefault(topic, 0);
  }

  private double readOtherTopics() {
    snapshot();
    int other = 0;
    for (Map.Entry<String, Integer> entry : subscribers.entrySet()) {
      if (!gaugedTopics.contains(entry.getKey())) {
        other += entry.getValue();
      }
    }
    return other;
  }

  private double readTopics() {
    snapshot();
    return subscribers.size();
  }

  /** Gauges the keys not gauged yet, up to the cap, in every registry bound. */
  private void gaugeNewTopics(Map<String, Integer> now) {
    for (String topic : now.keySet()) {
      if (gaugedTopics.contains(topic)) {
        continue;
      }
      synchronized (gaugedTopics) {
        if (gaugedTopics.size() >= maxTopicGauges || !gaugedTopics.add(topic)) {
          continue;
        }
      }
      for (MeterRegistry registry : registries) {
        topicGauge(registry, topic);
      }
    }
  }

  private double read(ToDoubleFunction<BroadcastStats> value) {
    BroadcastStats stats = snapshot();
    return stats == null ? 0 : value.applyAsDouble(stats);
  }

  /**
   * The broadcaster's stats, taken at most once per {@link #SNAPSHOT_NANOS}; null before monitor.
   */
  private BroadcastStats snapshot() {
    Broadcaster monitored = broadcaster;
    if (monitored == null) {
      return null;
    }
    Snapshot last = this.last;
    long now = nanoTime.getAsLong();
    if (last != null && last.of() == monitored && now - last.takenAt() < SNAPSHOT_NANOS) {
      return last.stats();
    }
    BroadcastStats stats = monitored.stats();
    Map<String, Integer> topics = monitored.subscribers();
    this.subscribers = topics;
    this.last = new Snapshot(monitored, stats, now);
    gaugeNewTopics(topics);
    return stats;
  }

  private record Snapshot(Broadcaster of, BroadcastStats stats, long takenAt) {}

  /**
   * A filter that turns on the percentile histogram of {@code broadcast.delivery.latency} (for
   * Prometheus' {@code histogram_quantile}), for a registry configured by hand: {@code
   * registry.config().meterFilter(BroadcastMetrics.latencyHistogram())}. Under Spring Boot, set
   * {@code management.metrics.distribution.percentiles-histogram.broadcast.delivery.latency=true}
   * instead.
   */
  public static MeterFilter latencyHistogram() {
    return new MeterFilter() {
      @Override
      public DistributionStatisticConfig configure(
          Meter.Id id, DistributionStatisticConfig config) {
        return id.getName().equals(LATENCY)
            ? DistributionStatisticConfig.builder().percentilesHistogram(true).build().merge(config)
            : config;
      }
    };
  }

  @Override
  public void delivered(long latencyNanos) {
    Timer timer = latency;
    if (timer != null) {
      timer.record(latencyNanos, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void slowBroadcast(String slowestClientId, Duration took, int clients) {
    Counter counter = slowBroadcasts;
    if (counter != null) {
      counter.increment();
    }
  }
}
