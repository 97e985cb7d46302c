package io.github.broadcast;

import static java.util.Objects.requireNonNull;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JsonEncoding;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The Jackson {@link MessageCodec}: streams each envelope through one {@link JsonGenerator},
 * writing {@code session_id} and {@code version} from the update and then the state's fields.
 * Thread-safe: it holds only the mapper, which is thread-safe once configured.
 */
class JsonCodec implements MessageCodec { // Not final: the tests' FaultyCodec injects faults.

  static final String SESSION_ID = "session_id";
  static final String VERSION = "version";
  static final String REMOVED = "removed";
  static final String BASE = "base";
  static final String PATCH = "patch";

  private final ObjectMapper mapper;
  private final Frame pong;

  JsonCodec(ObjectMapper mapper) {
    this.mapper = requireNonNull(mapper, "mapper");
    this.pong = Frame.of("{\"type\":\"pong\"}");
  }

  @Override
  public Frame initialState(Collection<SessionUpdate> sessions) {
    if (sessions instanceof View.Updates) {
      return join(INITIAL_STATE, (View.Updates) sessions, /* skipTombstones= */ true);
    }
    return write(
        gen -> {
          gen.writeStringProperty("type", "initial_state");
          gen.writeArrayPropertyStart("sessions");
          for (SessionUpdate update : sessions) {
            if (!update.isTombstone()) {
              writeSession(gen, update);
            }
          }
          gen.writeEndArray();
        },
        64 + 256 * sessions.size());
  }

  @Override
  public Frame sessionUpdate(SessionUpdate update) {
    return write(
        gen -> {
          gen.writeStringProperty("type", "session_update");
          gen.writeName("session");
          writeSession(gen, update);
        },
        320);
  }

  @Override
  public Frame batchUpdate(Collection<SessionUpdate> updates) {
    if (updates instanceof View.Updates) {
      return join(BATCH_UPDATE, (View.Updates) updates, /* skipTombstones= */ false);
    }
    return write(
        gen -> {
          gen.writeStringProperty("type", "batch_update");
          gen.writeArrayPropertyStart("sessions");
          for (SessionUpdate update : updates) {
            writeSession(gen, update);
          }
          gen.writeEndArray();
        },
        64 + 256 * updates.size());
  }

  @Override
  public Frame pong() {
    return pong;
  }

  private static final byte[] INITIAL_STATE =
      "{\"type\":\"initial_state\",\"sessions\":[".getBytes(StandardCharsets.UTF_8);
  private static final byte[] BATCH_UPDATE =
      "{\"type\":\"batch_update\",\"sessions\":[".getBytes(StandardCharsets.UTF_8);
  private static final byte[] END = "]}".getBytes(StandardCharsets.UTF_8);
  private static final byte[] SESSION_UPDATE =
      "{\"type\":\"session_update\",\"session\":".getBytes(StandardCharsets.UTF_8);
  private static final byte[] END_OBJECT = "}".getBytes(StandardCharsets.UTF_8);

  /**
   * The view as {@code initial_state} with the broadcaster's epoch, which a client sends back to
   * resume: {@code {"type":"initial_state","epoch":"E","sessions":[...]}}.
   */
  Frame initialState(View.Updates live, String epoch) {
    return join(initialStatePrefix(epoch, -1), live, /* skipTombstones= */ true);
  }

  /**
   * A resume: the sessions changed after {@code since}, tombstones included, as {@code
   * {"type":"initial_state","epoch":"E","since":V,"sessions":[...]}}.
   */
  Frame resumedState(View.Updates changed, String epoch, long since) {
    return join(initialStatePrefix(epoch, since), changed, /* skipTombstones= */ false);
  }

  private static byte[] initialStatePrefix(String epoch, long since) {
    return ("{\"type\":\"initial_state\",\"epoch\":\""
            + epoch
            + (since < 0 ? "\"" : "\",\"since\":" + since)
            + ",\"sessions\":[")
        .getBytes(StandardCharsets.UTF_8);
  }

  /**
   * One broadcast for the clients that take patches: every entry with a base as a patch from it
   * (each such client holds it: a live broadcast follows everything before it), the others whole;
   * {@code batch_update}, or {@code session_update} for one entry.
   */
  Frame patchedBroadcast(List<View.Entry> entries, boolean batch) {
    View.Updates updates = View.patchableUpdates(entries, entries.get(0).seq - 1);
    if (batch) {
      return join(BATCH_UPDATE, updates, /* skipTombstones= */ false);
    }
    byte[] part = partOf(entries.get(0), updates.patchCursor);
    byte[] out = new byte[SESSION_UPDATE.length + part.length + END_OBJECT.length];
    System.arraycopy(SESSION_UPDATE, 0, out, 0, SESSION_UPDATE.length);
    System.arraycopy(part, 0, out, SESSION_UPDATE.length, part.length);
    System.arraycopy(END_OBJECT, 0, out, out.length - 1, 1);
    return new Frame(new String(out, StandardCharsets.UTF_8), out.length);
  }

