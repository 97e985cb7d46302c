package io.github.broadcast.spring;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * Serves the browser client (broadcast-client) at {@code /broadcast/client.js} and its types at
 * {@code /broadcast/client.d.ts}, whether or not the application has Spring MVC (which would serve
 * them from the jar's {@code META-INF/resources} too, but only with MVC). Exactly these two files,
 * read once from the class path: nothing else under the path is served (404), so no request can
 * reach another resource. Revalidated by ETag, so a page gets a new version at once after an
 * upgrade and a 304 otherwise.
 */
final class ClientModuleServlet extends HttpServlet {

  private static final long serialVersionUID = 1L;
  private static final String RESOURCES = "META-INF/resources/broadcast/";

  private final transient Map<String, File> files;

  private record File(byte[] bytes, String type, String etag) {}

  ClientModuleServlet() {
    this.files =
        Map.of(
            "/client.js", read("client.js", "text/javascript; charset=utf-8"),
            "/client.d.ts", read("client.d.ts", "text/plain; charset=utf-8"));
  }

  private static File read(String name, String type) {
    try (InputStream in =
        ClientModuleServlet.class.getClassLoader().getResourceAsStream(RESOURCES + name)) {
      if (in == null) {
        throw new IllegalStateException(
            RESOURCES + name + " : missing (expected: broadcast-client on the class path)");
      }
      byte[] bytes = in.readAllBytes();
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
      return new File(bytes, type, "\"" + HexFormat.of().formatHex(digest, 0, 12) + "\"");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is in every JDK", e);
    }
  }

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    File file = files.get(request.getPathInfo());
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
    response.setContentType(file.type());
    response.setContentLength(file.bytes().length);
    response.getOutputStream().write(file.bytes());
  }
}
