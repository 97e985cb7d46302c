package io.github.broadcast.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.broadcast.Broadcaster;
import io.github.broadcast.micrometer.BroadcastMetrics;
import io.github.broadcast.micrometer.EndpointMetrics;
import io.github.broadcast.testing.RecordingClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.websocket.server.ServerContainer;
import java.lang.reflect.Proxy;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

/** The starter with and without Micrometer on the class path. */
final class OptionalMicrometerTest {

  /** A ServerContainer that accepts the endpoint and does nothing else. */
  private static final ServerContainer CONTAINER =
      (ServerContainer)
          Proxy.newProxyInstance(
              OptionalMicrometerTest.class.getClassLoader(),
              new Class<?>[] {ServerContainer.class},
              (proxy, method, args) -> null);

  private final WebApplicationContextRunner runner =
      new WebApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  BroadcastAutoConfiguration.class, BroadcastMetricsAutoConfiguration.class))
          .withPropertyValues("broadcast.allowed-origins=https://app.example")
          .withInitializer(
              context ->
                  context
                      .getServletContext()
                      .setAttribute(ServerContainer.class.getName(), CONTAINER));

  @Test
  void withoutMicrometer_theBroadcasterStarts_withoutMeters() {
    runner
        .withClassLoader(new FilteredClassLoader(MeterRegistry.class, BroadcastMetrics.class))
        .run(
            context -> {
              assertThat(context).hasNotFailed().hasSingleBean(Broadcaster.class);
              assertThat(context).doesNotHaveBean("broadcastMetrics");
            });
  }

  @Test
  void withMicrometer_theMetersFollowTheBroadcaster_andTheEndpoint() {
    runner
        .withBean(SimpleMeterRegistry.class)
        .run(
            context -> {
              assertThat(context)
                  .hasNotFailed()
                  .hasSingleBean(BroadcastMetrics.class)
                  .hasSingleBean(EndpointMetrics.class);
              MeterRegistry registry = context.getBean(MeterRegistry.class);
              context.getBean(BroadcastMetrics.class).bindTo(registry);
              context.getBean(EndpointMetrics.class).bindTo(registry);
              context.getBean(Broadcaster.class).register(new RecordingClient("c"));
              assertThat(
                      registry
                          .get("broadcast.clients")
                          .tag("path", "/ws/broadcast")
                          .gauge()
                          .value())
                  .as("the meters read the starter's broadcaster")
                  .isEqualTo(1);
              assertThat(
                      registry
                          .get("broadcast.handshakes.refused")
                          .tags("path", "/ws/broadcast", "reason", "origin")
                          .functionCounter()
                          .count())
                  .isZero();
            });
  }
}
