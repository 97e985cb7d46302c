package io.github.broadcast.examples.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.broadcast.examples.dashboard.core.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** {@code --print-hooks} and {@code --install-hooks}: the block, and the merge into settings. */
final class HooksTest {

  @TempDir Path dir;

  private static Options options(String... args) {
    return Options.parse(args, Map.of("HOME", "/home/me"));
  }

  @Test
  void printedBlock_hasEveryEvent_postingToThisServer_withTheTokenOnlyWhenSet() {
    ObjectNode plain = Hooks.settings(Hooks.url(options()), null);
    assertThat(plain.get("hooks").properties())
        .extracting(Map.Entry::getKey)
        .containsExactlyElementsOf(Hooks.EVENTS);
    String command =
        plain.get("hooks").get("PreToolUse").get(0).get("hooks").get(0).get("command").asString();
    assertThat(plain.get("hooks").get("PreToolUse").get(0).get("matcher").asString())
        .isEqualTo("*");
    assertThat(command)
        .contains("'http://127.0.0.1:8765/api/hooks'", "Content-Type: application/json")
        .contains("Idempotency-Key")
        .doesNotContain("Authorization")
        .endsWith(Hooks.MARKER);

    String withToken =
        Hooks.settings(Hooks.url(options("--token", "it's s3cret")), "it's s3cret")
            .get("hooks")
            .get("Stop")
            .get(0)
            .get("hooks")
            .get(0)
            .get("command")
            .asString();
    assertThat(withToken).contains("-H 'Authorization: Bearer it'\\''s s3cret'");
  }

  @Test
  void url_followsThePublicUrl_tls_andAnExposedBind() throws Exception {
    assertThat(Hooks.url(options("--public-url", "https://dash.example.com/")))
        .isEqualTo("https://dash.example.com/api/hooks");
    assertThat(Hooks.url(options("--host", "0.0.0.0", "--port", "9000")))
        .isEqualTo("http://127.0.0.1:9000/api/hooks");
    Path cert = Files.writeString(dir.resolve("c.pem"), "x");
    assertThat(Hooks.url(options("--tls-cert", cert.toString(), "--tls-key", cert.toString())))
        .startsWith("https://");
    assertThatThrownBy(() -> Hooks.url(options("--port", "0"))).hasMessageStartingWith("--port");
  }

  @Test
  void install_keepsEveryOtherSetting_backsUp_andReplacesItsOwnHooksOnASecondRun()
      throws Exception {
    Path settings = dir.resolve("settings.json");
    String original =
        "{\"model\":\"opus\",\"permissions\":{\"allow\":[\"Bash(ls)\"]},"
            + "\"hooks\":{\"Stop\":[{\"hooks\":[{\"type\":\"command\",\"command\":\"say done\"}]}],"
            + "\"Custom\":[{\"hooks\":[{\"type\":\"command\",\"command\":\"x\"}]}]}}";
    Files.writeString(settings, original);
    ObjectNode ours = Hooks.settings("http://127.0.0.1:8765/api/hooks", null);

    Hooks.Installed first = Hooks.install(settings, ours);
    assertThat(first.backup()).isNotNull();
    assertThat(Files.readString(first.backup())).isEqualTo(original);
    JsonNode merged = Json.MAPPER.readTree(Files.readString(settings));
    assertThat(merged.get("model").asString()).isEqualTo("opus");
    assertThat(merged.get("permissions").get("allow").get(0).asString()).isEqualTo("Bash(ls)");
    assertThat(merged.get("hooks").get("Custom")).hasSize(1);
    assertThat(merged.get("hooks").get("Stop"))
        .as("the user's own Stop hook, then ours")
        .hasSize(2);
    assertThat(merged.get("hooks").get("Stop").get(0).get("hooks").get(0).get("command").asString())
        .isEqualTo("say done");

    Hooks.Installed second = Hooks.install(settings, ours);
    assertThat(second.replaced()).isEqualTo(Hooks.EVENTS.size());
    JsonNode again = Json.MAPPER.readTree(Files.readString(settings));
    assertThat(again.get("hooks").get("Stop")).as("no duplicate").hasSize(2);
    assertThat(again.get("hooks").get("SessionEnd")).hasSize(1);
  }

  @Test
  void install_intoAMissingFile_createsIt() throws Exception {
    Path settings = dir.resolve(".claude/settings.json");
    Hooks.Installed installed =
        Hooks.install(settings, Hooks.settings("http://127.0.0.1:8765/api/hooks", null));
    assertThat(installed.backup()).isNull();
    assertThat(Json.MAPPER.readTree(Files.readString(settings)).get("hooks").size())
        .isEqualTo(Hooks.EVENTS.size());
  }

  @Test
  void install_leavesABrokenFileAlone() throws Exception {
    for (String broken : new String[] {"{not json", "[1,2]", "{\"hooks\":[]}"}) {
      Path settings = dir.resolve("broken.json");
      Files.writeString(settings, broken);
      assertThatThrownBy(
              () -> Hooks.install(settings, Hooks.settings("http://x:1/api/hooks", null)))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("left alone");
      assertThat(Files.readString(settings)).isEqualTo(broken);
      try (Stream<Path> files = Files.list(dir)) {
        assertThat(files.filter(f -> f.getFileName().toString().contains(".bak-"))).isEmpty();
      }
    }
  }

  @Test
  void installHooks_takesAnOptionalFile() {
    assertThat(options("--install-hooks").installHooks)
        .isEqualTo(Path.of("/home/me/.claude/settings.json"));
    assertThat(options("--install-hooks", "/tmp/s.json", "--port", "1").installHooks)
        .isEqualTo(Path.of("/tmp/s.json"));
    assertThat(options("--install-hooks", "--port", "1").installHooks)
        .isEqualTo(Path.of("/home/me/.claude/settings.json"));
    assertThat(options("--print-hooks").printHooks).isTrue();
  }
}
