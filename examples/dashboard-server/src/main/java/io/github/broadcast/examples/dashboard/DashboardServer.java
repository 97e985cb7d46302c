package io.github.broadcast.examples.dashboard;

import io.github.broadcast.Broadcaster;
import io.github.broadcast.Broadcasters;
import io.github.broadcast.OutboxLimits;
import io.github.broadcast.SessionStore;
import io.github.broadcast.SessionUpdate;
import io.github.broadcast.Topics;
import io.github.broadcast.examples.dashboard.core.Json;
import io.github.broadcast.examples.dashboard.core.SessionModel;
import io.github.broadcast.examples.dashboard.core.TranscriptSummary;
import io.github.broadcast.jakarta.BroadcastEndpointConfig;
import io.github.broadcast.jakarta.EndpointStats;
import io.github.broadcast.micrometer.BroadcastMetrics;
import io.github.broadcast.micrometer.EndpointMetrics;
import io.github.broadcast.micrometer.HttpMetrics;
import io.github.broadcast.micrometer.RedisMetrics;
import io.github.broadcast.redis.RedisSessionStore;
import io.github.broadcast.tyrus.EmbeddedServer;
import io.github.broadcast.tyrus.HttpStats;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.glassfish.grizzly.http.server.CLStaticHttpHandler;
import org.glassfish.grizzly.http.server.Request;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The dashboard of the original issue, rebuilt on the library. Hook events come in over HTTP
 * ({@code POST /api/hooks}) and from transcripts on disk, become session state in a {@link
 * SessionStore}, and go out to every browser over WebSocket ({@code /ws/dashboard}) under the
 * chosen strategy. One port serves the page, the API and the WebSocket.
 *
 * <pre>
 * java -jar examples/dashboard-server/target/dashboard-server.jar --simulate 10:3
 * </pre>
 */
public final class DashboardServer implements AutoCloseable {

  private static final System.Logger logger = System.getLogger(DashboardServer.class.getName());

