package io.github.broadcast.examples.spring;

import io.github.broadcast.examples.dashboard.core.Json;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Refuses, with 403 and a JSON error, a request whose {@code Host} names another server (DNS
 * rebinding: a page whose name now points at this machine sends its own name) or whose {@code
 * Origin} is not allowed (a cross-site write). A request without an {@code Origin}, from curl or a
 * hook script, is not a browser's and passes. WebSocket handshakes pass here too, before the
 * endpoint's own origin check.
 */
final class FrontDoorFilter extends HttpFilter {

  private static final long serialVersionUID = 1L;

  private final Set<String> hosts;
  private final transient Predicate<String> originAllowed;

  FrontDoorFilter(List<String> hosts, Predicate<String> originAllowed) {
    this.hosts =
        hosts.stream().map(h -> h.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
    this.originAllowed = originAllowed;
  }

  @Override
  protected void doFilter(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    String host = request.getHeader("Host");
    if (host == null || !hosts.contains(hostName(host))) {
      refuse(
          response,
          host == null
              ? "a Host header is required"
              : "this server does not answer to the name in the Host header: " + host);
      return;
    }
    String origin = request.getHeader("Origin");
    if (origin != null && !originAllowed.test(origin)) {
      refuse(response, "origin not allowed: " + origin);
      return;
    }
    chain.doFilter(request, response);
  }

  /** The name in a Host header, without its port: {@code [::1]:8080} gives {@code [::1]}. */
  static String hostName(String host) {
    String name = host.strip().toLowerCase(Locale.ROOT);
    int colon = name.lastIndexOf(':');
    if (colon > name.lastIndexOf(']')) {
      name = name.substring(0, colon);
    }
    return name;
  }

  private static void refuse(HttpServletResponse response, String message) throws IOException {
    byte[] body = Json.MAPPER.writeValueAsBytes(Json.error(403, message));
    response.setStatus(403);
    response.setContentType("application/json");
    response.setCharacterEncoding(StandardCharsets.UTF_8.name());
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
  }
}
