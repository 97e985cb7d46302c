package io.github.broadcast.examples.dashboard.core;

import io.github.broadcast.MessageCodec;
import io.github.broadcast.SessionStore;
import io.github.broadcast.SessionUpdate;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Turns Claude Code hook events and transcript lines into a session's state: what a card shows.
 * Pure functions of (state, event, time), so the rules are tested without a server.
 *
 * <p>Statuses: {@code idle} (waiting for a prompt), {@code working}, {@code waiting} (a
 * notification asks for the user), {@code compacting}, {@code ended}; {@code status_since} says
 * when the status last changed. {@code attention} names what the user owes a session, or is null:
 * {@code permission} (a notification asks, usually to allow a tool) or {@code input} (Claude
 * stopped and waits for the next prompt).
 */
public final class SessionModel {

  public static final String STATUS = "status";
  public static final String STATUS_SINCE = "status_since";
  public static final String ATTENTION = "attention";

  /**
   * The events of Claude Code's hooks this model knows, in the order its documentation lists them;
   * others are counted, not interpreted.
   */
  public static final List<String> EVENTS =
      List.of(
          "SessionStart",
          "UserPromptSubmit",
          "PreToolUse",
          "PostToolUse",
          "Notification",
          "Stop",
          "SubagentStop",
          "PreCompact",
          "SessionEnd");

  private SessionModel() {}

