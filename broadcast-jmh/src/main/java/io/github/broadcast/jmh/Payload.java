package io.github.broadcast.jmh;

import io.github.broadcast.SessionUpdate;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/** Session states of two sizes, shaped like the dashboard's. */
public enum Payload {
  /** About 300 bytes encoded: a card with a short task. */
  SMALL(120),
  /** About 8 KB encoded: a card with a long task description. */
  LARGE(7_900);

  private static final ObjectMapper mapper = new ObjectMapper();

  private final int taskChars;

  Payload(int taskChars) {
    this.taskChars = taskChars;
  }

  /** Returns the state of session {@code index}. */
  ObjectNode state(int index) {
    ObjectNode state = mapper.createObjectNode();
    state.put("status", "working");
    state.put("project", "project-" + index);
    state.put("cwd", "/home/dev/projects/project-" + index);
    state.put("current_tool", "Bash");
    state.put("tool_detail", "mvn -q verify");
    state.put("task_description", "t".repeat(taskChars));
    state.put("event_count", 42);
    state.put("last_event", "PreToolUse");
    state.put("updated_at", "2026-11-22T10:00:00.000000Z");
    return state;
  }

  /** Returns {@code sessions} updates, one per session, ready to publish in a loop. */
  public SessionUpdate[] updates(int sessions) {
    SessionUpdate[] updates = new SessionUpdate[sessions];
    for (int i = 0; i < sessions; i++) {
      updates[i] = SessionUpdate.of("session-" + i, 1, state(i));
    }
    return updates;
  }
}