  /**
   * Writes the same bytes as the streaming path, from each view entry's session object, encoded
   * once per entry and memoized on it: a catch-up or a snapshot costs a copy per session, not an
   * encoding.
   */
  private Frame join(byte[] prefix, View.Updates updates, boolean skipTombstones) {
    List<View.Entry> entries = updates.entries;
    long patchCursor = updates.patchCursor;
    byte[][] parts = new byte[entries.size()][];
    int size = prefix.length + END.length;
    int count = 0;
    for (View.Entry entry : entries) {
      if (skipTombstones && entry.update.isTombstone()) {
        continue;
      }
      byte[] part = partOf(entry, patchCursor);
      parts[count++] = part;
      size += part.length;
    }
    size += Math.max(0, count - 1); // Commas.
    byte[] out = new byte[size];
    System.arraycopy(prefix, 0, out, 0, prefix.length);
    int at = prefix.length;
    for (int i = 0; i < count; i++) {
      if (i > 0) {
        out[at++] = ',';
      }
      System.arraycopy(parts[i], 0, out, at, parts[i].length);
      at += parts[i].length;
    }
    System.arraycopy(END, 0, out, at, END.length);
    return new Frame(new String(out, StandardCharsets.UTF_8), size);
  }

  /**
   * The entry's encoded session object, memoized: as a patch from its base if a client at {@code
   * patchCursor} (-1: one that takes no patches) holds that base and a patch can say the change,
   * else whole.
   */
  private byte[] partOf(View.Entry entry, long patchCursor) {
    if (patchCursor >= 0 && entry.patchableAt(patchCursor)) {
      byte[] patch = entry.patchPart;
      if (patch == null) {
        patch = patchPart(entry);
        entry.patchPart = patch;
      }
      if (patch.length > 0) {
        return patch;
      }
    }
    byte[] part = entry.jsonPart;
    if (part == null) {
      part = part(entry.update);
      entry.jsonPart = part;
    }
    return part;
  }

  /**
   * Encodes {@code {"session_id":..,"version":..,"base":..,"patch":{...}}} for an entry with a
   * base, or returns an empty array if no merge patch can say the change (then it goes whole).
   */
  private byte[] patchPart(View.Entry entry) {
    ObjectNode patch = MergePatch.diff(entry.base.state(), entry.update.state());
    if (patch == null) {
      return new byte[0];
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(128);
    try (JsonGenerator gen = mapper.createGenerator(out, JsonEncoding.UTF8)) {
      gen.writeStartObject();
      gen.writeStringProperty(SESSION_ID, entry.update.sessionId());
      gen.writeNumberProperty(VERSION, entry.update.version());
      gen.writeNumberProperty(BASE, entry.base.version());
      gen.writeName(PATCH);
      gen.writeTree(patch);
      gen.writeEndObject();
    }
    return out.toByteArray();
  }

  /** Encodes one session object, as {@link #writeSession} writes it inside a message. */
  private byte[] part(SessionUpdate update) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator gen = mapper.createGenerator(out, JsonEncoding.UTF8)) {
      writeSession(gen, update);
    } catch (IOException e) {
      throw new UncheckedIOException("could not encode " + update, e);
    }
    return out.toByteArray();
  }

  /** The session object as a tree, by the same rules as {@link #writeSession}. */
  static ObjectNode sessionNode(SessionUpdate update) {
    ObjectNode session = JsonNodeFactory.instance.objectNode();
    session.put(SESSION_ID, update.sessionId());
    session.put(VERSION, update.version());
    if (update.isTombstone()) {
      session.put(REMOVED, true);
    } else {
      for (Map.Entry<String, JsonNode> field : update.state().properties()) {
        if (!isReserved(field.getKey())) {
          session.set(field.getKey(), field.getValue());
        }
      }
    }
    return session;
  }

  private static boolean isReserved(String field) {
    return field.equals(SESSION_ID) || field.equals(VERSION);
  }

  private void writeSession(JsonGenerator gen, SessionUpdate update) throws IOException {
    gen.writeStartObject();
    gen.writeStringProperty(SESSION_ID, update.sessionId());
    gen.writeNumberProperty(VERSION, update.version());
    if (update.isTombstone()) {
      gen.writeBooleanProperty(REMOVED, true);
    } else {
      for (Map.Entry<String, JsonNode> field : update.state().properties()) {
        String name = field.getKey();
        if (!isReserved(name)) {
          gen.writeName(name);
          gen.writeTree(field.getValue());
        }
      }
    }
    gen.writeEndObject();
  }

  /**
   * Writes UTF-8 bytes, Jackson's fastest path, and decodes them once into the frame's text: the
   * byte count comes for free and a mostly-ASCII message decodes by a plain copy.
   */
  private Frame write(Body body, int sizeHint) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(sizeHint);
    try (JsonGenerator gen = mapper.createGenerator(out, JsonEncoding.UTF8)) {
      gen.writeStartObject();
      body.write(gen);
      gen.writeEndObject();
    } catch (IOException e) {
      // A byte array never fails; only a broken custom serializer could get here.
      throw new UncheckedIOException("could not encode a message", e);
    }
    return new Frame(new String(out.toByteArray(), StandardCharsets.UTF_8), out.size());
  }

  @FunctionalInterface
  private interface Body {
    void write(JsonGenerator gen) throws IOException;
  }
}