  private final Options options;
  private final Broadcaster broadcaster;
  private final SessionStore store;
  private final ExecutorService sequentialPublisher; // Null unless the strategy is sequential.
  private final EmbeddedServer server;
  private volatile EmbeddedServer startedServer; // The same, as soon as it serves.
  private final TranscriptWatcher watcher;
  private final SessionDisk disk; // Null with --redis or --data-dir none.
  private final Simulator simulator;
  private final Clock clock = Clock.systemUTC();
  private final BroadcastMetrics metrics = new BroadcastMetrics();
  private final PrometheusMeterRegistry prometheus =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  private DashboardServer(Options options) throws IOException {
    this.options = options;
    this.broadcaster = broadcaster(options, metrics);
    // The delivery latency's histogram, for histogram_quantile: the application's choice.
    prometheus.config().meterFilter(BroadcastMetrics.latencyHistogram());
    metrics.monitor(broadcaster).bindTo(prometheus);
    new JvmMemoryMetrics().bindTo(prometheus);
    new JvmThreadMetrics().bindTo(prometheus);
    new ProcessorMetrics().bindTo(prometheus);
    new UptimeMetrics().bindTo(prometheus);
    if (options.strategy == Broadcasters.Preset.SEQUENTIAL) {
      // The sequential baseline blocks its publisher; hook requests must not wait for it, so
      // it publishes from one thread of its own, as the original asyncio loop did.
      sequentialPublisher =
          Executors.newSingleThreadExecutor(task -> Daemons.thread("sequential-publisher", task));
    } else {
      sequentialPublisher = null;
    }
    try {
      this.disk =
          options.redis == null && options.dataDir != null
              ? SessionDisk.open(options.dataDir, Duration.ofSeconds(1))
              : null;
    } catch (IOException | RuntimeException e) {
      stopPublishing();
      throw e;
    }
    try {
      this.store =
          options.redis == null
              ? SessionStore.inMemory().expireAfter(this::timeToLive).build()
              : RedisSessionStore.newBuilder(options.redis)
                  .prefix(options.redisPrefix)
                  .expireAfter(this::timeToLive)
                  .build();
      if (disk != null) {
        reload(disk.sessions());
        store.subscribe(disk::changed);
      }
      store.subscribe(this::publish); // The sessions already there, then every change.
    } catch (RuntimeException e) {
      if (disk != null) {
        disk.close();
      }
      stopPublishing();
      throw e;
    }

    EmbeddedServer started = null;
    TranscriptWatcher startedWatcher = null;
    try {
      BroadcastEndpointConfig.Builder endpoint =
          BroadcastEndpointConfig.newBuilder("/ws/dashboard", broadcaster)
              .topicParameter("project") // ?project=NAME: one project's sessions.
              .maxClients(options.maxClients)
              .connectionRate(options.connectionRate, options.connectionBurst);
      try {
        endpoint.forwardedHeader(options.forwardedHeader).trustedProxies(options.trustedProxies);
      } catch (IllegalArgumentException e) { // Named as the option it came from.
        throw new IllegalArgumentException(
            e.getMessage().replaceFirst("^trustedProxies", "--trusted-proxies"), e);
      }
      if (options.maxClientsPerAddress > 0) {
        endpoint.maxClientsPerAddress(options.maxClientsPerAddress);
      }
      if (options.connectionRatePerAddress > 0) {
        endpoint.connectionRatePerAddress(
            options.connectionRatePerAddress, options.connectionBurstPerAddress);
      }
      if (options.anyOrigin) {
        endpoint.allowAnyOrigin();
      } else if (!options.origins.isEmpty()) {
        endpoint.allowedOrigins(options.origins.toArray(String[]::new));
      }
      EmbeddedServer.Builder builder =
          EmbeddedServer.newBuilder()
              .host(options.host)
              .port(options.port)
              .socketSendBuffer(options.socketSendBuffer)
              .permessageDeflate(options.permessageDeflate)
              .maxRequestBodyBytes(Json.MAX_BODY_BYTES)
              .requestBodyTimeout(options.bodyTimeout)
              .shutdownGrace(options.shutdownGrace)
              .endpoint(endpoint)
              .readinessCheck("store", store::acceptsWrites) // /readyz: false while Redis rebuilds.
              .httpHandler("/api/hooks", Handlers.hooks(this))
              .httpHandler("/api/sessions", Handlers.sessions(this))
              .httpHandler("/api/metrics", Handlers.metrics(this))
              .httpHandler("/metrics", Handlers.prometheus(this))
              .httpHandler(
                  "/", new CLStaticHttpHandler(DashboardServer.class.getClassLoader(), "/web/"));
      options.publicUrls.forEach(builder::publicUrl);
      if (options.tokens.required()) {
        builder.requiredTokens(options.tokens.tokens());
        // A page may see the projects its token opens; the front door refused any other token.
        endpoint.topicAccess(
            request -> {
              EmbeddedServer running = startedServer;
              return running == null
                  ? Topics.none() // Not yet serving: cannot tell its cookie.
                  : options.tokens.allowed(request, running.tokenCookieName());
            });
      }
      if (options.tlsCert != null) {
        builder.tls(options.tlsCert, options.tlsKey);
      }
      started = builder.start();
      startedServer = started;
      new EndpointMetrics(started::endpointStats, Tags.empty()).bindTo(prometheus);
      new HttpMetrics(started::httpStats, Tags.empty()).bindTo(prometheus);
      if (store instanceof RedisSessionStore) {
        new RedisMetrics((RedisSessionStore) store, Tags.empty()).bindTo(prometheus);
      }
      if (options.transcripts != null) {
        startedWatcher =
            new TranscriptWatcher(
                options.transcripts,
                options.transcriptDebounce,
                options.idleTtl,
                disk == null ? Map.of() : disk.positions(),
                this::ingest,
                disk == null ? (file, position) -> {} : disk::consumed);
      }
    } catch (IOException | RuntimeException e) {
      if (started != null) {
        started.close();
      }
      store.close();
      if (disk != null) {
        disk.close();
      }
      stopPublishing();
      throw e;
    }
    this.server = started;
    this.watcher = startedWatcher;
    if (options.simulatedSessions > 0) {
      simulator =
          new Simulator(
              options.simulatedSessions, options.simulatedRate, 1, this::ingest, this::ingest);
      simulator.start();
    } else {
      simulator = null;
    }
  }

  private void stopPublishing() {
    if (sequentialPublisher != null) {
      sequentialPublisher.shutdownNow();
    }
    broadcaster.close();
  }

  /** Starts a dashboard with {@code options}. */
  static DashboardServer start(Options options) throws IOException {
    return new DashboardServer(options);
  }

  /** A session's topic: its project, the last folder of its cwd (as the page groups them). */
  static String project(SessionUpdate update) {
    return update.state().path("project").asString(null);
  }

  /** The projects the token {@code request} carries opens (all of them without tokens). */
  Topics allowed(Request request) {
    if (!options.tokens.required()) {
      return Topics.all();
    }
    EmbeddedServer running = startedServer;
    return running == null
        ? Topics.none()
        : options.tokens.allowed(request, running.tokenCookieName());
  }

  private static Broadcaster broadcaster(Options options, BroadcastMetrics metrics) {
    Broadcasters.Builder builder =
        options.strategy.newBuilder().listener(metrics).topics(DashboardServer::project);
    if (options.flushInterval != null) {
      builder.batchInterval(options.flushInterval);
    }
    if (options.strategy.isBounded()) {
      builder
          .outboxLimits(
              new OutboxLimits(options.maxOutboxBytes, options.maxOutboxFrames, options.grace))
          .overflowPolicy(options.overflowPolicy)
          .sendTimeout(options.grace);
    } else {
      builder.sendTimeout(options.sendTimeout);
    }
    builder.heartbeat(options.pingInterval, options.pingInterval.multipliedBy(3));
    return builder.build();
  }

  private void publish(SessionUpdate update) {
    if (sequentialPublisher != null) {
      sequentialPublisher.execute(() -> broadcaster.publish(update));
    } else {
      broadcaster.publish(update);
    }
  }

