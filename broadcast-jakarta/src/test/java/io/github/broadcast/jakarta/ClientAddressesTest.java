package io.github.broadcast.jakarta;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class ClientAddressesTest {

  private final ClientAddresses trusting =
      new ClientAddresses(
          List.of("10.0.0.0/8", "192.168.1.7", "fd00::/8"), ClientAddresses.X_FORWARDED_FOR);
  private final ClientAddresses trustingNone =
      new ClientAddresses(List.of(), ClientAddresses.X_FORWARDED_FOR);

  private static InetAddress ip(String literal) {
    return ClientAddresses.literal(literal);
  }

  private String client(String peer, String... chain) {
    return trusting.client(ip(peer), List.of(chain)).getHostAddress();
  }

  @Test
  void anUntrustedPeer_isTheClient_whateverItsHeadersSay() {
    assertThat(client("203.0.113.9", "198.51.100.1")).isEqualTo("203.0.113.9");
    assertThat(trustingNone.client(ip("10.0.0.1"), List.of("198.51.100.1")).getHostAddress())
        .isEqualTo("10.0.0.1");
  }

  @Test
  void behindTrustedProxies_theNearestUntrustedHop_fromTheRight() {
    assertThat(client("10.1.2.3", "198.51.100.1")).isEqualTo("198.51.100.1");
    // The client wrote the left entry itself: only what the proxies appended is believed.
    assertThat(client("10.1.2.3", "1.1.1.1", "198.51.100.1", "192.168.1.7"))
        .isEqualTo("198.51.100.1");
    assertThat(client("10.1.2.3", "10.9.9.9")).as("all trusted: the oldest").isEqualTo("10.9.9.9");
    assertThat(client("10.1.2.3")).as("no chain: the proxy").isEqualTo("10.1.2.3");
    assertThat(client("10.1.2.3", "1.1.1.1", "unknown", "10.4.4.4"))
        .as("an unidentifiable hop: the proxy that reported it")
        .isEqualTo("10.4.4.4");
    assertThat(client("192.168.1.8", "198.51.100.1"))
        .as("not the listed one")
        .isEqualTo("192.168.1.8");
  }

  /**
   * Only the configured header is read. A proxy that appends to X-Forwarded-For passes a client's
   * own Forwarded through untouched: believing it would let the client name any address.
   */
  @Test
  void onlyTheConfiguredHeader_isRead_neverTheOther() {
    Map<String, List<String>> spoofed =
        Map.of(
            "Forwarded", List.of("for=6.6.6.6"), // Written by the client.
            "X-Forwarded-For", List.of("198.51.100.1")); // Appended by the proxy.
    assertThat(trusting.client(ip("10.0.0.1"), trusting.chain(spoofed)).getHostAddress())
        .isEqualTo("198.51.100.1");
    ClientAddresses rfc7239 = new ClientAddresses(List.of("10.0.0.0/8"), ClientAddresses.FORWARDED);
    Map<String, List<String>> forwarded =
        Map.of(
            "forwarded",
            List.of("for=192.0.2.60;proto=http, For=\"[2001:db8::17]:4711\"", "for=10.0.0.5:80"),
            "X-Forwarded-For",
            List.of("6.6.6.6"));
    List<String> chain = rfc7239.chain(forwarded);
    assertThat(chain).containsExactly("192.0.2.60", "[2001:db8::17]:4711", "10.0.0.5:80");
    assertThat(rfc7239.client(ip("10.0.0.1"), chain).getHostAddress())
        .isEqualTo("2001:db8:0:0:0:0:0:17");
    assertThat(trusting.chain(Map.of("x-forwarded-for", List.of("1.2.3.4, 5.6.7.8"))))
        .containsExactly("1.2.3.4", "5.6.7.8");
  }

  @Test
  void literalsOnly_neverALookUp() {
    // Each of these fails to parse as a literal; InetAddress.getByName would then have asked DNS.
    // Addresses.literal parses IPv4 itself and hands IPv6 to the JDK in brackets, which it parses
    // or refuses, never resolves.
    assertThat(ip("999.1.1.1")).isNull();
    assertThat(ip("1.2.3")).isNull();
    assertThat(ip(".::1")).isNull();
    assertThat(ip("1.2.3.4.example")).isNull();
    assertThat(ip("192.0.2.1").getHostAddress()).isEqualTo("192.0.2.1");
    assertThat(ip("::ffff:192.0.2.1").getHostAddress()).isEqualTo("192.0.2.1");
    assertThat(ip("localhost")).isNull();
    assertThat(ip("example.com")).isNull();
    assertThat(ip("1.2.3.999")).isNull();
    assertThat(ip("_hidden")).isNull();
    assertThat(ip("[::1]")).isNotNull();
  }

  @Test
  void keys_ipv4AsItIs_ipv6AsItsSlash64() {
    assertThat(ClientAddresses.key(ip("198.51.100.1"))).isEqualTo("198.51.100.1");
    assertThat(ClientAddresses.key(ip("2001:db8:1:2:aaaa::1")))
        .isEqualTo(ClientAddresses.key(ip("2001:db8:1:2:bbbb::9")))
        .isEqualTo("2001:db8:1:2::/64");
    assertThat(ClientAddresses.key(ip("2001:db8:1:3::1"))).isNotEqualTo("2001:db8:1:2::/64");
  }

  @Test
  void networks_matchByPrefix() {
    assertThat(trusting.trusts(ip("10.255.0.1"))).isTrue();
    assertThat(trusting.trusts(ip("11.0.0.1"))).isFalse();
    assertThat(trusting.trusts(ip("fd12::1"))).isTrue();
    assertThat(trusting.trusts(ip("fe80::1"))).isFalse();
    assertThat(
            new ClientAddresses(List.of("0.0.0.0/0"), ClientAddresses.X_FORWARDED_FOR)
                .trusts(ip("8.8.8.8")))
        .isTrue();
  }
}
