package io.github.broadcast.examples.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.broadcast.SessionStore;
import java.time.Instant;

/**
 * Turns Claude Code hook events into a session's state: what a card shows. Pure functions of
 * (state, event, time), so the rules are tested without a server.
 *
 * <p>Statuses: {@code idle} (waiting for a prompt), {@code working}, {@code waiting} (a
 * notification asks for the user), {@code compacting}, {@code ended}.
 */
final class SessionModel {

  static final String STATUS = "status";

  private SessionModel() {}

  /** Validates a hook payload; returns the reason it is unusable, or null. */
  static String validate(JsonNode hook) {
    if (hook == null || !hook.isObject()) {
      return "body must be a JSON object";
    }
    JsonNode id = hook.get("session_id");
    if (id == null || !id.isTextual()) {
      return "session_id must be a string";
    }
    try {
      SessionStore.checkSessionId(id.asText()); // The store's one rule, whichever the store.
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
    JsonNode event = hook.get("hook_event_name");
    if (event == null || !event.isTextual() || event.asText().isBlank()) {
      return "hook_event_name must be a non-empty string";
    }
    if (event.asText().length() > 100) {
      return "hook_event_name is longer than 100 characters";
    }
    return null;
  }

  /** Applies one validated hook event to {@code state} (a private copy) and returns it. */
  static ObjectNode apply(ObjectNode state, JsonNode hook, Instant now, int taskMax) {
    String event = hook.get("hook_event_name").asText();
    state.put("event_count", state.path("event_count").asLong(0) + 1);
    state.put("last_event", event);
    state.put("updated_at", now.toString());
    if (!state.has("started_at")) {
      state.put("started_at", now.toString());
      state.put(STATUS, "idle");
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
        state.put(STATUS, "idle");
        state.putNull("current_tool");
        break;
      case "UserPromptSubmit":
        state.put(STATUS, "working");
        state.putNull("current_tool");
        String prompt = text(hook, "prompt");
        if (prompt != null) {
          state.put("task_description", cut(prompt, taskMax));
        }
        break;
      case "PreToolUse":
        state.put(STATUS, "working");
        state.put("current_tool", cut(textOr(hook, "tool_name", "tool"), 100));
        state.put("tool_detail", cut(toolDetail(hook.path("tool_input")), 200));
        break;
      case "PostToolUse":
        state.put(STATUS, "working");
        state.putNull("current_tool");
        break;
      case "Notification":
        state.put(STATUS, "waiting");
        String message = text(hook, "message");
        if (message != null) {
          state.put("notification", cut(message, 500));
        }
        break;
      case "Stop":
        state.put(STATUS, "idle");
        state.putNull("current_tool");
        break;
      case "SubagentStop":
        state.put(STATUS, "working");
        break;
      case "PreCompact":
        state.put(STATUS, "compacting");
        break;
      case "SessionEnd":
        state.put(STATUS, "ended");
        state.putNull("current_tool");
        break;
      default:
        // Unknown events are recorded (event_count, last_event), not rejected.
        break;
    }
    return state;
  }

  /** What a tool call is about, in a few words: the command, the file or the pattern. */
  static String toolDetail(JsonNode input) {
    for (String field : new String[] {"command", "file_path", "path", "pattern", "url", "query"}) {
      JsonNode value = input.get(field);
      if (value != null && value.isTextual()) {
        return value.asText();
      }
    }
    return "";
  }

  /** The last element of a path: the project folder a card is titled with. */
  static String project(String cwd) {
    String trimmed = cwd.replaceAll("[/\\\\]+$", "");
    int slash = Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\'));
    String name = slash >= 0 ? trimmed.substring(slash + 1) : trimmed;
    return name.isEmpty() ? cwd : name;
  }

  /** Cuts {@code text} to at most {@code max} characters, never inside a surrogate pair. */
  static String cut(String text, int max) {
    if (text.length() <= max) {
      return text;
    }
    int end = Character.isHighSurrogate(text.charAt(max - 1)) ? max - 1 : max;
    return text.substring(0, end);
  }

  private static String text(JsonNode hook, String field) {
    JsonNode value = hook.get(field);
    return value != null && value.isTextual() ? value.asText() : null;
  }

  private static String textOr(JsonNode hook, String field, String fallback) {
    String value = text(hook, field);
    return value == null ? fallback : value;
  }
}
