package io.github.broadcast.examples.dashboard.core;

import io.github.broadcast.SessionUpdate;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/** JSON in and out of both dashboards (Grizzly and Spring Boot), with the limits they share. */
public final class Json {

  /** The largest request body accepted: 1 MiB. */
  public static final int MAX_BODY_BYTES = 1024 * 1024;

  /** The deepest JSON nesting accepted; a hook payload needs far less. */
  public static final int MAX_DEPTH = 64;

  /** A mapper that refuses deep nesting and huge strings while parsing, not after. */
  public static final ObjectMapper MAPPER =
      JsonMapper.builder(
              JsonFactory.builder()
                  .streamReadConstraints(
                      StreamReadConstraints.builder()
                          .maxNestingDepth(MAX_DEPTH)
                          .maxStringLength(MAX_BODY_BYTES)
                          .build())
                  .build())
          .build();

  private Json() {}

  /**
   * Parses a request body.
   *
   * @throws IllegalArgumentException saying what is wrong (empty, malformed, too deep), for a 400
   */
  public static JsonNode parse(byte[] body) {
    try {
      JsonNode node = MAPPER.readTree(body);
      if (node == null || node.isMissingNode()) {
        throw new IllegalArgumentException("body is empty; expected a JSON object");
      }
      return node;
    } catch (JacksonException e) {
      String message = e.getMessage() == null ? "malformed JSON" : e.getMessage();
      int newline = message.indexOf('\n');
      throw new IllegalArgumentException(
          "invalid JSON: " + (newline > 0 ? message.substring(0, newline) : message), e);
    }
  }

  /** The body of a hook's 202: {@code {"ok": true, "session_id": ..., "version": ...}}. */
  public static JsonNode accepted(SessionUpdate update) {
    return MAPPER
        .createObjectNode()
        .put("ok", true)
        .put("session_id", update.sessionId())
        .put("version", update.version());
  }

  /**
   * The error body both dashboards answer a refusal with: {@code {"error": ..., "status": ...}}.
   */
  public static JsonNode error(int status, String message) {
    return MAPPER.createObjectNode().put("error", message).put("status", status);
  }
}
