package io.github.broadcast.micrometer;

import io.github.broadcast.internal.Checks;
import io.github.broadcast.jakarta.EndpointStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * Micrometer meters for one Jakarta endpoint's connections (needs broadcast-jakarta), from its
 * {@link EndpointStats}: who was let in, who was refused and why, and how connections ended and who
 * ended them. Bind it beside {@link BroadcastMetrics}, with the same tags.
 *
 * <table>
 *   <caption>The meters</caption>
 *   <tr><th>name</th><th>type</th><th>what it counts</th></tr>
 *   <tr><td>{@code broadcast.connections}</td><td>gauge</td><td>connections open now</td></tr>
 *   <tr><td>{@code broadcast.connections.admitted}</td><td>counter</td>
 *       <td>connections admitted</td></tr>
 *   <tr><td>{@code broadcast.handshakes.refused}</td><td>counter, tag {@code reason}</td>
 *       <td>refused: {@code origin}, {@code token}, {@code capacity}, {@code rate}, {@code address}
 *       (a limit of the client's own address), {@code topics} (a topic the client may not see, at
 *       the handshake or a later subscribe)</td></tr>
 *   <tr><td>{@code broadcast.connections.closed}</td>
 *       <td>counter, tags {@code by}, {@code code}</td>
 *       <td>connections that ended: {@code by} {@code server} or {@code client}; {@code code}
 *       one of {@value #CODES_LISTED}, or {@code other}. 1006 by the client is a connection that
 *       dropped without a close frame.</td></tr>
 * </table>
 *
 * <p>Cardinality is fixed: 2 times 8 series for the closes, whatever the clients send. Thread-safe.
 */
public final class EndpointMetrics implements MeterBinder {

  static final String CODES_LISTED = "1000, 1001, 1006, 1008, 1009, 1011, 1013";
  private static final List<Integer> CODES = List.of(1000, 1001, 1006, 1008, 1009, 1011, 1013);

  private final Supplier<EndpointStats> stats;
  private final Tags tags;

  /**
   * Meters reading {@code stats}, carrying {@code tags}: {@code endpointConfig::stats} for a {@code
   * BroadcastEndpointConfig}, or {@code server::endpointStats} for the embedded server.
   */
  public EndpointMetrics(Supplier<EndpointStats> stats, Iterable<Tag> tags) {
    this.stats = Checks.requireNonNull("stats", stats);
    this.tags = Tags.of(Checks.requireNonNull("tags", tags));
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    Retained.by(registry, this); // Its meters read it weakly; see Retained.
    Gauge.builder("broadcast.connections", this, m -> m.stats().open())
        .description("connections open now")
        .tags(tags)
        .register(registry);
    counter(
        registry,
        "broadcast.connections.admitted",
        "connections admitted",
        Tags.empty(),
        EndpointStats::admitted);
    refused(registry, "origin", EndpointStats::refusedOrigin);
    refused(registry, "token", EndpointStats::refusedToken);
    refused(registry, "capacity", EndpointStats::refusedCapacity);
    refused(registry, "rate", EndpointStats::refusedRate);
    refused(registry, "address", EndpointStats::refusedAddress);
    refused(registry, "topics", EndpointStats::refusedTopics);
    for (String by : List.of("server", "client")) {
      for (Integer code : CODES) {
        closed(registry, by, String.valueOf(code), s -> count(closes(s, by), code));
      }
      closed(registry, by, "other", s -> others(closes(s, by)));
    }
  }

  private EndpointStats stats() {
    return stats.get();
  }

  private static Map<Integer, Long> closes(EndpointStats stats, String by) {
    return by.equals("server") ? stats.closedByServer() : stats.closedByClient();
  }

  private static long count(Map<Integer, Long> closes, int code) {
    return closes.getOrDefault(code, 0L);
  }

  private static long others(Map<Integer, Long> closes) {
    long others = 0;
    for (Map.Entry<Integer, Long> e : closes.entrySet()) {
      if (!CODES.contains(e.getKey())) {
        others += e.getValue();
      }
    }
    return others;
  }

  private void refused(
      MeterRegistry registry, String reason, ToDoubleFunction<EndpointStats> count) {
    counter(
        registry,
        "broadcast.handshakes.refused",
        "connection attempts refused",
        Tags.of("reason", reason),
        count);
  }

  private void closed(
      MeterRegistry registry, String by, String code, ToDoubleFunction<EndpointStats> count) {
    counter(
        registry,
        "broadcast.connections.closed",
        "connections that ended, by who ended them and the close code",
        Tags.of("by", by, "code", code),
        count);
  }

  private void counter(
      MeterRegistry registry,
      String name,
      String description,
      Tags extra,
      ToDoubleFunction<EndpointStats> count) {
    FunctionCounter.builder(name, this, m -> count.applyAsDouble(m.stats()))
        .description(description)
        .tags(tags.and(extra))
        .register(registry);
  }
}
