package io.github.broadcast.spring;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * Mapped at the endpoint's path: containers pass a WebSocket upgrade to their WebSocket filter only
 * when some servlet is mapped over the path (an application without Spring MVC has none, and every
 * handshake would get 404), and a plain HTTP request that reaches it gets 426 (Upgrade Required).
 */
final class UpgradeRequiredServlet extends HttpServlet {

  private static final long serialVersionUID = 1L;

  @Override
  protected void service(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    response.setStatus(426);
    response.setHeader("Upgrade", "websocket");
    response.setHeader("Connection", "Upgrade");
    response.setContentType("text/plain");
    response.getWriter().write("this is a WebSocket endpoint\n");
  }
}
