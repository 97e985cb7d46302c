package io.github.broadcast.examples.dashboard;

import io.github.broadcast.ChangeOutcomeUnknownException;
import io.github.broadcast.SessionUpdate;
import io.github.broadcast.StoreUnavailableException;
import io.github.broadcast.Topics;
import io.github.broadcast.examples.dashboard.core.DashboardMetrics;
import io.github.broadcast.examples.dashboard.core.HookRequests;
import io.github.broadcast.examples.dashboard.core.Json;
import io.github.broadcast.examples.dashboard.core.SessionModel;
import io.github.broadcast.jakarta.EndpointStats;
import io.github.broadcast.redis.RedisSessionStore;
import io.github.broadcast.tyrus.HttpStats;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** The dashboard's HTTP API: hooks in, sessions and metrics out. Each runs on a worker thread. */
final class Handlers {

  private static final System.Logger logger = System.getLogger(Handlers.class.getName());

  private Handlers() {}

  /** A handler whose refusals become JSON errors with their status. */
  private abstract static class JsonHandler extends HttpHandler {
    @Override
    public final void service(Request request, Response response) throws IOException {
      try {
        handle(request, response);
      } catch (Http.Refusal refusal) {
        Http.error(response, refusal.status, refusal.getMessage());
      }
    }

    abstract void handle(Request request, Response response) throws IOException, Http.Refusal;
  }

  /**
   * {@code POST /api/hooks}: one Claude Code hook payload, as {@code application/json}. 202 with
   * the session's new version; 400, 405 or 415 (any other content type: a web page can send {@code
   * text/plain} or a form cross-site without asking) with a JSON error, and 503 when the cluster's
   * Redis is unreachable; then nothing has changed. The server refuses a foreign Host or Origin
   * (403), a missing token (401), a body too big (413) or too slow (408) before this runs. 504 when
   * Redis did not answer: the hook may or may not have been applied; posting it again with the same
   * {@code Idempotency-Key} is safe (the store drops a repeat).
   *
   * <p>The change is applied asynchronously: the worker thread is released while the store (Redis,
   * for a cluster) works, and the response completes from the store's thread. Never waits for the
   * broadcast.
   */
  static HttpHandler hooks(DashboardServer server) {
    return new JsonHandler() {
      @Override
      void handle(Request request, Response response) throws IOException, Http.Refusal {
        Http.requireMethod(request, "POST");
        requireEveryProject(server, request);
        Http.requireJson(request);
        String changeId = changeId(request);
        JsonNode hook = Http.json(Http.body(request));
        String invalid = SessionModel.validate(hook);
        if (invalid != null) {
          throw new Http.Refusal(400, invalid);
        }
        CompletableFuture<SessionUpdate> applied =
            server.ingest(hook, changeId).toCompletableFuture();
        if (applied.isDone()) {
          answer(response, applied);
          return;
        }
        response.suspend();
        applied.whenComplete(
            (update, error) -> {
              try {
                answer(response, applied);
              } catch (IOException e) {
                logger.log(Level.DEBUG, () -> "could not answer a hook: " + e);
              } finally {
                response.resume();
              }
            });
      }
    };
  }

