package io.github.broadcast.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * The properties carry the builders' names ({@code batch-interval} is {@code batchInterval}); the
 * old names still bind, as deprecated aliases that IDEs flag with their replacement.
 */
final class PropertyNamesTest {

  private static BroadcastProperties bind(Map<String, String> properties) {
    return new Binder(new MapConfigurationPropertySource(properties))
        .bindOrCreate("broadcast", BroadcastProperties.class);
  }

  @Test
  void theNewNames_bind() {
    BroadcastProperties properties =
        bind(
            Map.of(
                "broadcast.batch-interval", "40ms",
                "broadcast.max-batch-delay", "300ms",
                "broadcast.heartbeat.silence-timeout", "50s"));
    assertThat(properties.getBatchInterval()).isEqualTo(Duration.ofMillis(40));
    assertThat(properties.getMaxBatchDelay()).isEqualTo(Duration.ofMillis(300));
    assertThat(properties.getHeartbeat().getSilenceTimeout()).isEqualTo(Duration.ofSeconds(50));
  }

  @Test
  @SuppressWarnings("deprecation")
  void theOldNames_stillBind_toTheSameSettings() {
    BroadcastProperties properties =
        bind(
            Map.of(
                "broadcast.flush-interval", "40ms",
                "broadcast.max-flush-delay", "300ms",
                "broadcast.heartbeat.timeout", "50s"));
    assertThat(properties.getBatchInterval()).isEqualTo(Duration.ofMillis(40));
    assertThat(properties.getMaxBatchDelay()).isEqualTo(Duration.ofMillis(300));
    assertThat(properties.getHeartbeat().getSilenceTimeout()).isEqualTo(Duration.ofSeconds(50));
  }

  @Test
  void whenBothAreSet_theNewNameWins() {
    BroadcastProperties properties =
        bind(
            Map.of(
                "broadcast.batch-interval", "40ms",
                "broadcast.flush-interval", "90ms",
                "broadcast.max-batch-delay", "300ms",
                "broadcast.max-flush-delay", "900ms",
                "broadcast.heartbeat.silence-timeout", "50s",
                "broadcast.heartbeat.timeout", "90s"));
    assertThat(properties.getBatchInterval()).isEqualTo(Duration.ofMillis(40));
    assertThat(properties.getMaxBatchDelay()).isEqualTo(Duration.ofMillis(300));
    assertThat(properties.getHeartbeat().getSilenceTimeout()).isEqualTo(Duration.ofSeconds(50));
    assertThat(bind(Map.of()).getHeartbeat().getSilenceTimeout())
        .as("the default")
        .isEqualTo(Duration.ofSeconds(45));
  }

  @Test
  void theMetadata_marksTheOldNamesDeprecated_withTheirReplacement() throws Exception {
    try (InputStream in =
        getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
      String metadata = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      assertThat(metadata)
          .contains("\"broadcast.batch-interval\"", "\"broadcast.heartbeat.silence-timeout\"")
          .contains("\"replacement\": \"broadcast.batch-interval\"")
          .contains("\"replacement\": \"broadcast.max-batch-delay\"")
          .contains("\"replacement\": \"broadcast.heartbeat.silence-timeout\"");
    }
  }
}
