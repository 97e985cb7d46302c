package io.github.broadcast.examples.dashboard;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
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

  /**
   * Reads the body. The server has gathered it whole before the handler runs, within {@link
   * #MAX_BODY_BYTES} and its deadline, so this never waits on the network.
   */
  static byte[] body(Request request) throws IOException {
    try (InputStream in = request.getInputStream()) {
      return in.readAllBytes();
    }
  }

  /**
   * Refuses with 415 unless the body is declared {@code application/json}, in UTF-8 if a charset is
   * named. A web page may send {@code text/plain}, a form or a multipart body to any address
   * without the browser asking first; a JSON content type it can only send after a CORS preflight,
   * which this server never answers.
   */
  static void requireJson(Request request) throws Refusal {
    String declared = request.getHeader("Content-Type");
    if (declared != null) {
      String[] parts = declared.split(";");
      boolean json = parts[0].strip().equalsIgnoreCase("application/json");
      boolean utf8 = true;
      for (int i = 1; i < parts.length; i++) {
        String[] parameter = parts[i].strip().split("=", 2);
        if (parameter[0].strip().equalsIgnoreCase("charset")) {
          utf8 =
              parameter.length == 2
                  && parameter[1].strip().replace("\"", "").equalsIgnoreCase("utf-8");
        }
      }
      if (json && utf8) {
        return;
      }
    }
    throw new Refusal(415, "Content-Type : " + declared + " (expected: application/json, UTF-8)");
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
