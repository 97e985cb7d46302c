package io.github.broadcast.examples.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.broadcast.testing.Prerequisites;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The hook command {@code --print-hooks} prints, run as Claude Code runs it (the event's JSON on
 * stdin of {@code sh -c}), against a dashboard with a token: the event arrives; the same command
 * without the token changes nothing and still exits 0, so it never fails a Claude Code turn.
 */
@Timeout(60) // A guard against a hang, not a speed assertion.
final class HooksIT {

  private DashboardServer server;

  @AfterEach
  void tearDown() {
    if (server != null) {
      server.close();
    }
  }

  private static int run(String command, String stdin) throws Exception {
    Process shell = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true).start();
    shell.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
    shell.getOutputStream().close();
    shell.getInputStream().readAllBytes();
    assertThat(shell.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return shell.exitValue();
  }

  @Test
  void thePrintedCommand_postsTheEvent_andNeverFailsTheHook() throws Exception {
    Prerequisites.require(
        Files.isExecutable(Path.of("/usr/bin/curl")), "/usr/bin/curl", "apt-get install curl");
    server =
        DashboardServer.start(
            Options.parse(new String[] {"--port", "0", "--token", "s3 'cret"}, Map.of()));
    Options same =
        Options.parse(
            new String[] {"--port", String.valueOf(server.port()), "--token", "s3 'cret"},
            Map.of());
    String command =
        Hooks.settings(Hooks.url(same), same.token)
            .get("hooks")
            .get("UserPromptSubmit")
            .get(0)
            .get("hooks")
            .get(0)
            .get("command")
            .asString();
    String event =
        "{\"session_id\":\"from-curl\",\"hook_event_name\":\"UserPromptSubmit\","
            + "\"prompt\":\"it's here\",\"cwd\":\"/home/me/app\"}";

    assertThat(run(command, event)).isZero();
    assertThat(server.store().get("from-curl")).isPresent();
    assertThat(
            server
                .store()
                .get("from-curl")
                .orElseThrow()
                .state()
                .get("task_description")
                .asString())
        .isEqualTo("it's here");

    String withoutToken = Hooks.command(Hooks.url(same), null);
    assertThat(run(withoutToken, event.replace("from-curl", "no-token"))).isZero();
    assertThat(server.store().get("no-token")).isEmpty();
  }
}
