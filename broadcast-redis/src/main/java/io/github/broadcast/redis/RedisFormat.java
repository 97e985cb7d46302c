package io.github.broadcast.redis;

import io.github.broadcast.SessionUpdate;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * What the store keeps in Redis and sends over pub/sub, and the Lua scripts that change it
 * atomically. Stateless.
 *
 * <p>A stored value is {@code version \n writtenAt \n changeId \n json}, an empty JSON for a
 * tombstone; a pub/sub message is {@code id \n} followed by the stored value. Session ids carry no
 * control characters (the store contract), so a line break always separates fields.
 */
final class RedisFormat {

  private static final ObjectMapper mapper = new ObjectMapper();

  private RedisFormat() {}

  /** The names of the store's keys and channel under one prefix. */
  record Keys(String hash, String counter, String channel, String changePrefix, String rebuilding) {
    static Keys of(String prefix) {
      return new Keys(
          prefix + ":sessions",
          prefix + ":version",
          prefix + ":updates",
          prefix + ":change:",
          prefix + ":rebuilding");
    }
  }

  /**
   * The stored value's fields, shared by the scripts: version, write time, change id, JSON state
   * ("" for a tombstone), each but the last followed by a line break. {@code parse(v)} returns
   * them; plain finds, not a pattern, since Lua matches a pattern character by character and a
   * state can be kilobytes.
   */
  private static final String PARSE =
      String.join(
          "\n",
          "local function parse(value)",
          "  local a = string.find(value, '\\n', 1, true)",
          "  local b = string.find(value, '\\n', a + 1, true)",
          "  local c = string.find(value, '\\n', b + 1, true)",
          "  return tonumber(string.sub(value, 1, a - 1)), string.sub(value, a + 1, b - 1),",
          "    string.sub(value, b + 1, c - 1), string.sub(value, c + 1)",
          "end");

  /**
   * KEYS: the hash, the counter, the change's key, the rebuild marker. ARGV: id, the live version
   * the write builds on ("0": absent or a tombstone), write time, change id, JSON state (""
   * removes), channel, the highest version the writing node knows, dedup window in ms. Returns {1,
   * version} when written; {0, stored version} on a conflict (tombstones included; 0 means absent);
   * {2, version} if this change id was already made; {3, ms left} while Redis is being rebuilt; {4,
   * counter} if the counter is below a version the writer knows (Redis went back: the writer must
   * reconcile first). Only 1 writes.
   */
  static final String APPLY =
      String.join(
          "\n",
          PARSE,
          "local seen = redis.call('GET', KEYS[3])",
          "if seen then return {2, tonumber(seen)} end",
          "local rebuilding = redis.call('PTTL', KEYS[4])",
          "if rebuilding > 0 then return {3, rebuilding} end",
          "local counter = tonumber(redis.call('GET', KEYS[2]) or '0')",
          "if counter < tonumber(ARGV[7]) then return {4, counter} end",
          "local current = redis.call('HGET', KEYS[1], ARGV[1])",
          "local stored, live = 0, 0",
          "if current then",
          "  local version, at, change, json = parse(current)",
          "  stored = version",
          "  if #json > 0 then live = version end",
          "end",
          "if live ~= tonumber(ARGV[2]) then return {0, stored} end",
          "local next = redis.call('INCR', KEYS[2])",
          "local value = next .. '\\n' .. ARGV[3] .. '\\n' .. ARGV[4] .. '\\n' .. ARGV[5]",
          "redis.call('HSET', KEYS[1], ARGV[1], value)",
          "redis.call('PUBLISH', ARGV[6], ARGV[1] .. '\\n' .. value)",
          "redis.call('SET', KEYS[3], next, 'PX', ARGV[8])",
          "return {1, next}");

