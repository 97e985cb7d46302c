package io.github.broadcast.examples.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code --delta} and {@code --deflate}: how they are read, and what they change. */
final class WireOptionsTest {

  private static LoadRun.WireOptions parse(Map<String, String> env, String... args) {
    return LoadTest.wireOptions(LoadTest.FLAGS.parse(args, env));
  }

  @Test
  void offByDefault_onFromTheCommandLine_orFromTheEnvironment() {
    assertThat(parse(Map.of())).isEqualTo(LoadRun.WireOptions.PLAIN);
    assertThat(parse(Map.of(), "--delta", "on", "--deflate=ON"))
        .isEqualTo(new LoadRun.WireOptions(true, true));
    assertThat(parse(Map.of("LOAD_TEST_DELTA", "on", "LOAD_TEST_DEFLATE", "on")))
        .isEqualTo(new LoadRun.WireOptions(true, true));
    assertThat(parse(Map.of("LOAD_TEST_DELTA", "on"), "--delta", "off"))
        .as("the command line wins")
        .isEqualTo(LoadRun.WireOptions.PLAIN);
    assertThat(LoadTest.FLAGS.usage()).contains("LOAD_TEST_DELTA", "LOAD_TEST_DEFLATE");
  }

  @Test
  void anotherValue_isRefusedNamingTheFlag_beforeAnythingStarts() {
    assertThatThrownBy(() -> LoadTest.run(new String[] {"--delta", "yes"}, Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--delta : yes (expected: on or off)");
    assertThatThrownBy(() -> LoadTest.run(new String[0], Map.of("LOAD_TEST_DEFLATE", "1")))
        .hasMessage("--deflate : 1 (expected: on or off)");
  }

  @Test
  void delta_addsItsParameter_keepingTheOthers() {
    LoadRun.WireOptions delta = new LoadRun.WireOptions(true, false);
    URI plain = URI.create("ws://127.0.0.1:8765/ws/dashboard");

    assertThat(LoadRun.WireOptions.PLAIN.socket(plain)).isEqualTo(plain);
    assertThat(delta.socket(plain)).hasToString("ws://127.0.0.1:8765/ws/dashboard?delta=1");
    assertThat(delta.socket(URI.create("ws://h:1/ws?token=a%20b&ack=1")))
        .hasToString("ws://h:1/ws?token=a%20b&ack=1&delta=1");
    assertThat(delta.socket(URI.create("ws://h:1/ws?delta=0&ack=1")))
        .hasToString("ws://h:1/ws?ack=1&delta=1");
  }

  @Test
  void deflate_asksTheGrizzlyDashboardForIt_tomcatNegotiatesOnItsOwn() {
    LoadRun.WireOptions deflate = new LoadRun.WireOptions(false, true);

    assertThat(LoadTest.serverArgs(ServerProcess.Kind.GRIZZLY, deflate))
        .containsExactly("--permessage-deflate", "on");
    assertThat(LoadTest.serverArgs(ServerProcess.Kind.GRIZZLY, LoadRun.WireOptions.PLAIN))
        .isEmpty();
    assertThat(LoadTest.serverArgs(ServerProcess.Kind.SPRING, deflate)).isEqualTo(List.of());
  }
}
