package io.github.broadcast.examples.spring;

import io.github.broadcast.Broadcaster;
import io.github.broadcast.SessionStore;
import io.github.broadcast.examples.dashboard.core.DashboardMetrics;
import io.github.broadcast.examples.dashboard.core.Json;
import io.github.broadcast.examples.dashboard.core.SessionModel;
import io.github.broadcast.spring.BroadcastProperties;
import java.util.Locale;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The dashboard's HTTP API, the same contract as dashboard-server's: {@code GET /api/sessions} and
 * {@code GET /api/metrics} ({@code POST /api/hooks} is {@link HookServlet}). JSON is written with
 * the mapper both dashboards share ({@link Json#MAPPER}: Jackson 3, as Boot's own, with the
 * dashboards' parsing limits), so the two answer byte for byte alike.
 */
@RestController
class DashboardController {

  private final SessionStore store;
  private final Broadcaster broadcaster;
  private final HookServlet hooks;
  private final BroadcastProperties broadcast;

  DashboardController(
      SessionStore store,
      Broadcaster broadcaster,
      HookServlet hooks,
      BroadcastProperties broadcast) {
    this.store = store;
    this.broadcaster = broadcaster;
    this.hooks = hooks;
    this.broadcast = broadcast;
  }

  /** Every live session as the WebSocket carries it, the most recently updated first. */
  @GetMapping("/api/sessions")
  ResponseEntity<String> sessions() {
    return json(200, SessionModel.sessionsJson(store.snapshot()));
  }

  /** The broadcaster's figures, in the shape dashboard-server gives them. */
  @GetMapping("/api/metrics")
  ResponseEntity<String> metrics() {
    ObjectNode metrics =
        DashboardMetrics.of(
            broadcast.getPreset().name().toLowerCase(Locale.ROOT),
            store.size(),
            broadcaster.stats());
    metrics.putObject("requests").put("bodies_timed_out", hooks.bodiesTimedOut());
    return json(200, metrics);
  }

  private static ResponseEntity<String> error(int status, String message) {
    return json(status, Json.error(status, message));
  }

  private static ResponseEntity<String> json(int status, JsonNode body) {
    return ResponseEntity.status(status)
        .contentType(MediaType.APPLICATION_JSON)
        .body(Json.MAPPER.writeValueAsString(body));
  }
}
