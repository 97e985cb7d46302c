package io.github.broadcast.jakarta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.broadcast.Broadcasters;
import io.github.broadcast.testing.FakeTicker;
import java.time.Duration;
import org.junit.jupiter.api.Test;

final class HandshakePolicyTest {

  private final FakeTicker ticker = new FakeTicker();
  private final BroadcastEndpointConfig.Builder builder =
      BroadcastEndpointConfig.newBuilder("/ws", Broadcasters.concurrent()).ticker(ticker);

  @Test
  void origins_listedAndAbsentAllowed_foreignRefusedAndCounted() {
    BroadcastEndpointConfig config = builder.allowedOrigins("https://Dash.example").build();
    HandshakePolicy policy = config.policy();

    assertThat(policy.checkOrigin("https://dash.example")).isTrue();
    assertThat(policy.checkOrigin(null)).as("no Origin: not a browser").isTrue();
    assertThat(policy.checkOrigin("https://dash.example.evil")).isFalse();
    assertThat(policy.checkOrigin("http://dash.example")).as("scheme matters").isFalse();
    assertThat(config.stats().refusedOrigin()).isEqualTo(2);
  }

  @Test
  void allowAnyOrigin_isAnExplicitOptOut() {
    HandshakePolicy policy = builder.allowAnyOrigin().build().policy();
    assertThat(policy.checkOrigin("https://anything.example")).isTrue();
  }

  @Test
  void noOrigins_outsideTheEmbeddedServer_failsAtBuildNamingTheOption() {
    assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("allowedOrigins");
  }

  @Test
  void admission_capsOpenConnections_andReleasesThem() {
    HandshakePolicy policy = builder.maxClients(2).allowAnyOrigin().build().policy();
    assertThat(policy.admit()).isNull();
    assertThat(policy.admit()).isNull();
    assertThat(policy.admit()).contains("limit of 2");
    policy.release();
    assertThat(policy.admit()).isNull();
    assertThat(policy.stats().refusedCapacity()).isEqualTo(1);
    assertThat(policy.stats().open()).isEqualTo(2);
  }

  @Test
  void admission_limitsTheConnectionRate_withBursts() {
    HandshakePolicy policy = builder.connectionRate(2, 3).allowAnyOrigin().build().policy();
    for (int i = 0; i < 3; i++) {
      assertThat(policy.admit()).isNull();
    }
    assertThat(policy.admit()).contains("rate");
    ticker.advance(Duration.ofMillis(500)); // One token back at 2 a second.
    assertThat(policy.admit()).isNull();
    assertThat(policy.admit()).contains("rate");
    assertThat(policy.stats().refusedRate()).isEqualTo(2);
  }

  @Test
  void invalidOptions_failNamingTheOption() {
    assertThatThrownBy(() -> builder.maxMessageBytes(0)).hasMessageContaining("maxMessageBytes");
    assertThatThrownBy(() -> builder.maxClients(-1)).hasMessageContaining("maxClients");
    assertThatThrownBy(() -> builder.connectionRate(0, 1)).hasMessageContaining("connectionRate");
    assertThatThrownBy(() -> builder.inboundRate(1, 0)).hasMessageContaining("inboundRate");
    assertThatThrownBy(() -> builder.allowedOrigins("dash.example"))
        .hasMessageContaining("allowedOrigins");
    assertThatThrownBy(() -> builder.allowedOrigins("https://dash.example/path"))
        .hasMessageContaining("allowedOrigins");
    assertThatThrownBy(() -> builder.idleTimeout(Duration.ofSeconds(-1)))
        .hasMessageContaining("idleTimeout");
    assertThatThrownBy(() -> BroadcastEndpointConfig.newBuilder("ws", Broadcasters.concurrent()))
        .hasMessageContaining("path");
  }
}
