package io.github.broadcast.examples.dashboard;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;

/** JSON in and out of Grizzly requests, with the limits every handler shares. */
final class Http {

  /** The largest request body accepted: 1 MiB. */
  static final int MAX_BODY_BYTES = 1024 * 1024;

  /** The deepest JSON nesting accepted; a hook payload needs far less. */
  static final int MAX_DEPTH = 64;

  /** A mapper that refuses deep nesting and huge strings while parsing, not after. */
  static final ObjectMapper MAPPER =
      new ObjectMapper(
          JsonFactory.builder()
              .streamReadConstraints(
                  StreamReadConstraints.builder()
                      .maxNestingDepth(MAX_DEPTH)
                      .maxStringLength(MAX_BODY_BYTES)
                      .build())
              .build());

  private Http() {}

  /** A request that cannot be served, with its status and a message for the client. */
  static final class Refusal extends Exception {
    private static final long serialVersionUID = 1L;
    final int status;

    Refusal(int status, String message) {
      super(message, null, false, false);
      this.status = status;
    }
  }

  /** Reads the body, refusing more than {@link #MAX_BODY_BYTES} with 413. */
  static byte[] body(Request request) throws IOException, Refusal {
    long declared = request.getContentLengthLong();
    if (declared > MAX_BODY_BYTES) {
      throw new Refusal(
          413, "body of " + declared + " bytes is over the limit of " + MAX_BODY_BYTES);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] chunk = new byte[8192];
    try (InputStream in = request.getInputStream()) {
      int read;
      while ((read = in.read(chunk)) >= 0) {
        if (out.size() + read > MAX_BODY_BYTES) {
          throw new Refusal(413, "body is over the limit of " + MAX_BODY_BYTES + " bytes");
        }
        out.write(chunk, 0, read);
      }
    }
    return out.toByteArray();
  }

  /** Parses JSON, refusing malformed or too deeply nested input with 400. */
  static JsonNode json(byte[] body) throws Refusal {
    try {
      JsonNode node = MAPPER.readTree(body);
      if (node == null || node.isMissingNode()) {
        throw new Refusal(400, "body is empty; expected a JSON object");
      }
      return node;
    } catch (IOException e) {
      String message = e.getMessage() == null ? "malformed JSON" : e.getMessage();
      int newline = message.indexOf('\n');
      throw new Refusal(
          400, "invalid JSON: " + (newline > 0 ? message.substring(0, newline) : message));
    }
  }

  /** Refuses with 405 unless the method is {@code method}. */
  static void requireMethod(Request request, String method) throws Refusal {
    if (!request.getMethod().getMethodString().equals(method)) {
      throw new Refusal(405, request.getMethod() + " is not allowed here; use " + method);
    }
  }

  /** Compares a presented secret in constant time; true when no secret is configured. */
  static boolean tokenMatches(String expected, String presented) {
    if (expected == null) {
      return true;
    }
    return presented != null
        && MessageDigest.isEqual(
            expected.getBytes(StandardCharsets.UTF_8), presented.getBytes(StandardCharsets.UTF_8));
  }

  static void send(Response response, int status, JsonNode body) throws IOException {
    byte[] bytes = MAPPER.writeValueAsBytes(body);
    response.setStatus(status);
    response.setContentType("application/json");
    response.setCharacterEncoding("UTF-8");
    response.setHeader("Cache-Control", "no-store");
    response.setContentLength(bytes.length);
    response.getOutputStream().write(bytes);
  }

  static void error(Response response, int status, String message) throws IOException {
    send(response, status, MAPPER.createObjectNode().put("error", message).put("status", status));
  }
}
