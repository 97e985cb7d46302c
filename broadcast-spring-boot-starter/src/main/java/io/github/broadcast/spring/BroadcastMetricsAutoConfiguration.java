package io.github.broadcast.spring;

import io.github.broadcast.Broadcaster;
import io.github.broadcast.jakarta.BroadcastEndpointConfig;
import io.github.broadcast.micrometer.BroadcastMetrics;
import io.github.broadcast.micrometer.EndpointMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * The {@code broadcast.*} meters, where Micrometer and broadcast-micrometer are on the class path
 * (both optional for the starter): {@link EndpointMetrics} for the connections, and a {@link
 * BroadcastMetrics} bean, tagged with the endpoint's {@code path}, which Spring Boot binds to every
 * registry and the broadcaster takes as a listener (every {@code BroadcastListener} bean is one),
 * and which reads the broadcaster's stats once the context has started. Histograms are left to
 * Boot's {@code management.metrics.distribution.*}.
 */
@AutoConfiguration(after = BroadcastAutoConfiguration.class)
@ConditionalOnClass({MeterRegistry.class, BroadcastMetrics.class})
@ConditionalOnBean(BroadcastEndpointConfig.class)
class BroadcastMetricsAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean
  BroadcastMetrics broadcastMetrics(BroadcastProperties properties) {
    return new BroadcastMetrics(Tags.of("path", properties.getPath()));
  }

  /** The endpoint's connections: admitted, refused by reason, closed by code and by whom. */
  @Bean
  @ConditionalOnMissingBean
  EndpointMetrics endpointMetrics(
      BroadcastEndpointConfig endpoint, BroadcastProperties properties) {
    return new EndpointMetrics(endpoint::stats, Tags.of("path", properties.getPath()));
  }

  /**
   * Points the meters at the broadcaster, once every singleton exists (the two need each other).
   */
  @Bean
  SmartInitializingSingleton broadcastMetricsMonitor(
      BroadcastMetrics metrics, Broadcaster broadcaster) {
    return () -> metrics.monitor(broadcaster);
  }
}
