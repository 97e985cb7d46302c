package io.github.broadcast.examples.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.broadcast.Broadcasters;
import io.github.broadcast.OverflowPolicy;
import io.github.broadcast.examples.dashboard.core.Flags;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

final class OptionsTest {

  private static Options parse(String... args) {
    return Options.parse(args, Map.of());
  }

  @Test
  void token_isRepeatable_eachOpeningEveryProjectOrThoseOfItsGlob() {
    Options options =
        parse("--token", "all", "--token", "team=team-*", "--token", "b64==", "--token", "x==y*");
    assertThat(options.tokens.tokens()).containsExactly("all", "team", "b64==", "x=");
    assertThat(options.tokens.allowed("all").isAll()).isTrue();
    assertThat(options.tokens.allowed("team").includes("team-a")).isTrue();
    assertThat(options.tokens.allowed("team").includes("other")).isFalse();
    assertThat(options.tokens.allowed("b64==").isAll()).as("a trailing = is the token's").isTrue();
    assertThat(options.tokens.allowed("x=").includes("yes")).isTrue();
    assertThat(options.tokens.allowed("nope").isNone()).isTrue();
    assertThat(options.token).as("the hooks' token opens everything").isEqualTo("all");
    Options fromEnv = Options.parse(new String[0], Map.of("DASHBOARD_TOKEN", "a b\nc=p*"));
    assertThat(fromEnv.tokens.tokens()).containsExactly("a b", "c");
    Options crlf = Options.parse(new String[0], Map.of("DASHBOARD_TOKEN", "abc \r\nteam=t*\r\n"));
    assertThat(crlf.tokens.tokens())
        .as("line ends and edge spaces are no part of a token")
        .containsExactly("abc", "team");
    assertThat(crlf.tokens.describe())
        .isEqualTo("2 tokens: 1 opens every project, the others open t*");
    assertThat(parse().tokens.required()).isFalse();
    assertThat(parse().tokens.allowed((String) null).isAll()).isTrue();
    assertThat(options.tokens.allowed(null, "nope", "team").includes("team-b"))
        .as("the first credential that is a token counts")
        .isTrue();
    assertThatThrownBy(() -> parse("--token", "a", "--token", "a=x*"))
        .hasMessageContaining("--token : the same token given twice");
    assertThatThrownBy(() -> parse("--token", "=x*")).hasMessageContaining("--token : a blank");
  }

  @Test
  void batchInterval_isThePresetsOwn_unlessGiven_andNoneTurnsItOff() {
    assertThat(parse("--preset", "batched").flushInterval).isEqualTo(Duration.ofMillis(16));
    assertThat(parse("--preset", "backpressure").flushInterval).isNull();
    assertThat(parse("--batch-interval", "none").flushInterval).isNull();
    assertThat(parse("--batch-interval", "100ms").flushInterval).isEqualTo(Duration.ofMillis(100));
    assertThatThrownBy(() -> parse("--preset", "batched", "--batch-interval", "none"))
        .hasMessage(
            "--batch-interval : none (expected: a duration with --preset batched, which batches)");
    assertThatThrownBy(() -> parse("--preset", "sequential", "--batch-interval", "100ms"))
        .hasMessage("--batch-interval : 100ms (expected: none or empty with --preset sequential)");
  }

  @Test
  void defaults_areSafe_loopbackAndTheProductionStrategy() {
    Options options = parse();
    assertThat(options.host).isEqualTo("127.0.0.1");
    assertThat(options.port).isEqualTo(8765);
    assertThat(options.strategy).isEqualTo(Broadcasters.Preset.PRODUCTION);
    // Production flushes every 250 ms (issue 24: deflate finds several patches per frame).
    assertThat(options.flushInterval).isEqualTo(Duration.ofMillis(250));
    assertThat(options.maxOutboxBytes).isEqualTo(1024 * 1024);
    assertThat(options.overflowPolicy).isEqualTo(OverflowPolicy.CONFLATE);
    assertThat(options.origins).isEmpty();
    assertThat(options.anyOrigin).isFalse();
    assertThat(options.token).isNull();
    assertThat(options.transcripts).isNull();
    assertThat(options.simulatedSessions).isZero();
    assertThat(options.taskMax).isEqualTo(2048);
    assertThat(options.socketSendBuffer).isZero();
  }

  @Test
  void flags_winOverTheEnvironment_inBothSpellings() {
    Options options =
        Options.parse(
            new String[] {"--port=9000", "--preset", "batched", "--simulate", "10:2.5"},
            Map.of(
                "DASHBOARD_PORT",
                "7000",
                "DASHBOARD_BATCH_INTERVAL",
                "50ms",
                "DASHBOARD_ALLOWED_ORIGINS",
                "https://a.example, https://b.example"));
    assertThat(options.port).isEqualTo(9000);
    assertThat(options.strategy).isEqualTo(Broadcasters.Preset.BATCHED);
    assertThat(options.flushInterval).isEqualTo(Duration.ofMillis(50));
    assertThat(options.origins).containsExactly("https://a.example", "https://b.example");
    assertThat(options.simulatedSessions).isEqualTo(10);
    assertThat(options.simulatedRate).isEqualTo(2.5);
  }