  /** Writes the answer to a hook whose change has completed. */
  private static void answer(Response response, CompletableFuture<SessionUpdate> applied)
      throws IOException {
    SessionUpdate update;
    try {
      update = applied.join();
    } catch (CompletionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof StoreUnavailableException) {
        // Not made, and said so: the producer may retry. Clients keep the last view.
        response.setHeader("Retry-After", "1");
        Http.error(
            response, 503, "the cluster's Redis is unreachable; retry: " + cause.getMessage());
      } else if (cause instanceof ChangeOutcomeUnknownException) {
        response.setHeader("Retry-After", "1");
        Http.error(
            response,
            504,
            "the cluster's Redis did not answer: the hook may or may"
                + " not have been applied; post it again with the same Idempotency-Key header"
                + " and it counts once");
      } else {
        logger.log(Level.WARNING, "a hook failed", cause);
        Http.error(response, 500, "the hook could not be applied: " + cause);
      }
      return;
    }
    Http.send(response, 202, Json.accepted(update));
  }

  /** The hook's change id ({@link HookRequests#changeId}); a malformed key is a 400. */
  static String changeId(Request request) throws Http.Refusal {
    try {
      return HookRequests.changeId(request.getHeader("Idempotency-Key"));
    } catch (IllegalArgumentException e) {
      throw new Http.Refusal(400, e.getMessage());
    }
  }

  /**
   * {@code GET /api/sessions}: every live session the request's token opens, newest first, as the
   * WebSocket shows it; with {@code ?project=NAME}, that project's only (403 if the token does not
   * open it).
   */
  static HttpHandler sessions(DashboardServer server) {
    return new JsonHandler() {
      @Override
      void handle(Request request, Response response) throws IOException, Http.Refusal {
        Http.requireMethod(request, "GET");
        Topics allowed = server.allowed(request);
        String project = request.getParameter("project");
        Topics shown = allowed;
        if (project != null) {
          if (project.isBlank() || !allowed.includes(project)) {
            throw new Http.Refusal(403, "this token does not open project " + project);
          }
          shown = Topics.of(project);
        }
        List<SessionUpdate> live = new ArrayList<>();
        for (SessionUpdate update : server.store().snapshot()) {
          if (shown.includes(DashboardServer.project(update))) {
            live.add(update);
          }
        }
        Http.send(response, 200, SessionModel.sessionsJson(live));
      }
    };
  }

  /**
   * Refuses (403) a request whose token opens only some projects: the hooks write any project's
   * sessions, and the metrics name every project (subscribers per topic).
   */
  static void requireEveryProject(DashboardServer server, Request request) throws Http.Refusal {
    if (!server.allowed(request).isAll()) {
      throw new Http.Refusal(
          403, "this token opens only some projects; this needs one that opens every project");
    }
  }

  /** {@code GET /api/metrics}: the broadcaster's stats, the endpoint's, and the process's. */
  static HttpHandler metrics(DashboardServer server) {
    return new JsonHandler() {
      @Override
      void handle(Request request, Response response) throws IOException, Http.Refusal {
        Http.requireMethod(request, "GET");
        requireEveryProject(server, request);
        Http.send(response, 200, metricsJson(server));
      }
    };
  }

  /**
   * {@code GET /metrics}: the broadcaster's meters ({@code broadcast_*}) and the JVM's, in
   * Prometheus' text format, for a scraper. Behind the same Host, Origin and token rules as every
   * other data endpoint (a scraper sends the token as a Bearer header).
   */
  static HttpHandler prometheus(DashboardServer server) {
    return new JsonHandler() {
      @Override
      void handle(Request request, Response response) throws IOException, Http.Refusal {
        Http.requireMethod(request, "GET");
        requireEveryProject(server, request);
        byte[] text = server.prometheus().scrape().getBytes(StandardCharsets.UTF_8);
        response.setStatus(200);
        response.setContentType("text/plain; version=0.0.4; charset=utf-8");
        response.setHeader("Cache-Control", "no-store");
        response.setContentLength(text.length);
        response.getOutputStream().write(text);
      }
    };
  }

  static ObjectNode metricsJson(DashboardServer server) {
    ObjectNode body =
        DashboardMetrics.of(
            server.options().strategy.name().toLowerCase(Locale.ROOT),
            server.store().size(),
            server.broadcaster().stats());
    // Pages per project they watch: (all) for those of every project; bounded by the projects.
    ObjectNode subscribers = ((ObjectNode) body.get("broadcast")).putObject("subscribers");
    server.broadcaster().subscribers().forEach(subscribers::put);
    if (server.store() instanceof RedisSessionStore) {
      describe(((RedisSessionStore) server.store()).stats(), server.options().redisPrefix, body);
    }

    EndpointStats endpoint = server.endpointStats();
    ObjectNode connections = body.putObject("connections");
    connections.put("open", endpoint.open());
    connections.put("admitted", endpoint.admitted());
    connections.put("refused_origin", endpoint.refusedOrigin());
    connections.put("refused_token", endpoint.refusedToken());
    connections.put("refused_capacity", endpoint.refusedCapacity());
    connections.put("refused_rate", endpoint.refusedRate());
    connections.put("refused_address", endpoint.refusedAddress());
    connections.put("refused_topics", endpoint.refusedTopics());
    connections.put("policy_closes", endpoint.policyCloses());
    ObjectNode byServer = connections.putObject("closed_by_server");
    endpoint.closedByServer().forEach((code, count) -> byServer.put(String.valueOf(code), count));
    ObjectNode byClient = connections.putObject("closed_by_client");
    endpoint.closedByClient().forEach((code, count) -> byClient.put(String.valueOf(code), count));

    HttpStats http = server.httpStats();
    ObjectNode requests = body.putObject("requests");
    requests.put("refused_host", http.refusedHost());
    requests.put("refused_origin", http.refusedOrigin());
    requests.put("refused_token", http.refusedToken());
    requests.put("refused_shutting_down", http.refusedShuttingDown());
    requests.put("bodies_too_large", http.bodiesTooLarge());
    requests.put("bodies_timed_out", http.bodiesTimedOut());
    requests.put("heads_timed_out", http.headsTimedOut());
    requests.put("refused_unfinished", http.refusedUnfinished());
    requests.put("idle_closed", http.idleClosed());
    return body;
  }

  /** The Redis store's state, for a node of a cluster. */
  private static void describe(RedisSessionStore.Stats stats, String prefix, ObjectNode metrics) {
    metrics
        .putObject("redis")
        .put("prefix", prefix)
        .put("connected", stats.connected())
        .put("disconnects", stats.disconnects())
        .put("resyncs", stats.resyncs())
        .put("reseeded", stats.reseeded())
        .put("rebuilds", stats.rebuilds())
        .put("conflicts", stats.conflicts())
        .put("failed_writes", stats.failedWrites())
        .put("unknown_outcomes", stats.unknownOutcomes())
        .put("duplicates", stats.duplicates())
        .put("received", stats.received());
  }
}
