package io.github.broadcast.tyrus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

final class ServerNamesTest {

  @Test
  void loopback_answersToItsLoopbackNamesOnItsPort_only() throws Exception {
    ServerNames names = ServerNames.of("127.0.0.1", 8765, false, List.of());
    assertThat(names.isHost("127.0.0.1:8765")).isTrue();
    assertThat(names.isHost("LOCALHOST:8765")).isTrue();
    assertThat(names.isHost("[::1]:8765")).isTrue();
    assertThat(names.isHost("[0:0:0:0:0:0:0:1]:8765")).as("the same address, long form").isTrue();
    assertThat(names.isHost("localhost:8766")).as("another port").isFalse();
    assertThat(names.isHost("localhost")).as("port 80 implied").isFalse();
    assertThat(names.isHost("evil.example:8765")).as("DNS rebinding").isFalse();
    assertThat(names.isHost("127.0.0.1.evil.example:8765")).isFalse();
    assertThat(names.isHost(null)).isFalse();
    assertThat(names.origins())
        .contains("http://localhost:8765", "http://127.0.0.1:8765", "https://[::1]:8765")
        .noneMatch(origin -> origin.contains("evil"));
  }

  @Test
  void defaultPort_mayBeLeftOut_asBrowsersDo() throws Exception {
    ServerNames plain = ServerNames.of("127.0.0.1", 80, false, List.of());
    assertThat(plain.isHost("localhost")).isTrue();
    assertThat(plain.isHost("localhost:80")).isTrue();
    assertThat(plain.origins()).contains("http://localhost", "https://localhost:80");
    ServerNames tls = ServerNames.of("127.0.0.1", 443, true, List.of());
    assertThat(tls.isHost("localhost")).isTrue();
    assertThat(tls.origins()).contains("https://localhost");
  }

  @Test
  void everyAddress_addsTheMachinesNamesAndAddresses_butNotTheWildcard() throws Exception {
    ServerNames names = ServerNames.of("0.0.0.0", 8765, false, List.of());
    String machine = InetAddress.getLocalHost().getHostName().toLowerCase();
    assertThat(names.isHost(machine + ":8765")).isTrue();
    assertThat(names.origins()).contains("http://" + machine + ":8765");
    assertThat(names.isHost("localhost:8765")).isTrue();
    assertThat(names.isHost("0.0.0.0:8765")).isFalse();
    assertThat(names.isHost("evil.example:8765")).isFalse();
  }

  @Test
  void aSpecificAddress_isItsOnlyName() throws Exception {
    String address = InetAddress.getLocalHost().getHostAddress();
    ServerNames names = ServerNames.of(address, 9000, false, List.of());
    assertThat(names.isHost(address + ":9000")).isTrue();
    if (!InetAddress.getByName(address).isLoopbackAddress()) {
      assertThat(names.isHost("localhost:9000")).isFalse();
    }
  }

  @Test
  void publicUrls_addTheirHostAndOrigin_withDefaultPortsLeftOut() throws Exception {
    ServerNames names =
        ServerNames.of(
            "127.0.0.1",
            8765,
            false,
            List.of(
                ServerNames.checkPublicUrl("https://Dash.Example.com"),
                ServerNames.checkPublicUrl("http://intranet.example:8080/")));
    assertThat(names.isHost("dash.example.com")).isTrue();
    assertThat(names.isHost("dash.example.com:443")).isTrue();
    assertThat(names.isHost("dash.example.com:8765")).isFalse();
    assertThat(names.isHost("intranet.example:8080")).isTrue();
    assertThat(names.isHost("intranet.example")).isFalse();
    assertThat(names.origins())
        .contains("https://dash.example.com", "http://intranet.example:8080");
    assertThat(names.origins()).doesNotContain("http://dash.example.com");
    assertThat(names.isSecureHost("dash.example.com")).isTrue();
    assertThat(names.isSecureHost("intranet.example:8080")).isFalse();
  }

  @Test
  void badPublicUrls_failNamingTheOption() {
    for (String bad :
        new String[] {
          "",
          "dash.example.com",
          "ftp://dash.example.com",
          "https://dash.example.com/app",
          "https://user@dash.example.com",
          "https://dash.example.com/?x=1",
          "https://"
        }) {
      assertThatThrownBy(() -> ServerNames.checkPublicUrl(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("publicUrl");
    }
    assertThat(ServerNames.checkPublicUrl("https://dash.example.com/"))
        .isEqualTo(URI.create("https://dash.example.com/"));
  }

  @Test
  void ipv6_isCompressedAsBrowsersWriteIt() {
    assertThat(ServerNames.uriHost("0:0:0:0:0:0:0:1")).isEqualTo("[::1]");
    assertThat(ServerNames.uriHost("fd00:0:0:0:0:0:0:2%eth0")).isEqualTo("[fd00::2]");
    assertThat(ServerNames.uriHost("2001:db8:0:1:0:0:0:1")).isEqualTo("[2001:db8:0:1::1]");
    assertThat(ServerNames.uriHost("2001:db8:1:1:1:1:1:1")).isEqualTo("[2001:db8:1:1:1:1:1:1]");
    assertThat(ServerNames.uriHost("127.0.0.1")).isEqualTo("127.0.0.1");
  }
}
