package io.github.broadcast.examples.spring;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.github.broadcast.Broadcaster;
import io.github.broadcast.SessionStore;
import io.github.broadcast.SessionUpdate;
import io.github.broadcast.examples.dashboard.core.DashboardMetrics;
import io.github.broadcast.examples.dashboard.core.HookRequests;
import io.github.broadcast.examples.dashboard.core.Json;
import io.github.broadcast.examples.dashboard.core.SessionModel;
import io.github.broadcast.spring.BroadcastProperties;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The dashboard's HTTP API, the same contract as dashboard-server's: {@code POST /api/hooks},
 * {@code GET /api/sessions}, {@code GET /api/metrics}. JSON is written with the shared Jackson 2
 * mapper ({@link Json#MAPPER}), whatever Spring's own converters are.
 */
@RestController
class DashboardController {

  private static final System.Logger logger = System.getLogger(DashboardController.class.getName());

  private final SessionStore store;
  private final Broadcaster broadcaster;
  private final DashboardProperties properties;
  private final BroadcastProperties broadcast;
  private final Clock clock;

  DashboardController(
      SessionStore store,
      Broadcaster broadcaster,
      DashboardProperties properties,
      BroadcastProperties broadcast,
      Clock clock) {
    this.store = store;
    this.broadcaster = broadcaster;
    this.properties = properties;
    this.broadcast = broadcast;
    this.clock = clock;
  }

  /**
   * One Claude Code hook payload, as {@code application/json}: 202 with the session's version; 400,
   * 413 or 415 with a JSON error, and then nothing was stored or broadcast. A repeat with the same
   * {@code Idempotency-Key} counts once. The worker thread is released while the store applies it.
   */
  @PostMapping("/api/hooks")
  CompletionStage<ResponseEntity<String>> hooks(HttpServletRequest request) throws IOException {
    String problem = HookRequests.contentTypeProblem(request.getHeader("Content-Type"));
    if (problem != null) {
      return CompletableFuture.completedFuture(error(415, problem));
    }
    String changeId;
    JsonNode hook;
    try {
      changeId = HookRequests.changeId(request.getHeader("Idempotency-Key"));
      byte[] body = readBody(request);
      if (body == null) {
        return CompletableFuture.completedFuture(
            error(413, "body over " + properties.maxBodyBytes() + " bytes"));
      }
      hook = Json.parse(body);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.completedFuture(error(400, e.getMessage()));
    }
    String invalid = SessionModel.validate(hook);
    if (invalid != null) {
      return CompletableFuture.completedFuture(error(400, invalid));
    }
    try {
      return store
          .applyAsync(
              hook.get("session_id").asText(),
              changeId,
              state -> SessionModel.apply(state, hook, clock.instant(), properties.taskMax()))
          .handle(this::answer);
    } catch (IllegalArgumentException e) { // The store's own check of the session id.
      return CompletableFuture.completedFuture(error(400, e.getMessage()));
    }
  }

  /** The body, or null when it is longer than allowed (then it is not read further). */
  private byte[] readBody(HttpServletRequest request) throws IOException {
    long declared = request.getContentLengthLong();
    if (declared > properties.maxBodyBytes()) {
      return null;
    }
    try (InputStream in = request.getInputStream()) {
      byte[] body = in.readNBytes(properties.maxBodyBytes() + 1);
      return body.length > properties.maxBodyBytes() ? null : body;
    }
  }

  private ResponseEntity<String> answer(SessionUpdate update, Throwable failure) {
    if (failure != null) {
      logger.log(Level.WARNING, "a hook failed", failure);
      return error(500, "the hook could not be applied: " + failure);
    }
    return json(202, Json.accepted(update));
  }

  /** Every live session as the WebSocket carries it, the most recently updated first. */
  @GetMapping("/api/sessions")
  ResponseEntity<String> sessions() {
    return json(200, SessionModel.sessionsJson(store.snapshot()));
  }

  /** The broadcaster's figures, in the shape dashboard-server gives them. */
  @GetMapping("/api/metrics")
  ResponseEntity<String> metrics() {
    return json(
        200,
        DashboardMetrics.of(
            broadcast.getPreset().name().toLowerCase(Locale.ROOT),
            store.size(),
            broadcaster.stats()));
  }

  private static ResponseEntity<String> error(int status, String message) {
    return json(status, Json.error(status, message));
  }

  private static ResponseEntity<String> json(int status, JsonNode body) {
    try {
      return ResponseEntity.status(status)
          .contentType(MediaType.APPLICATION_JSON)
          .body(Json.MAPPER.writeValueAsString(body));
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
