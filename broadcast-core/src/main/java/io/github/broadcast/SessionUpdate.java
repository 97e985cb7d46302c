package io.github.broadcast;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * One change to one session: its id, its version and its whole new state. A removed session is an
 * update too, a <em>tombstone</em>, whose state is {@code null}.
 *
 * <p>Versions order the updates of one session: a broadcaster delivers an update only if its
 * version is greater than the last one it delivered for that session, so a client never sees a
 * session go backwards and a late, older update never overwrites a newer one. {@link SessionStore}
 * assigns versions from one counter, so they also stay monotonic across a session being removed and
 * created again.
 *
 * <p>The state is shared, never copied: once an update is created, neither the library nor the
 * caller may modify its {@link ObjectNode}. The fields {@code session_id} and {@code version} are
 * written by the codec from this record; the state should not carry its own. Members named {@code
 * base}, {@code patch} and {@code removed} are the wire protocol's, and a state that has one at its
 * top level is refused.
 *
 * @param sessionId the session's id; not blank
 * @param version the version of this state; positive
 * @param state the session's state as a JSON object, or {@code null} for a tombstone
 */
public record SessionUpdate(String sessionId, long version, ObjectNode state) {

  /** Validates every component. */
  public SessionUpdate {
    requireNonNull(sessionId, "sessionId");
    if (sessionId.isBlank()) {
      throw new IllegalArgumentException("sessionId : blank (expected: at least one non-space)");
    }
    if (version <= 0) {
      throw new IllegalArgumentException("version : " + version + " (expected: > 0)");
    }
    if (state != null) {
      checkState(state);
    }
  }

  /**
   * Checks that {@code state} has no top-level member the wire protocol reserves ({@code base},
   * {@code patch}, {@code removed}). Public so that a store refuses such a change before it makes
   * anything, with the message every store gives.
   *
   * @return {@code state}
   * @throws IllegalArgumentException naming the member
   */
  public static ObjectNode checkState(ObjectNode state) {
    for (String reserved : RESERVED) {
      if (state.has(reserved)) {
        throw new IllegalArgumentException(
            "state : a member named "
                + reserved
                + " (expected: none named base, patch or removed; the wire protocol's)");
      }
    }
    return state;
  }

  /**
   * Top-level state members the wire protocol gives a meaning to, beside {@code session_id} and
   * {@code version} (which the codec writes from the update, over any the state has): a session
   * entry with them would read as a patch or a removal.
   */
  private static final String[] RESERVED = {"base", "patch", "removed"};

  /** Returns an update that sets {@code sessionId} to {@code state} at {@code version}. */
  public static SessionUpdate of(String sessionId, long version, ObjectNode state) {
    return new SessionUpdate(sessionId, version, requireNonNull(state, "state"));
  }

  /**
   * Returns an update from a state written as JSON text, for an application that uses no Jackson of
   * its own (or another JSON library): {@code ofJson("a", 3, "{\"status\":\"working\"}")}.
   *
   * @throws IllegalArgumentException if {@code stateJson} is not one JSON object
   */
  public static SessionUpdate ofJson(String sessionId, long version, String stateJson) {
    requireNonNull(stateJson, "stateJson");
    JsonNode state;
    try {
      state = STATES.readTree(stateJson);
    } catch (JacksonException e) {
      throw new IllegalArgumentException(
          "stateJson : not JSON (expected: one JSON object): " + e.getOriginalMessage(), e);
    }
    if (state == null || !state.isObject()) {
      throw new IllegalArgumentException(
          "stateJson : "
              + (state == null ? "empty" : state.getNodeType())
              + " (expected: one"
              + " JSON object)");
    }
    return of(sessionId, version, (ObjectNode) state);
  }

  /**
   * Returns an update from a state given as a map (of strings, numbers, booleans, lists and maps),
   * for an application that uses no Jackson of its own: {@code ofMap("a", 3, Map.of("status",
   * "working"))}. The map is copied.
   *
   * @throws IllegalArgumentException if a value cannot be written as JSON
   */
  public static SessionUpdate ofMap(String sessionId, long version, Map<String, ?> state) {
    requireNonNull(state, "state");
    try {
      return of(sessionId, version, STATES.valueToTree(state));
    } catch (JacksonException e) {
      throw new IllegalArgumentException(
          "state : "
              + e.getOriginalMessage()
              + " (expected: strings, numbers, booleans, lists"
              + " and maps)",
          e);
    }
  }

  // Reads the states given as text or maps; the library's own, whatever mapper an app has.
  private static final JsonMapper STATES = JsonMapper.builder().build();

  /** Returns the tombstone that removes {@code sessionId} at {@code version}. */
  public static SessionUpdate tombstone(String sessionId, long version) {
    return new SessionUpdate(sessionId, version, null);
  }

  /** Returns whether this update removes its session. */
  public boolean isTombstone() {
    return state == null;
  }

  /** Returns whether this update supersedes {@code other}, an update of the same session. */
  boolean isNewerThan(SessionUpdate other) {
    return other == null || version > other.version;
  }

  @Override
  public String toString() {
    return "SessionUpdate[" + sessionId + " v" + version + (state == null ? " removed]" : "]");
  }
}
