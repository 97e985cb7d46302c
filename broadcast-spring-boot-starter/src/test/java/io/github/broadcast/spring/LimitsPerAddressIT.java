package io.github.broadcast.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.broadcast.jakarta.BroadcastEndpointConfig;
import io.github.broadcast.testing.WsTestClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The limits per address from {@code broadcast.*} properties, behind a trusted proxy (loopback; the
 * clients' addresses in {@code X-Forwarded-For}), on Tomcat; and the failures a half-set rate or a
 * bad proxy entry give at start.
 */
@SpringBootTest(
    classes = TestApplication.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "broadcast.path=/ws/test",
      "broadcast.preset=concurrent",
      "broadcast.allow-any-origin=true",
      "broadcast.max-clients-per-address=2",
      "broadcast.connection-rate-per-address.per-second=100",
      "broadcast.connection-rate-per-address.burst=100",
      "broadcast.trusted-proxies=127.0.0.1,::1"
    })
@Timeout(120) // A guard against a hang, not a speed assertion.
final class LimitsPerAddressIT {

  private final HttpClient http = HttpClient.newHttpClient();

  @LocalServerPort int port;
  @Autowired BroadcastEndpointConfig endpoint;

  private WsTestClient from(String address, String id) throws Exception {
    return WsTestClient.connectWith(
        http,
        URI.create("ws://127.0.0.1:" + port + "/ws/test"),
        id,
        Map.of("X-Forwarded-For", address));
  }

  @Test
  void anAddressAtItsLimit_isClosedWith1013_andAnotherStillGetsIn() throws Exception {
    WsTestClient first = from("198.51.100.9", "a");
    await().until(() -> first.recorder().types().contains("initial_state"));
    WsTestClient second = from("198.51.100.9", "b");
    await().until(() -> second.recorder().types().contains("initial_state"));
    WsTestClient third = from("198.51.100.9", "c");
    assertThat(third.closeCode().get(30, TimeUnit.SECONDS)).isEqualTo(1013);
    WsTestClient other = from("198.51.100.10", "d");
    await().until(() -> other.recorder().types().contains("initial_state"));
    assertThat(endpoint.stats().refusedAddress()).isEqualTo(1);
    for (WsTestClient client : new WsTestClient[] {first, second, other}) {
      client.close();
    }
  }

  @Test
  void aHalfSetRate_orABadProxy_failsTheStartNamingTheProperty() {
    for (String[] bad :
        new String[][] {
          {"broadcast.connection-rate-per-address.per-second=5"},
          {"broadcast.trusted-proxies=proxy.internal"}
        }) {
      assertThatThrownBy(
              () ->
                  new SpringApplicationBuilder(TestApplication.class)
                      .properties("server.port=0", "broadcast.allow-any-origin=true")
                      .properties(bad)
                      .run()
                      .close())
          .as(bad[0])
          .hasRootCauseMessage(
              bad[0].startsWith("broadcast.trusted")
                  ? "broadcast.trusted-proxies : proxy.internal (expected: an IP address or a CIDR"
                      + " network,"
                      + " such as 10.0.0.0/8 or fd00::/8)"
                  : "broadcast.connection-rate-per-address.burst : unset (expected: a value; a rate"
                      + " needs both per-second and burst)");
    }
  }
}
