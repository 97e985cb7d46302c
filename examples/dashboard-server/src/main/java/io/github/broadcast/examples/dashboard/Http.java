package io.github.broadcast.examples.dashboard;

import io.github.broadcast.examples.dashboard.core.HookRequests;
import io.github.broadcast.examples.dashboard.core.Json;
import java.io.IOException;
import java.io.InputStream;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;
import tools.jackson.databind.JsonNode;

/** JSON in and out of Grizzly requests, with the limits every handler shares. */
final class Http {

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
   * Json#MAX_BODY_BYTES} and its deadline, so this never waits on the network.
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
    String problem = HookRequests.contentTypeProblem(request.getHeader("Content-Type"));
    if (problem != null) {
      throw new Refusal(415, problem);
    }
  }

  /** Parses JSON, refusing malformed or too deeply nested input with 400. */
  static JsonNode json(byte[] body) throws Refusal {
    try {
      return Json.parse(body);
    } catch (IllegalArgumentException e) {
      throw new Refusal(400, e.getMessage());
    }
  }

  /** Refuses with 405 unless the method is {@code method}. */
  static void requireMethod(Request request, String method) throws Refusal {
    if (!request.getMethod().getMethodString().equals(method)) {
      throw new Refusal(405, request.getMethod() + " is not allowed here; use " + method);
    }
  }

  static void send(Response response, int status, JsonNode body) throws IOException {
    byte[] bytes = Json.MAPPER.writeValueAsBytes(body);
    response.setStatus(status);
    response.setContentType("application/json");
    response.setCharacterEncoding("UTF-8");
    response.setHeader("Cache-Control", "no-store");
    response.setContentLength(bytes.length);
    response.getOutputStream().write(bytes);
  }

  static void error(Response response, int status, String message) throws IOException {
    send(response, status, Json.error(status, message));
  }
}
