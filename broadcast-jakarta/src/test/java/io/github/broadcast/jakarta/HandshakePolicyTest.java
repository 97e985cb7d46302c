package io.github.broadcast.jakarta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.broadcast.Broadcasters;
import io.github.broadcast.testing.FakeTicker;
import java.time.Duration;
import java.util.List;
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
    assertThat(policy.admit(null)).isNull();
    assertThat(policy.admit(null)).isNull();
    assertThat(policy.admit(null)).contains("limit of 2");
    policy.release(null);
    assertThat(policy.admit(null)).isNull();
    assertThat(policy.stats().refusedCapacity()).isEqualTo(1);
    assertThat(policy.stats().open()).isEqualTo(2);
  }

  @Test
  void admission_limitsTheConnectionRate_withBursts() {
    HandshakePolicy policy = builder.connectionRate(2, 3).allowAnyOrigin().build().policy();
    for (int i = 0; i < 3; i++) {
      assertThat(policy.admit(null)).isNull();
    }
    assertThat(policy.admit(null)).contains("rate");
    ticker.advance(Duration.ofMillis(500)); // One token back at 2 a second.
    assertThat(policy.admit(null)).isNull();
    assertThat(policy.admit(null)).contains("rate");
    assertThat(policy.stats().refusedRate()).isEqualTo(2);
  }

  @Test
  void aLoopingAddress_spendsItsOwnAllowance_neverTheSharedOne() {
    HandshakePolicy policy =
        builder
            .maxClients(100)
            .connectionRate(5, 5)
            .connectionRatePerAddress(1, 2)
            .maxClientsPerAddress(3)
            .allowAnyOrigin()
            .build()
            .policy();
    assertThat(policy.admit("10.0.0.1")).isNull();
    assertThat(policy.admit("10.0.0.1")).isNull();
    for (int i = 0; i < 50; i++) { // A reconnect loop: each attempt refused, nothing shared spent.
      assertThat(policy.admit("10.0.0.1")).contains("10.0.0.1");
    }
    for (int i = 2; i <= 4; i++) {
      assertThat(policy.admit("10.0.0." + i)).as("another address").isNull();
    }
    assertThat(policy.stats().refusedAddress()).isEqualTo(50);
    assertThat(policy.stats().refusedRate()).isZero();
    assertThat(policy.stats().open()).isEqualTo(5);

    ticker.advance(Duration.ofSeconds(10)); // Its bucket refills: now its open cap binds.
    policy.release("10.0.0.2");
    assertThat(policy.admit("10.0.0.1")).isNull();
    assertThat(policy.admit("10.0.0.1")).contains("limit of 3");
    policy.release("10.0.0.1");
    assertThat(policy.admit("10.0.0.1")).isNull();
  }

  @Test
  void aRefusalByTheSharedLimits_givesTheAddressItsPlaceBack() {
    HandshakePolicy policy =
        builder.maxClients(1).maxClientsPerAddress(1).allowAnyOrigin().build().policy();
    assertThat(policy.admit("10.0.0.1")).isNull();
    assertThat(policy.admit("10.0.0.2")).contains("limit of 1");
    policy.release("10.0.0.1");
    assertThat(policy.admit("10.0.0.2")).as("its own place was not kept").isNull();
  }

  @Test
  void addressEntries_areDroppedOnceIdle() {
    AddressLimits limits = new AddressLimits(Integer.MAX_VALUE, 1, 2, ticker);
    for (int i = 0; i < 2000; i++) {
      assertThat(limits.admit("a" + i)).isNull();
      limits.release("a" + i);
    }
    assertThat(limits.tracked()).as("buckets still refilling are kept").isGreaterThan(1000);
    ticker.advance(Duration.ofSeconds(2));
    for (int i = 0; i < 2000; i++) {
      limits.admit("b" + i);
      limits.release("b" + i);
    }
    assertThat(limits.tracked()).as("the idle ones were swept").isLessThanOrEqualTo(2000);
    ticker.advance(Duration.ofSeconds(2));
    limits.admit("c");
    limits.release("c");
    assertThat(limits.tracked()).isLessThanOrEqualTo(2001);
  }

  @Test
  void invalidOptions_failNamingTheOption() {
    assertThatThrownBy(() -> builder.maxMessageBytes(0)).hasMessageContaining("maxMessageBytes");
    assertThatThrownBy(() -> builder.maxClients(-1)).hasMessageContaining("maxClients");
    assertThatThrownBy(() -> builder.connectionRate(0, 1)).hasMessageContaining("connectionRate");
    assertThatThrownBy(() -> builder.maxClientsPerAddress(0))
        .hasMessageContaining("maxClientsPerAddress");
    assertThatThrownBy(() -> builder.connectionRatePerAddress(Double.POSITIVE_INFINITY, 1))
        .hasMessageContaining("connectionRatePerAddress");
    assertThatThrownBy(() -> builder.forwardedHeader("X-Real-IP"))
        .hasMessage("forwardedHeader : X-Real-IP (expected: X-Forwarded-For or Forwarded)");
    assertThatThrownBy(() -> builder.trustedProxies(List.of("10.0.0.0/33")))
        .hasMessageContaining("trustedProxies : 10.0.0.0/33");
    assertThatThrownBy(() -> builder.trustedProxies(List.of("proxy.example")))
        .as("never a name: no DNS")
        .hasMessageContaining("trustedProxies : proxy.example");
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
