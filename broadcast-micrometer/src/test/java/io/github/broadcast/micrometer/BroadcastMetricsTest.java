package io.github.broadcast.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.broadcast.Broadcaster;
import io.github.broadcast.Broadcasters;
import io.github.broadcast.CloseReason;
import io.github.broadcast.SessionUpdate;
import io.github.broadcast.Topics;
import io.github.broadcast.testing.FakeTicker;
import io.github.broadcast.testing.ManualScheduler;
import io.github.broadcast.testing.RecordingClient;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.ObjectMapper;

final class BroadcastMetricsTest {

  private final FakeTicker ticker = new FakeTicker();
  private final ManualScheduler scheduler = new ManualScheduler(ticker);
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final BroadcastMetrics metrics =
      new BroadcastMetrics(Tags.of("path", "/ws"), ticker::read);
  private Broadcaster broadcaster;

  @AfterEach
  void tearDown() {
    if (broadcaster != null) {
      broadcaster.close();
    }
  }

  private static SessionUpdate update(String id, long version) {
    return SessionUpdate.of(id, version, new ObjectMapper().createObjectNode().put("n", version));
  }

  private double value(String name, String... tags) {
    return registry.get(name).tags(tags).meter().measure().iterator().next().getValue();
  }

  @Test
  void meters_followTheBroadcaster_boundBeforeItIsEvenMonitored() {
    metrics.bindTo(registry); // A Spring context may bind first.
    assertThat(value("broadcast.clients")).isZero();
    broadcaster =
        Broadcasters.Preset.CONCURRENT
            .newBuilder()
            .ticker(ticker)
            .scheduler(scheduler)
            .listener(metrics)
            .slowBroadcastThreshold(Duration.ofMillis(5))
            .build();
    metrics.monitor(broadcaster);
    RecordingClient fast = new RecordingClient("fast");
    RecordingClient slow = new RecordingClient("slow").stall();
    broadcaster.register(fast);
    broadcaster.register(slow);
    slow.completeNext(); // Its initial_state.

    broadcaster.publish(update("s", 1));
    ticker.advance(Duration.ofMillis(20));
    slow.completeNext(); // 20 ms late: a slow broadcast.
    broadcaster.publish(update("s", 1)); // Stale.
    broadcaster.unregister(slow);
    RecordingClient gone = new RecordingClient("gone");
    broadcaster.register(gone);
    gone.close(CloseReason.POLICY_VIOLATION); // A close the broadcaster did not make: not counted.
    ticker.advance(Duration.ofSeconds(1)); // The next scrape: a fresh snapshot.

    assertThat(value("broadcast.clients", "path", "/ws")).isEqualTo(2);
    assertThat(value("broadcast.updates.published")).isEqualTo(2);
    assertThat(value("broadcast.updates.stale")).isEqualTo(1);
    assertThat(value("broadcast.frames.sent")).isEqualTo(5); // 3 initial_state, 2 updates.
    assertThat(value("broadcast.slow.broadcasts")).isEqualTo(1);
    assertThat(registry.get("broadcast.delivery.latency").timer().count()).isEqualTo(2);
    assertThat(registry.get("broadcast.delivery.latency").timer().max(TimeUnit.MILLISECONDS))
        .isEqualTo(20);

    broadcaster.close();
    assertThat(value("broadcast.clients")).as("the same scrape, the same snapshot").isEqualTo(2);
    ticker.advance(Duration.ofSeconds(1));
    assertThat(value("broadcast.clients")).isZero();
    assertThat(value("broadcast.closes", "reason", "shutdown")).isEqualTo(2);
    assertThat(value("broadcast.closes", "reason", "too_slow")).isZero();
  }

  @Test
  void prometheus_showsBroadcastUnderscoreNames_withUnits_andAHistogramOnlyWhereConfigured() {
    broadcaster = Broadcasters.Preset.CONCURRENT.newBuilder().listener(metrics).build();
    metrics.monitor(broadcaster).bindTo(registry);
    broadcaster.register(new RecordingClient("c"));
    broadcaster.publish(update("s", 1));

    String scrape = registry.scrape();
    assertThat(scrape)
        .contains("broadcast_clients{path=\"/ws\"} 1.0")
        .contains("broadcast_queued_bytes")
        .contains("broadcast_updates_published_total{path=\"/ws\"} 1.0")
        .contains("broadcast_sent_bytes_total{path=\"/ws\"}")
        .contains("broadcast_closes_total{path=\"/ws\",reason=\"send_timeout\"} 0.0")
        .contains("broadcast_delivery_latency_seconds_count{path=\"/ws\"} 1")
        .doesNotContain("broadcast_delivery_latency_seconds_bucket");

    PrometheusMeterRegistry configured = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    configured.config().meterFilter(BroadcastMetrics.latencyHistogram());
    metrics.bindTo(configured);
    metrics.delivered(TimeUnit.MILLISECONDS.toNanos(3));
    assertThat(configured.scrape()).contains("broadcast_delivery_latency_seconds_bucket");
  }

  @Test
  void subscribersPerTopic_areGaugedForTheFirstKeysSeen_andTheRestSummedAsOther() {
    broadcaster = Broadcasters.Preset.CONCURRENT.newBuilder().build();
    metrics.maxTopicGauges(2).monitor(broadcaster).bindTo(registry);
    broadcaster.register(new RecordingClient("a").watching(Topics.of("alice"), "owner"));
    broadcaster.register(new RecordingClient("a2").watching(Topics.of("alice"), "owner"));
    broadcaster.register(new RecordingClient("b").watching(Topics.of("bob"), "owner"));
    registry.scrape(); // Sees alice and bob: both gauged.
    broadcaster.register(new RecordingClient("c").watching(Topics.of("carol"), "owner"));
    broadcaster.register(new RecordingClient("d").watching(Topics.matching("d*"), "owner"));
    ticker.advance(Duration.ofSeconds(1));

    String scrape = registry.scrape();
    assertThat(scrape)
        .contains("broadcast_topic_subscribers{path=\"/ws\",topic=\"alice\"} 2.0")
        .contains("broadcast_topic_subscribers{path=\"/ws\",topic=\"bob\"} 1.0")
        .contains("broadcast_topic_subscribers{path=\"/ws\",topic=\"(other)\"} 2.0")
        .contains("broadcast_topics{path=\"/ws\"} 4.0")
        .doesNotContain("topic=\"carol\"");
  }

  @Test
  void oneScrape_readsTheBroadcastersStatsOnce_whateverTheNumberOfMeters() {
    broadcaster = Broadcasters.Preset.CONCURRENT.newBuilder().build();
    AtomicInteger snapshots = new AtomicInteger();
    Broadcaster counted =
        (Broadcaster)
            Proxy.newProxyInstance(
                getClass().getClassLoader(),
                new Class<?>[] {Broadcaster.class},
                (proxy, method, args) -> {
                  if (method.getName().equals("stats")) {
                    snapshots.incrementAndGet();
                  }
                  return method.invoke(broadcaster, args);
                });
    metrics.monitor(counted).bindTo(registry);
    registry.scrape();
    assertThat(snapshots).hasValue(1);
    registry.scrape();
    assertThat(snapshots).as("within the second").hasValue(1);
    ticker.advance(Duration.ofSeconds(1));
    registry.scrape();
    assertThat(snapshots).hasValue(2);
  }
}