  /** Validates a hook payload; returns the reason it is unusable, or null. */
  public static String validate(JsonNode hook) {
    if (hook == null || !hook.isObject()) {
      return "body must be a JSON object";
    }
    JsonNode id = hook.get("session_id");
    if (id == null || !id.isString()) {
      return "session_id must be a string";
    }
    try {
      SessionStore.checkSessionId(id.asString()); // The store's one rule, whichever the store.
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
    JsonNode event = hook.get("hook_event_name");
    if (event == null || !event.isString() || event.asString().isBlank()) {
      return "hook_event_name must be a non-empty string";
    }
    if (event.asString().length() > 100) {
      return "hook_event_name is longer than 100 characters";
    }
    return null;
  }

  /** Applies one validated hook event to {@code state} (a private copy) and returns it. */
  public static ObjectNode apply(ObjectNode state, JsonNode hook, Instant now, int taskMax) {
    String event = hook.get("hook_event_name").asString();
    state.put("event_count", state.path("event_count").asLong(0) + 1);
    state.put("last_event", event);
    state.put("updated_at", time(now));
    if (!state.has("started_at")) {
      state.put("started_at", time(now));
      status(state, "idle", now);
    }
    String cwd = text(hook, "cwd");
    if (cwd != null) {
      state.put("cwd", cwd);
      state.put("project", project(cwd));
    }
    String transcript = text(hook, "transcript_path");
    if (transcript != null) {
      state.put("transcript_path", transcript);
    }
    switch (event) {
      case "SessionStart":
        status(state, "idle", now);
        state.remove("current_tool");
        break;
      case "UserPromptSubmit":
        status(state, "working", now);
        state.remove("current_tool");
        String prompt = text(hook, "prompt");
        if (prompt != null) {
          state.put("task_description", cut(prompt, taskMax));
          state.put("task_source", "hook");
        }
        break;
      case "PreToolUse":
        status(state, "working", now);
        state.put("current_tool", cut(textOr(hook, "tool_name", "tool"), 100));
        state.put("tool_detail", cut(toolDetail(hook.path("tool_input")), 200));
        break;
      case "PostToolUse":
        status(state, "working", now);
        state.remove("current_tool");
        break;
      case "Notification":
        status(state, "waiting", now);
        String message = text(hook, "message");
        if (message != null) {
          state.put("notification", cut(message, 500));
        }
        break;
      case "Stop":
        status(state, "idle", now);
        state.remove("current_tool");
        break;
      case "SubagentStop":
        status(state, "working", now);
        break;
      case "PreCompact":
        status(state, "compacting", now);
        break;
      case "SessionEnd":
        status(state, "ended", now);
        state.remove("current_tool");
        break;
      default:
        // Unknown events are recorded (event_count, last_event), not rejected.
        break;
    }
    if (EVENTS.contains(event)) {
      // Absent rather than null: a member set to null cannot travel in a merge patch (RFC 7386),
      // so a card that clears one would be sent whole to the pages that take patches.
      String attention = attention(event, text(hook, "message"));
      if (attention == null) {
        state.remove(ATTENTION);
      } else {
        state.put(ATTENTION, attention);
      }
    }
    return state;
  }

  /**
   * Applies what a transcript's new lines said. Hooks, where they come, know the status better: the
   * transcript's guess (working while a prompt or a tool result is the last entry, idle after an
   * answer) counts only for a session no hook has reported. A prompt from the transcript becomes
   * the task only where no hook gave one.
   */
  public static ObjectNode applyTranscript(
      ObjectNode state, TranscriptSummary.Appended read, Instant now, int taskMax) {
    state.put("transcript_path", read.file().toString());
    state.put("transcript_lines", state.path("transcript_lines").asLong(0) + read.lines());
    if (read.malformed() > 0) {
      state.put(
          "transcript_malformed_lines",
          state.path("transcript_malformed_lines").asLong(0) + read.malformed());
    }
    state.put("updated_at", time(now));
    if (!state.has("started_at")) {
      state.put("started_at", time(now));
      state.put("event_count", 0);
      status(state, "idle", now);
    }
    if (read.lastType() != null) {
      state.put("last_transcript_entry", read.lastType());
    }
    if (read.model() != null) {
      state.put("model", cut(read.model(), 100));
    }
    if (read.gitBranch() != null) {
      state.put("git_branch", cut(read.gitBranch(), 200));
    }
    if (read.cwd() != null && !state.has("cwd")) {
      state.put("cwd", read.cwd());
      state.put("project", project(read.cwd()));
    }
    if (read.summary() != null) {
      state.put("summary", cut(read.summary(), 500));
    }
    if (read.lastPrompt() != null && !"hook".equals(state.path("task_source").asString())) {
      state.put("task_description", cut(read.lastPrompt(), taskMax));
      state.put("task_source", "transcript");
    }
    if (read.lastActivity() != null) {
      state.put("last_activity", time(read.lastActivity()));
    }
    if (!read.tokens().isZero()) {
      ObjectNode tokens =
          state.has("tokens") && state.get("tokens").isObject()
              ? (ObjectNode) state.get("tokens")
              : state.putObject("tokens");
      tokens.put("input", tokens.path("input").asLong(0) + read.tokens().input());
      tokens.put("output", tokens.path("output").asLong(0) + read.tokens().output());
      tokens.put("cache_read", tokens.path("cache_read").asLong(0) + read.tokens().cacheRead());
      tokens.put(
          "cache_creation",
          tokens.path("cache_creation").asLong(0) + read.tokens().cacheCreation());
    }
    if (read.inferredStatus() != null
        && state.path("event_count").asLong(0) == 0
        && !"ended".equals(state.path(STATUS).asString())) {
      status(state, read.inferredStatus(), now);
      state.remove(ATTENTION); // A transcript cannot tell who waits for whom.
    }
    return state;
  }

  /**
   * How long a session stays listed after its last change: {@code endedTtl} once ended, else {@code
   * idleTtl}, counted from its {@code updated_at} (so a session reloaded after a restart expires
   * when it would have without it); zero when that time has passed.
   */
  public static Duration timeToLive(
      ObjectNode state, Duration endedTtl, Duration idleTtl, Instant now) {
    Duration ttl = "ended".equals(state.path(STATUS).asString()) ? endedTtl : idleTtl;
    try {
      Instant updated = Instant.parse(state.path("updated_at").asString());
      Duration left = ttl.minus(Duration.between(updated, now));
      return left.isNegative() ? Duration.ZERO : left;
    } catch (DateTimeParseException e) {
      return ttl;
    }
  }

  /**
   * {@code GET /api/sessions}' body: {@code {"sessions": [...]}}, every live session as the
   * WebSocket carries it, the most recently updated first.
   */
  public static ObjectNode sessionsJson(List<SessionUpdate> live) {
    List<SessionUpdate> sorted = new ArrayList<>(live);
    sorted.sort(
        Comparator.comparing((SessionUpdate u) -> u.state().path("updated_at").asString())
            .reversed());
    ObjectNode body = Json.MAPPER.createObjectNode();
    ArrayNode sessions = body.putArray("sessions");
    for (SessionUpdate update : sorted) {
      sessions.add(MessageCodec.sessionJson(update));
    }
    return body;
  }

  /** Sets the status, and when it changed. */
  /**
   * An instant as ISO-8601 to the millisecond: what a page shows, and six digits fewer per field in
   * every card and every patch than the clock's nanoseconds.
   */
  static String time(Instant instant) {
    return instant.truncatedTo(ChronoUnit.MILLIS).toString();
  }

  private static void status(ObjectNode state, String status, Instant now) {
    if (!status.equals(state.path(STATUS).asString(null))) {
      state.put(STATUS, status);
      state.put(STATUS_SINCE, time(now));
    }
  }

  /**
   * What the user owes a session after {@code event}, or null: a notification asks for a permission
   * (its message says so) or for input (Claude Code's "waiting for your input" after a quiet
   * minute); a stop waits for the next prompt.
   */
  public static String attention(String event, String message) {
    if ("Notification".equals(event)) {
      return message != null && message.toLowerCase(Locale.ROOT).contains("permission")
          ? "permission"
          : "input";
    }
    return "Stop".equals(event) ? "input" : null;
  }

  /** What a tool call is about, in a few words: the command, the file or the pattern. */
  public static String toolDetail(JsonNode input) {
    for (String field : new String[] {"command", "file_path", "path", "pattern", "url", "query"}) {
      JsonNode value = input.get(field);
      if (value != null && value.isString()) {
        return value.asString();
      }
    }
    return "";
  }

  /** The last element of a path: the project folder a card is titled with. */
  public static String project(String cwd) {
    String trimmed = cwd.replaceAll("[/\\\\]+$", "");
    int slash = Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\'));
    String name = slash >= 0 ? trimmed.substring(slash + 1) : trimmed;
    return name.isEmpty() ? cwd : name;
  }

  /** Cuts {@code text} to at most {@code max} characters, never inside a surrogate pair. */
  public static String cut(String text, int max) {
    if (text.length() <= max) {
      return text;
    }
    int end = Character.isHighSurrogate(text.charAt(max - 1)) ? max - 1 : max;
    return text.substring(0, end);
  }

  /** A field's text, or null where it is missing or not a string. */
  public static String text(JsonNode hook, String field) {
    JsonNode value = hook.get(field);
    return value != null && value.isString() ? value.asString() : null;
  }

  private static String textOr(JsonNode hook, String field, String fallback) {
    String value = text(hook, field);
    return value == null ? fallback : value;
  }
}
