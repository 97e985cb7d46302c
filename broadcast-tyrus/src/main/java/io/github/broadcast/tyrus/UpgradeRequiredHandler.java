package io.github.broadcast.tyrus;

import java.nio.charset.StandardCharsets;
import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;

/**
 * A plain HTTP request at the WebSocket path (a browser's address bar, a health check aimed at the
 * wrong path): 426 Upgrade Required, naming the upgrade it takes, as the Spring starter answers.
 * Upgrade requests never reach it: Tyrus takes them before Grizzly's HTTP handlers.
 */
final class UpgradeRequiredHandler extends HttpHandler {

  private static final byte[] BODY =
      "{\"error\":\"this is a WebSocket endpoint: connect with Upgrade: websocket\",\"status\":426}"
          .getBytes(StandardCharsets.UTF_8);

  @Override
  public void service(Request request, Response response) throws Exception {
    response.setStatus(426, "Upgrade Required");
    response.setHeader("Upgrade", "websocket");
    response.setHeader("Connection", "Upgrade");
    response.setContentType("application/json");
    response.setContentLength(BODY.length);
    response.getOutputStream().write(BODY);
  }
}
