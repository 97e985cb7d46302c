package io.github.broadcast;

import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * RFC 7386 JSON Merge Patch between two session states: {@link #diff} finds the patch that turns
 * one into the other, {@link #apply} applies one (for tests, and for what the JavaScript client
 * does). Members named {@code session_id} and {@code version} are not state (the codec writes them
 * from the update) and take no part.
 *
 * <p>A merge patch cannot set a member to {@code null} (null means remove it), so a target that
 * carries a null where it differs from the source has no patch: {@link #diff} returns null and the
 * caller sends the full state. Arrays are replaced whole. Stateless; thread-safe.
 */
final class MergePatch {

  private MergePatch() {}

  /**
   * Returns the merge patch that turns {@code from} into {@code to}, or null if none can say it (a
   * null member where they differ). An empty object means they are equal.
   */
  static ObjectNode diff(ObjectNode from, ObjectNode to) {
    ObjectNode patch = JsonNodeFactory.instance.objectNode();
    return diffInto(from, to, patch, /* topLevel= */ true) ? patch : null;
  }

  private static boolean diffInto(ObjectNode from, ObjectNode to, ObjectNode patch, boolean top) {
    for (Map.Entry<String, JsonNode> field : from.properties()) {
      String name = field.getKey();
      if (!(top && isReserved(name)) && !to.has(name)) {
        patch.putNull(name);
      }
    }
    for (Map.Entry<String, JsonNode> field : to.properties()) {
      String name = field.getKey();
      if (top && isReserved(name)) {
        continue;
      }
      JsonNode target = field.getValue();
      JsonNode source = from.get(name);
      if (target.equals(source)) {
        continue;
      }
      if (target.isObject() && source != null && source.isObject()) {
        ObjectNode inner = JsonNodeFactory.instance.objectNode();
        if (!diffInto((ObjectNode) source, (ObjectNode) target, inner, false)) {
          return false;
        }
        patch.set(name, inner);
      } else if (containsNull(target)) {
        return false;
      } else {
        patch.set(name, target);
      }
    }
    return true;
  }

  /** Whether {@code node} is null or holds one as an object member (arrays are replaced whole). */
  private static boolean containsNull(JsonNode node) {
    if (node.isNull()) {
      return true;
    }
    if (node.isObject()) {
      for (Map.Entry<String, JsonNode> field : node.properties()) {
        if (containsNull(field.getValue())) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Returns {@code target} with {@code patch} applied (RFC 7386, section 2); copies, never edits.
   */
  static JsonNode apply(JsonNode target, JsonNode patch) {
    if (!patch.isObject()) {
      return patch;
    }
    ObjectNode result =
        target != null && target.isObject()
            ? ((ObjectNode) target).deepCopy()
            : JsonNodeFactory.instance.objectNode();
    for (Map.Entry<String, JsonNode> field : patch.properties()) {
      if (field.getValue().isNull()) {
        result.remove(field.getKey());
      } else {
        result.set(field.getKey(), apply(result.get(field.getKey()), field.getValue()));
      }
    }
    return result;
  }

  private static boolean isReserved(String name) {
    return name.equals(JsonCodec.SESSION_ID) || name.equals(JsonCodec.VERSION);
  }
}