  @Test
  void socketSendBuffer_takesASize() {
    assertThat(parse("--socket-send-buffer", "64KiB").socketSendBuffer).isEqualTo(65_536);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "--port|70000|--port",
        "--port|eighty|--port",
        "--preset|fastest|--preset",
        "--batch-interval|0ms|--batch-interval",
        "--batch-interval|soon|--batch-interval",
        "--outbox-max-bytes|1GB|--outbox-max-bytes",
        "--socket-send-buffer|-1|--socket-send-buffer",
        "--socket-send-buffer|65MiB|--socket-send-buffer",
        "--overflow-policy|ignore|--overflow-policy",
        "--simulate|ten|--simulate",
        "--simulate|10:0|--simulate",
        "--transcripts|/no/such/folder|--transcripts",
        "--public-url|dash.example.com|--public-url",
        "--public-url|https://dash.example.com/app|--public-url",
        "--connection-rate|100|--connection-rate",
        "--connection-rate|0:10|--connection-rate",
        "--max-clients|0|--max-clients",
        "--tls-cert|/no/such/cert.pem|--tls-cert",
        "--request-body-timeout|0s|--request-body-timeout",
        "--shutdown-grace|soon|--shutdown-grace",
        "--bogus|1|--bogus",
      })
  void badValue_stopsWithAMessageNamingTheOption(String flag, String value, String named) {
    assertThatThrownBy(() -> parse(flag, value))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(named);
  }

  @Test
  void tlsCertWithoutKey_isRefused() throws Exception {
    Path cert = Files.createTempFile("cert", ".pem");
    try {
      assertThatThrownBy(() -> parse("--tls-cert", cert.toString()))
          .hasMessageStartingWith("--tls-cert and --tls-key");
    } finally {
      Files.delete(cert);
    }
  }

  @Test
  void everyOption_isDocumentedOnTheConfigurationPage() throws Exception {
    String page = Files.readString(Path.of("../../site/src/pages/configuration.md"));
    for (String flag : Options.flags()) {
      assertThat(page).as("configuration.md documents --" + flag).contains("`--" + flag + "`");
    }
  }

  /**
   * The old names (before one vocabulary across the builders, the Spring properties and this
   * command line) still work for one minor version, flags and variables alike; the new name wins
   * when both are given.
   */
  @Test
  void oldNames_stillWork_asDeprecatedAliases() {
    Options options =
        Options.parse(
            new String[] {
              "--strategy=batched", "--flush-interval", "40ms", "--grace=9s", "--body-timeout=3s"
            },
            Map.of("DASHBOARD_ORIGINS", "https://a.example", "DASHBOARD_PING_INTERVAL", "7s"));
    assertThat(options.strategy).isEqualTo(Broadcasters.Preset.BATCHED);
    assertThat(options.flushInterval).isEqualTo(Duration.ofMillis(40));
    assertThat(options.grace).isEqualTo(Duration.ofSeconds(9));
    assertThat(options.bodyTimeout).isEqualTo(Duration.ofSeconds(3));
    assertThat(options.origins).containsExactly("https://a.example");
    assertThat(options.pingInterval).isEqualTo(Duration.ofSeconds(7));
    assertThat(parse("--preset", "concurrent", "--strategy", "batched").strategy)
        .as("the new name wins")
        .isEqualTo(Broadcasters.Preset.CONCURRENT);
  }

  @Test
  void everyDeprecatedName_isReportedNamingItsReplacement() {
    Flags.Result result =
        Options.FLAGS.parse(
            new String[] {"--max-outbox-bytes=1MiB"}, Map.of("DASHBOARD_STRATEGY", "batched"));
    assertThat(result.warnings())
        .containsExactlyInAnyOrder(
            "--max-outbox-bytes is deprecated and goes in the next minor version: use"
                + " --outbox-max-bytes",
            "DASHBOARD_STRATEGY is deprecated and goes in the next minor version: use"
                + " DASHBOARD_PRESET");
    assertThat(Options.FLAGS.parse(new String[] {"--preset=batched"}, Map.of()).warnings())
        .isEmpty();
  }

  @Test
  void missingValue_isReported() {
    assertThatThrownBy(() -> parse("--port")).hasMessage("--port : missing value");
  }

  @Test
  void help_listsEveryOptionWithItsEnvironmentVariableAndDefault() {
    assertThat(parse("--help").help).isTrue();
    String usage = Options.usage();
    assertThat(usage)
        .contains(
            "--port",
            "DASHBOARD_PORT",
            "default: 8765",
            "--simulate",
            "--preset",
            "sequential | concurrent",
            "deprecated: --strategy (DASHBOARD_STRATEGY)",
            "--token",
            "--transcripts");
  }

  @Test
  void sizesAndDurations_acceptTheirUnits() {
    assertThat(Options.bytes("x", "64KiB")).isEqualTo(65_536);
    assertThat(Options.bytes("x", "2MiB")).isEqualTo(2 * 1024 * 1024);
    assertThat(Options.duration("x", "2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(Options.duration("x", "1h")).isEqualTo(Duration.ofHours(1));
  }

  @Test
  void dataDir_defaultsUnderTheUsersHome_butADemoOrATestKeepsNothing() {
    assertThat(Options.parse(new String[0], Map.of("HOME", "/h")).dataDir)
        .isEqualTo(Path.of("/h/.local/share/broadcast-dashboard"));
    assertThat(Options.parse(new String[0], Map.of("HOME", "/h", "XDG_DATA_HOME", "/x")).dataDir)
        .isEqualTo(Path.of("/x/broadcast-dashboard"));
    assertThat(Options.parse(new String[0], Map.of()).dataDir).as("no home: a test").isNull();
    assertThat(Options.parse(new String[] {"--simulate", "5:1"}, Map.of("HOME", "/h")).dataDir)
        .isNull();
    assertThat(
            Options.parse(new String[] {"--simulate", "5:1", "--data-dir", "/d"}, Map.of()).dataDir)
        .isEqualTo(Path.of("/d"));
    assertThat(Options.parse(new String[] {"--data-dir", "none"}, Map.of("HOME", "/h")).dataDir)
        .isNull();
  }
}
