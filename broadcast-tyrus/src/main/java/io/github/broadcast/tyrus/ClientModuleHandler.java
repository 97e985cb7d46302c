package io.github.broadcast.tyrus;

import io.github.broadcast.internal.ClientFiles;
import java.util.Map;
import org.glassfish.grizzly.http.Method;
import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;

/**
 * The browser client's two files ({@link ClientFiles}), mapped under {@code /broadcast}: exactly
 * their paths are served (Grizzly maps by prefix, so the path is checked here; anything else is
 * 404), each with its content type, an ETag for revalidation ({@code no-cache}: a page gets a new
 * version at once after an upgrade, a 304 otherwise) and {@code nosniff}. GET and HEAD only.
 */
final class ClientModuleHandler extends HttpHandler {

  /** Where it is mapped. */
  static final String PATH = "/broadcast";

  private final Map<String, ClientFiles.File> files;

  ClientModuleHandler(Map<String, ClientFiles.File> files) {
    this.files = files;
  }

  @Override
  public void service(Request request, Response response) throws Exception {
    ClientFiles.File file = files.get(request.getRequestURI());
    if (file == null) {
      response.sendError(404);
      return;
    }
    if (request.getMethod() != Method.GET && request.getMethod() != Method.HEAD) {
      response.setStatus(405, "Method Not Allowed");
      response.setHeader("Allow", "GET, HEAD");
      return;
    }
    response.setHeader("ETag", file.etag());
    response.setHeader("Cache-Control", "no-cache");
    response.setHeader("X-Content-Type-Options", "nosniff");
    if (file.etag().equals(request.getHeader("If-None-Match"))) {
      response.setStatus(304, "Not Modified");
      return;
    }
    response.setContentType(file.contentType());
    response.setContentLength(file.bytes().length);
    if (request.getMethod() == Method.GET) {
      response.getOutputStream().write(file.bytes());
    }
  }
}
