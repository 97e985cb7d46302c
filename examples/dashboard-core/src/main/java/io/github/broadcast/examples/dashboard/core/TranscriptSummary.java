package io.github.broadcast.examples.dashboard.core;

import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.Deque;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * What a run of lines of a Claude Code transcript says about its session: read line by line by
 * {@link #line}, then taken as one {@link Appended}. Claude Code writes one JSON object per line:
 * {@code user} entries (a prompt, or tool results), {@code assistant} entries (one per content
 * block, all of a message carrying the same {@code message.id} and the same {@code usage}), {@code
 * summary} entries, and others; most carry {@code sessionId}, {@code cwd}, {@code gitBranch} and
 * {@code timestamp}.
 *
 * <p>Not thread-safe: one per file, on the reader's thread.
 */
public final class TranscriptSummary {

  /** How many recent message ids are remembered, so that a message's usage counts once. */
  private static final int RECENT_MESSAGES = 64;

  /** What a run of lines said. Fields are null where the lines said nothing of it. */
  public record Appended(
      String sessionId,
      Path file,
      int lines,
      int malformed,
      String lastType,
      String model,
      String gitBranch,
      String cwd,
      String lastPrompt,
      String summary,
      Instant lastActivity,
      Tokens tokens,
      String inferredStatus) {}

  /** Token counts, summed over distinct assistant messages. */
  public record Tokens(long input, long output, long cacheRead, long cacheCreation) {
    public static final Tokens NONE = new Tokens(0, 0, 0, 0);

    Tokens plus(JsonNode usage) {
      return new Tokens(
          input + usage.path("input_tokens").asLong(0),
          output + usage.path("output_tokens").asLong(0),
          cacheRead + usage.path("cache_read_input_tokens").asLong(0),
          cacheCreation + usage.path("cache_creation_input_tokens").asLong(0));
    }

    public boolean isZero() {
      return input == 0 && output == 0 && cacheRead == 0 && cacheCreation == 0;
    }
  }

  private final Deque<String> recentMessages = new ArrayDeque<>(); // Survives take().
  private int lines;
  private int malformed;
  private String sessionId;
  private String lastType;
  private String model;
  private String gitBranch;
  private String cwd;
  private String lastPrompt;
  private String summary;
  private Instant lastActivity;
  private Tokens tokens = Tokens.NONE;
  private String inferredStatus;

  /** Reads one line; a line that is not a JSON object is counted as malformed and skipped. */
  public void line(String text) {
    String line = text.strip();
    if (line.isEmpty()) {
      return;
    }
    lines++;
    JsonNode entry;
    try {
      entry = Json.MAPPER.readTree(line);
    } catch (JacksonException e) {
      malformed++;
      return;
    }
    if (entry == null || !entry.isObject()) {
      malformed++;
      return;
    }
    sessionId = textOr(entry, "sessionId", sessionId);
    cwd = textOr(entry, "cwd", cwd);
    String branch = SessionModel.text(entry, "gitBranch");
    if (branch != null && !branch.isEmpty()) {
      gitBranch = branch;
    }
    String type = SessionModel.text(entry, "type");
    if (type != null) {
      lastType = type;
    }
    Instant at = instant(SessionModel.text(entry, "timestamp"));
    if (at != null && (lastActivity == null || at.isAfter(lastActivity))) {
      lastActivity = at;
    }
    JsonNode message = entry.path("message");
    if ("assistant".equals(type)) {
      assistant(message);
    } else if ("user".equals(type)) {
      user(entry, message);
    } else if ("summary".equals(type)) {
      summary = textOr(entry, "summary", summary);
    }
  }

  private void assistant(JsonNode message) {
    model = textOr(message, "model", model);
    String id = SessionModel.text(message, "id");
    if (message.path("usage").isObject() && (id == null || !recentMessages.contains(id))) {
      tokens = tokens.plus(message.get("usage"));
      if (id != null) {
        recentMessages.addLast(id);
        if (recentMessages.size() > RECENT_MESSAGES) {
          recentMessages.removeFirst();
        }
      }
    }
    boolean toolUse = false;
    for (JsonNode block : message.path("content")) {
      toolUse |= "tool_use".equals(block.path("type").asString());
    }
    // A tool call waits for its result: still working. Text alone ends a turn, until the next.
    inferredStatus = toolUse ? "working" : "idle";
  }

  private void user(JsonNode entry, JsonNode message) {
    inferredStatus = "working"; // A prompt, or a tool's result the model will read next.
    if (entry.path("isMeta").asBoolean(false) || entry.path("isSidechain").asBoolean(false)) {
      return;
    }
    JsonNode content = message.path("content");
    String prompt = null;
    if (content.isString()) {
      prompt = content.asString();
    } else if (content.isArray()) {
      StringBuilder text = new StringBuilder();
      for (JsonNode block : content) {
        if ("tool_result".equals(block.path("type").asString())) {
          return; // Not a prompt.
        }
        if ("text".equals(block.path("type").asString())) {
          text.append(block.path("text").asString());
        }
      }
      prompt = text.toString();
    }
    // Slash commands and their output arrive as user entries in angle-bracket tags.
    if (prompt != null && !prompt.isBlank() && !prompt.stripLeading().startsWith("<")) {
      lastPrompt = prompt.strip();
    }
  }

  /**
   * Returns what the lines read since the last call said, and starts over (the recent message ids
   * are kept: a message's lines may span two reads). The session id falls back to the file's name.
   */
  public Appended take(Path file) {
    String id = sessionId;
    if (id == null) {
      String name = file.getFileName().toString();
      id = name.endsWith(".jsonl") ? name.substring(0, name.length() - 6) : name;
    }
    Appended appended =
        new Appended(
            id,
            file,
            lines,
            malformed,
            lastType,
            model,
            gitBranch,
            cwd,
            lastPrompt,
            summary,
            lastActivity,
            tokens,
            inferredStatus);
    lines = 0;
    malformed = 0;
    lastType = null;
    model = null;
    gitBranch = null;
    cwd = null;
    lastPrompt = null;
    summary = null;
    lastActivity = null;
    tokens = Tokens.NONE;
    inferredStatus = null;
    return appended;
  }

  private static Instant instant(String text) {
    if (text == null) {
      return null;
    }
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private static String textOr(JsonNode node, String field, String fallback) {
    String value = SessionModel.text(node, field);
    return value == null ? fallback : value;
  }
}