  /**
   * Reconciling after a loss (see the design note). KEYS: the hash, the counter, the rebuild
   * marker. ARGV: the highest version the node knows, the channel, the rebuild window in ms, then
   * for each session: id, version, write time, change id, JSON ("" for a tombstone). If the counter
   * is below that version, Redis went back: raises it and (re)starts the rebuild window. Writes
   * each session Redis lacks or holds older at the node's version; where both hold one version with
   * different change ids, writes the larger change id's content under a fresh version. Publishes
   * what it writes. Returns {written, 1 if it found Redis gone back, the rebuild window's ms left}.
   */
  static final String RECONCILE =
      String.join(
          "\n",
          PARSE,
          "local counter = tonumber(redis.call('GET', KEYS[2]) or '0')",
          "local back = 0",
          "if counter < tonumber(ARGV[1]) then",
          "  redis.call('SET', KEYS[2], ARGV[1])",
          "  redis.call('SET', KEYS[3], '1', 'PX', ARGV[3])",
          "  back = 1",
          "end",
          "local written = 0",
          "for i = 4, #ARGV, 5 do",
          "  local id, version = ARGV[i], tonumber(ARGV[i + 1])",
          "  local value = nil",
          "  local current = redis.call('HGET', KEYS[1], id)",
          "  if not current then",
          "    value = ARGV[i + 1] .. '\\n"
              + "' .. ARGV[i + 2] .. '\\n"
              + "' .. ARGV[i + 3] .. '\\n"
              + "' .. ARGV[i + 4]",
          "  else",
          "    local stored, at, change, json = parse(current)",
          "    if stored < version then",
          "      value = ARGV[i + 1] .. '\\n"
              + "' .. ARGV[i + 2] .. '\\n"
              + "' .. ARGV[i + 3] .. '\\n"
              + "' .. ARGV[i + 4]",
          "    elseif stored == version and change ~= ARGV[i + 3] then",
          "      local next = redis.call('INCR', KEYS[2])",
          "      if ARGV[i + 3] > change then",
          "        value = next .. '\\n"
              + "' .. ARGV[i + 2] .. '\\n"
              + "' .. ARGV[i + 3] .. '\\n"
              + "' .. ARGV[i + 4]",
          "      else",
          "        value = next .. '\\n' .. at .. '\\n' .. change .. '\\n' .. json",
          "      end",
          "    end",
          "  end",
          "  if value then",
          "    redis.call('HSET', KEYS[1], id, value)",
          "    redis.call('PUBLISH', ARGV[2], id .. '\\n' .. value)",
          "    written = written + 1",
          "  end",
          "end",
          "local left = redis.call('PTTL', KEYS[3])",
          "if left < 0 then left = 0 end",
          "return {written, back, left}");

  /** KEYS: the hash. ARGV: id, version. Deletes a tombstone if it is still at that version. */
  static final String PURGE =
      String.join(
          "\n",
          "local current = redis.call('HGET', KEYS[1], ARGV[1])",
          "if current and string.match(current, '^(%d+)\\n') == ARGV[2] then",
          "  redis.call('HDEL', KEYS[1], ARGV[1])",
          "  return 1",
          "end",
          "return 0");

  /** What a node knows of one session: the newest version, when and by which change. */
  record Entry(long version, long writtenAt, String changeId, ObjectNode state) {
    boolean isTombstone() {
      return state == null;
    }

    SessionUpdate update(String sessionId) {
      return state == null
          ? SessionUpdate.tombstone(sessionId, version)
          : SessionUpdate.of(sessionId, version, state);
    }

    /** The stored value; the script builds the same from its arguments. */
    String encode() {
      return version
          + "\n"
          + writtenAt
          + "\n"
          + changeId
          + "\n"
          + (state == null ? "" : json(state));
    }
  }

  /** Reads a stored value (or a message without its id). */
  static Entry decode(String value) {
    int a = value.indexOf('\n');
    int b = value.indexOf('\n', a + 1);
    int c = value.indexOf('\n', b + 1);
    if (a <= 0 || b < 0 || c < 0) {
      throw new IllegalStateException(
          "a session value in Redis is malformed: "
              + (value.length() > 80 ? value.substring(0, 80) + "..." : value));
    }
    String json = value.substring(c + 1);
    return new Entry(
        Long.parseLong(value.substring(0, a)),
        Long.parseLong(value.substring(a + 1, b)),
        value.substring(b + 1, c),
        json.isEmpty() ? null : parse(json));
  }

  /** The session id of a pub/sub message, or null if it has none. */
  static String messageId(String message) {
    int first = message.indexOf('\n');
    return first <= 0 ? null : message.substring(0, first);
  }

  /** The entry of a pub/sub message. */
  static Entry messageEntry(String message) {
    return decode(message.substring(message.indexOf('\n') + 1));
  }

  static ObjectNode parse(String json) {
    try {
      JsonNode node = mapper.readTree(json);
      if (!(node instanceof ObjectNode)) {
        throw new IllegalStateException("a session state in Redis is not a JSON object: " + json);
      }
      return (ObjectNode) node;
    } catch (JacksonException e) {
      throw new IllegalStateException("a session state in Redis is not JSON: " + json, e);
    }
  }

  static String json(ObjectNode state) {
    try {
      return mapper.writeValueAsString(state);
    } catch (JacksonException e) {
      throw new IllegalArgumentException("state : cannot be written as JSON", e);
    }
  }
}
