package io.github.broadcast.tyrus;

import io.github.broadcast.internal.ClientFiles;
import org.glassfish.grizzly.http.Method;
import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;

/**
 * One file of the browser client ({@link ClientFiles}), mapped at its exact path: its content type,
 * an ETag for revalidation ({@code no-cache}: a page gets a new version at once after an upgrade, a
 * 304 otherwise) and {@code nosniff}. GET and HEAD only.
 */
final class ClientModuleHandler extends HttpHandler {

  private final ClientFiles.File file;

  ClientModuleHandler(ClientFiles.File file) {
    this.file = file;
  }

  @Override
  public void service(Request request, Response response) throws Exception {
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
