package io.github.broadcast.tyrus;

import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.glassfish.grizzly.http.Method;
import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The embedded server's probes, behind its front door like every other request: {@code /healthz}
 * (liveness: 200 while the server serves) and {@code /readyz} (readiness: 200 when every readiness
 * check passes, else 503 naming the ones that fail). While the server shuts down, the front door
 * answers both with 503, so a load balancer stops sending new clients first. A check that throws
 * counts as failing. Thread-safe if the checks are.
 */
final class HealthHandler extends HttpHandler {

  private static final System.Logger logger = System.getLogger(HealthHandler.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The liveness probe's path. */
  static final String LIVE = "/healthz";

  /** The readiness probe's path. */
  static final String READY = "/readyz";

  private final Map<String, BooleanSupplier> checks; // Empty for liveness.

  private HealthHandler(Map<String, BooleanSupplier> checks) {
    this.checks = checks;
  }

  static HealthHandler liveness() {
    return new HealthHandler(Map.of());
  }

  static HealthHandler readiness(Map<String, BooleanSupplier> checks) {
    return new HealthHandler(Collections.unmodifiableMap(new LinkedHashMap<>(checks)));
  }

  @Override
  public void service(Request request, Response response) throws Exception {
    if (request.getMethod() != Method.GET && request.getMethod() != Method.HEAD) {
      response.setStatus(405);
      response.setHeader("Allow", "GET, HEAD");
      return;
    }
    ObjectNode body = JSON.createObjectNode();
    boolean ok = true;
    if (!checks.isEmpty()) {
      ObjectNode results = body.putObject("checks");
      for (Map.Entry<String, BooleanSupplier> check : checks.entrySet()) {
        boolean passed = passes(check.getKey(), check.getValue());
        results.put(check.getKey(), passed);
        ok &= passed;
      }
    }
    body.put("status", checks.isEmpty() ? "up" : ok ? "ready" : "not ready");
    byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
    response.setStatus(ok ? 200 : 503);
    response.setContentType("application/json");
    response.setHeader("Cache-Control", "no-store");
    response.setContentLength(bytes.length);
    if (request.getMethod() == Method.GET) {
      response.getOutputStream().write(bytes);
    }
  }

  private static boolean passes(String name, BooleanSupplier check) {
    try {
      return check.getAsBoolean();
    } catch (RuntimeException e) {
      logger.log(Level.WARNING, () -> "readiness check " + name + " failed: " + e);
      return false;
    }
  }
}
