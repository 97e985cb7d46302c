package io.github.broadcast;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Map;

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
    return write(
        gen -> {
          gen.writeStringField("type", "initial_state");
          gen.writeArrayFieldStart("sessions");
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
          gen.writeStringField("type", "session_update");
          gen.writeFieldName("session");
          writeSession(gen, update);
        },
        320);
  }

  @Override
  public Frame batchUpdate(Collection<SessionUpdate> updates) {
    return write(
        gen -> {
          gen.writeStringField("type", "batch_update");
          gen.writeArrayFieldStart("sessions");
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
    gen.writeStringField(SESSION_ID, update.sessionId());
    gen.writeNumberField(VERSION, update.version());
    if (update.isTombstone()) {
      gen.writeBooleanField(REMOVED, true);
    } else {
      for (Map.Entry<String, JsonNode> field : update.state().properties()) {
        String name = field.getKey();
        if (!isReserved(name)) {
          gen.writeFieldName(name);
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
