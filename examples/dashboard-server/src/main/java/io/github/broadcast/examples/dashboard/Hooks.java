package io.github.broadcast.examples.dashboard;

import io.github.broadcast.examples.dashboard.core.Json;
import io.github.broadcast.examples.dashboard.core.SessionModel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The Claude Code hooks that feed this dashboard: the {@code settings.json} block that {@code
 * --print-hooks} prints and {@code --install-hooks} merges into a settings file. Each hook posts
 * the event's JSON (its stdin) with curl, with an {@code Idempotency-Key} made once per event (so
 * curl's retry counts once), the token when there is one, a 2 s limit, and never fails the hook.
 */
final class Hooks {

  /** The events a card follows. */
  static final List<String> EVENTS = SessionModel.EVENTS;

  /** Ends every command this dashboard installs, so a later install finds and replaces them. */
  static final String MARKER = "# broadcast-dashboard";

  private Hooks() {}

  /** The address hooks post to: the first public URL, or this server's own. */
  static String url(Options options) {
    if (!options.publicUrls.isEmpty()) {
      return options.publicUrls.get(0).replaceAll("/+$", "") + "/api/hooks";
    }
    if (options.port == 0) {
      throw new IllegalArgumentException(
          "--port : 0 (expected: the port the dashboard will listen on, for the hooks to post to)");
    }
    String host = options.host;
    if (host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")) {
      host = "127.0.0.1";
    } else if (host.contains(":") && !host.startsWith("[")) {
      host = "[" + host + "]";
    }
    return (options.tlsCert != null ? "https://" : "http://")
        + host
        + ":"
        + options.port
        + "/api/hooks";
  }

  /** The {@code {"hooks": {...}}} block for {@code settings.json}. */
  static ObjectNode settings(String url, String token) {
    ObjectNode settings = Json.MAPPER.createObjectNode();
    ObjectNode hooks = settings.putObject("hooks");
    String command = command(url, token);
    for (String event : EVENTS) {
      ObjectNode entry = hooks.putArray(event).addObject();
      if (event.equals("PreToolUse") || event.equals("PostToolUse")) {
        entry.put("matcher", "*");
      }
      entry.putArray("hooks").addObject().put("type", "command").put("command", command);
    }
    return settings;
  }

  /** One hook's shell command. */
  static String command(String url, String token) {
    return "curl -s -m 2 --retry 1 --retry-delay 1 -X POST"
        + " -H 'Content-Type: application/json'"
        + " -H \"Idempotency-Key: $(uuidgen 2>/dev/null || cat /proc/sys/kernel/random/uuid)\""
        + (token == null ? "" : " -H " + shellQuote("Authorization: Bearer " + token))
        + " --data-binary @- "
        + shellQuote(url)
        + " >/dev/null 2>&1 || true "
        + MARKER;
  }

  /** Quotes {@code text} for a POSIX shell. */
  static String shellQuote(String text) {
    return "'" + text.replace("'", "'\\''") + "'";
  }

  /** What {@link #install} did. */
  record Installed(Path file, Path backup, int replaced) {}

  /**
   * Merges {@code ours} into the settings file {@code file}: every other setting and every other
   * hook is kept, hooks this dashboard installed before are replaced, the file is backed up first
   * (next to it, with the time in its name) and then replaced in one move.
   *
   * @throws IOException if the file cannot be read or written, or is not a JSON object; then it is
   *     left as it was
   */
  static Installed install(Path file, ObjectNode ours) throws IOException {
    ObjectNode settings;
    Path backup = null;
    if (Files.exists(file)) {
      JsonNode existing;
      try {
        existing = Json.MAPPER.readTree(Files.readAllBytes(file));
      } catch (IOException | JacksonException e) {
        throw new IOException(file + " is not valid JSON, so it was left alone: " + e.getMessage());
      }
      if (existing == null || existing.isMissingNode()) {
        settings = Json.MAPPER.createObjectNode();
      } else if (!existing.isObject()) {
        throw new IOException(file + " is not a JSON object, so it was left alone");
      } else {
        settings = (ObjectNode) existing;
      }
      if (settings.has("hooks") && !settings.get("hooks").isObject()) {
        throw new IOException(file + ": \"hooks\" is not an object, so the file was left alone");
      }
      String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
      backup = file.resolveSibling(file.getFileName() + ".bak-" + stamp);
      Files.copy(file, backup, StandardCopyOption.REPLACE_EXISTING);
    } else {
      settings = Json.MAPPER.createObjectNode();
      if (file.toAbsolutePath().getParent() != null) {
        Files.createDirectories(file.toAbsolutePath().getParent());
      }
    }
    ObjectNode hooks =
        settings.has("hooks") ? (ObjectNode) settings.get("hooks") : settings.putObject("hooks");
    int replaced = 0;
    for (String event : EVENTS) {
      ArrayNode entries =
          hooks.has(event) && hooks.get(event).isArray()
              ? (ArrayNode) hooks.get(event)
              : hooks.putArray(event);
      for (int i = entries.size() - 1; i >= 0; i--) {
        if (ours(entries.get(i))) {
          entries.remove(i);
          replaced++;
        }
      }
      ours.path("hooks").path(event).forEach(entries::add);
    }
    Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
    Files.write(
        temporary,
        Json.MAPPER
            .writerWithDefaultPrettyPrinter()
            .writeValueAsString(settings)
            .concat("\n")
            .getBytes(StandardCharsets.UTF_8));
    Files.move(
        temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return new Installed(file, backup, replaced);
  }

  /** Whether a hooks entry is one this dashboard installed. */
  private static boolean ours(JsonNode entry) {
    for (JsonNode hook : entry.path("hooks")) {
      if (hook.path("command").asString("").endsWith(MARKER)) {
        return true;
      }
    }
    return false;
  }
}