  /**
   * Applies one validated hook payload under {@code changeId} (a retried hook carries the same one,
   * so it counts once), without blocking: the stage completes with the session's update.
   */
  CompletionStage<SessionUpdate> ingest(JsonNode hook, String changeId) {
    String sessionId = hook.get("session_id").asString();
    return store.applyAsync(
        sessionId,
        changeId,
        state -> SessionModel.apply(state, hook, clock.instant(), options.taskMax));
  }

  /** Applies one validated hook payload and waits for it (the simulator's path). */
  void ingest(JsonNode hook) {
    store.apply(
        hook.get("session_id").asString(),
        state -> SessionModel.apply(state, hook, clock.instant(), options.taskMax));
  }

  /** Applies what a transcript's new lines said (the watcher's and the simulator's path). */
  void ingest(TranscriptSummary.Appended appended) {
    store.apply(
        appended.sessionId(),
        state -> SessionModel.applyTranscript(state, appended, clock.instant(), options.taskMax));
  }

  /** {@code --ended-ttl} once ended, else {@code --idle-ttl}, from the session's last change. */
  private Duration timeToLive(ObjectNode state) {
    return SessionModel.timeToLive(state, options.endedTtl, options.idleTtl, clock.instant());
  }

  /** Puts back the sessions kept on disk that have not expired meanwhile. */
  private void reload(Map<String, ObjectNode> kept) {
    int reloaded = 0;
    for (Map.Entry<String, ObjectNode> session : kept.entrySet()) {
      if (timeToLive(session.getValue()).isZero()) {
        continue;
      }
      try {
        store.apply(session.getKey(), state -> session.getValue().deepCopy());
        reloaded++;
      } catch (IllegalArgumentException e) {
        logger.log(Level.WARNING, "skipping a stored session: " + e.getMessage());
      }
    }
    int count = reloaded;
    logger.log(
        Level.INFO,
        () -> "reloaded " + count + " of " + kept.size() + " sessions from " + options.dataDir);
  }

  Options options() {
    return options;
  }

  Broadcaster broadcaster() {
    return broadcaster;
  }

  SessionStore store() {
    return store;
  }

  EndpointStats endpointStats() {
    return server.endpointStats();
  }

  PrometheusMeterRegistry prometheus() {
    return prometheus;
  }

  HttpStats httpStats() {
    return server.httpStats();
  }

  int port() {
    return server.port();
  }

  URI uri(String path) {
    return server.uri(path);
  }

  @Override
  public void close() {
    if (simulator != null) {
      simulator.close();
    }
    if (watcher != null) {
      watcher.close();
    }
    server.close();
    if (disk != null) {
      disk.close(); // Before the store: its last changes are noted by now.
    }
    store.close();
    stopPublishing();
  }

  /** Prints or installs the Claude Code hooks; returns the exit status. */
  private static int hooks(Options options) {
    try {
      ObjectNode settings = Hooks.settings(Hooks.url(options), options.token);
      if (options.printHooks) {
        System.out.println(
            Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(settings));
        return 0;
      }
      Hooks.Installed installed = Hooks.install(options.installHooks, settings);
      System.out.printf(
          "installed hooks for %d events into %s%s%s%n",
          Hooks.EVENTS.size(),
          installed.file(),
          installed.backup() == null ? "" : " (backup: " + installed.backup() + ")",
          installed.replaced() == 0 ? "" : ", replacing " + installed.replaced() + " earlier");
      return 0;
    } catch (IOException | IllegalArgumentException e) {
      System.err.println("dashboard-server: " + e.getMessage());
      return 1;
    }
  }

  /** Parses the options, starts, and runs until the process is stopped. */
  public static void main(String[] args) throws Exception {
    Options options;
    try {
      options = Options.parse(args, System.getenv());
    } catch (IllegalArgumentException e) {
      System.err.println("dashboard-server: " + e.getMessage());
      System.exit(2);
      return;
    }
    if (options.help) {
      System.out.print(Options.usage());
      return;
    }
    if (options.printHooks || options.installHooks != null) {
      System.exit(hooks(options));
      return;
    }
    DashboardServer dashboard;
    try {
      dashboard = start(options);
    } catch (IOException e) {
      System.err.println(
          "dashboard-server: cannot start on "
              + options.host
              + ":"
              + options.port
              + ": "
              + e.getMessage());
      System.exit(1);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  dashboard.close();
                  stopped.countDown();
                },
                "dashboard-shutdown"));
    System.out.printf(
        "dashboard: %s (strategy %s%s%s)%n",
        options.publicUrls.isEmpty() ? dashboard.uri("/") : options.publicUrls.get(0),
        options.strategy.name().toLowerCase(Locale.ROOT),
        options.simulatedSessions > 0
            ? ", simulating "
                + options.simulatedSessions
                + " sessions at "
                + options.simulatedRate
                + " events/s each"
            : "",
        options.tokens.required() ? "; " + options.tokens.describe() : "");
    logger.log(Level.DEBUG, "started with ping interval " + options.pingInterval);
    stopped.await();
  }
}
