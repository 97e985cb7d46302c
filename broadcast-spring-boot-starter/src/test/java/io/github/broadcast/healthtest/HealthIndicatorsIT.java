package io.github.broadcast.healthtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.broadcast.SessionStore;
import io.github.broadcast.SessionUpdate;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import tools.jackson.databind.node.ObjectNode;

/**
 * The starter's health indicators under Actuator: {@code broadcast} with the endpoint's figures,
 * and {@code sessionStore}, which takes the node out of the readiness group while its store pauses
 * changes.
 */
@Timeout(120) // A guard against a hang, not a speed assertion.
final class HealthIndicatorsIT {

  private static final AtomicBoolean WRITABLE = new AtomicBoolean(true);

  /**
   * An application of its own, outside the starter's package (which the starter's other tests
   * scan), so that the auto-configuration runs after the application's beans, as in real use.
   */
  @SpringBootApplication
  static class StoreApplication {
    /** A store in this process whose writability the test switches. */
    @Bean(destroyMethod = "close")
    SessionStore sessionStore() {
      SessionStore inner = SessionStore.inMemory().build();
      return new SessionStore() {
        @Override
        public SessionUpdate apply(
            String sessionId, String changeId, UnaryOperator<ObjectNode> change) {
          return inner.apply(sessionId, changeId, change);
        }

        @Override
        public CompletionStage<SessionUpdate> applyAsync(
            String sessionId, String changeId, UnaryOperator<ObjectNode> change) {
          return inner.applyAsync(sessionId, changeId, change);
        }

        @Override
        public Optional<SessionUpdate> remove(String sessionId) {
          return inner.remove(sessionId);
        }

        @Override
        public Optional<SessionUpdate> get(String sessionId) {
          return inner.get(sessionId);
        }

        @Override
        public List<SessionUpdate> snapshot() {
          return inner.snapshot();
        }

        @Override
        public long size() {
          return inner.size();
        }

        @Override
        public void subscribe(Consumer<SessionUpdate> subscriber) {
          inner.subscribe(subscriber);
        }

        @Override
        public boolean acceptsWrites() {
          return WRITABLE.get();
        }

        @Override
        public void close() {
          inner.close();
        }
      };
    }
  }

  private static String status(HealthEndpoint health, String... path) {
    return health.healthForPath(path).getStatus().getCode();
  }

  @Test
  void sessionStore_isOutOfServiceWhileItPausesChanges_andTakesTheNodeOutOfReadiness() {
    WRITABLE.set(true);
    try (ConfigurableApplicationContext context =
        new SpringApplicationBuilder(StoreApplication.class)
            .properties(
                "server.port=0",
                "spring.jmx.enabled=false",
                "broadcast.allowed-origins=https://app.example",
                "management.endpoint.health.probes.enabled=true",
                "management.endpoint.health.group.readiness.include=readinessState,sessionStore")
            .run()) {
      HealthEndpoint health = context.getBean(HealthEndpoint.class);
      Health broadcast =
          context.getBean("broadcastHealthIndicator", HealthIndicator.class).health();
      assertThat(broadcast.getStatus()).isEqualTo(Status.UP);
      assertThat(broadcast.getDetails())
          .containsEntry("path", "/ws/broadcast")
          .containsEntry("clients", 0);
      assertThat(status(health, "sessionStore")).isEqualTo("UP");
      assertThat(status(health, "readiness")).isEqualTo("UP");

      WRITABLE.set(false);
      assertThat(status(health, "sessionStore")).isEqualTo("OUT_OF_SERVICE");
      assertThat(status(health, "readiness")).isEqualTo("OUT_OF_SERVICE");
      assertThat(status(health, "liveness")).as("alive all the same").isEqualTo("UP");

      WRITABLE.set(true);
      assertThat(status(health, "readiness")).isEqualTo("UP");
    } finally {
      WRITABLE.set(true);
    }
  }
}
