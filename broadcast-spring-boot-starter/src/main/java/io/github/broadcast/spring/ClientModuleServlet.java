package io.github.broadcast.spring;

import io.github.broadcast.internal.ClientFiles;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Map;

/**
 * Serves the browser client (broadcast-client) at {@code /broadcast/client.js} and its types at
 * {@code /broadcast/client.d.ts}, whether or not the application has Spring MVC (which would serve
 * them from the jar's {@code META-INF/resources} too, but only with MVC). Mapped at exactly these
 * two paths, so that anything else under {@code /broadcast/} stays the application's. Revalidated
 * by ETag: a page gets a new version at once after an upgrade, and a 304 otherwise.
 */
final class ClientModuleServlet extends HttpServlet {

  private static final long serialVersionUID = 1L;

  private final transient Map<String, ClientFiles.File> files =
      ClientFiles.load(ClientModuleServlet.class.getClassLoader());

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    String path = request.getServletPath();
    ClientFiles.File file = path == null ? null : files.get(path);
    if (file == null) {
      response.sendError(HttpServletResponse.SC_NOT_FOUND);
      return;
    }
    response.setHeader("ETag", file.etag());
    response.setHeader("Cache-Control", "no-cache");
    response.setHeader("X-Content-Type-Options", "nosniff");
    if (file.etag().equals(request.getHeader("If-None-Match"))) {
      response.setStatus(HttpServletResponse.SC_NOT_MODIFIED);
      return;
    }
    response.setContentType(file.contentType());
    response.setContentLength(file.bytes().length);
    response.getOutputStream().write(file.bytes());
  }
}
