package io.github.broadcast.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.broadcast.jakarta.EndpointStats;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The endpoint's connection meters, read from its stats. */
final class EndpointMetricsTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final AtomicReference<EndpointStats> stats =
      new AtomicReference<>(new EndpointStats(0, 0, 0, 0, 0, 0, 0, 0, 0, Map.of(), Map.of()));

  private double counter(String name, String... tags) {
    return registry.get(name).tags(tags).functionCounter().count();
  }

  @Test
  void refusalsAndCloses_areCountersWithFixedTags_andUnlistedCodesAreOther() {
    new EndpointMetrics(stats::get, Tags.of("path", "/ws")).bindTo(registry);
    assertThat(registry.get("broadcast.connections").gauge().value()).isZero();

    stats.set(
        new EndpointStats(
            3,
            10,
            1,
            2,
            3,
            4,
            6,
            7,
            5,
            Map.of(1008, 2L, 1001, 1L, 4000, 7L),
            Map.of(1006, 3L, 1000, 1L)));

    assertThat(registry.get("broadcast.connections").tag("path", "/ws").gauge().value())
        .isEqualTo(3);
    assertThat(counter("broadcast.connections.admitted")).isEqualTo(10);
    assertThat(counter("broadcast.handshakes.refused", "reason", "origin")).isEqualTo(1);
    assertThat(counter("broadcast.handshakes.refused", "reason", "rate")).isEqualTo(4);
    assertThat(counter("broadcast.handshakes.refused", "reason", "topics")).isEqualTo(7);
    assertThat(counter("broadcast.handshakes.refused", "reason", "address")).isEqualTo(6);
    assertThat(counter("broadcast.connections.closed", "by", "server", "code", "1008"))
        .isEqualTo(2);
    assertThat(counter("broadcast.connections.closed", "by", "server", "code", "other"))
        .isEqualTo(7);
    assertThat(counter("broadcast.connections.closed", "by", "client", "code", "1006"))
        .isEqualTo(3);
    assertThat(counter("broadcast.connections.closed", "by", "client", "code", "1011")).isZero();
    assertThat(registry.find("broadcast.connections.closed").functionCounters())
        .as("fixed cardinality: 2 x 8")
        .hasSize(16);
  }
}
