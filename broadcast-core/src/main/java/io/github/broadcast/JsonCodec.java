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
final class JsonCodec implements MessageCodec {

  static final String SESSION_ID = "session_id";
  static final String VERSION = "version";
  static final String REMOVED = "removed";

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

  /**
   * Writes the same bytes as the streaming path, from each view entry's session object, encoded
   * once per entry and memoized on it: a catch-up or a snapshot costs a copy per session, not an
   * encoding.
   */
  private Frame join(byte[] prefix, View.Updates updates, boolean skipTombstones) {
    List<View.Entry> entries = updates.entries;
    byte[][] parts = new byte[entries.size()][];
    int size = prefix.length + END.length;
    int count = 0;
    for (View.Entry entry : entries) {
      if (skipTombstones && entry.update.isTombstone()) {
        continue;
      }
      byte[] part = entry.jsonPart;
      if (part == null) {
        part = part(entry.update);
        entry.jsonPart = part;
      }
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
