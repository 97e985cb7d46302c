package io.github.broadcast.examples.loadtest;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import tools.jackson.databind.JsonNode;

/**
 * One scenario against running servers, in four phases: {@link #connect} the clients (clients and
 * posts spread across the servers), {@link #post} the events (a warm-up, then the measured part),
 * {@link #drain} until every client holds the servers' view, and {@link #measure} what it took. Not
 * reusable: one instance, one run.
 */
final class LoadRun {

  /**
   * How the clients speak to the servers.
   *
   * @param delta clients connect with {@code ?delta=1} and take merge patches
   * @param deflate clients offer permessage-deflate, as browsers do
   */
  record WireOptions(boolean delta, boolean deflate) {

    /** Plain clients: whole states, nothing compressed. */
    static final WireOptions PLAIN = new WireOptions(false, false);

    /** {@code ws} as the clients open it: with {@code delta=1} in its query when delta is on. */
    URI socket(URI ws) {
      return delta ? withDelta(ws) : ws;
    }
  }

  /**
   * {@code ws} with {@code delta=1} in its query, after the parameters it has (a {@code delta} one
   * replaced).
   */
  static URI withDelta(URI ws) {
    StringBuilder query = new StringBuilder();
    if (ws.getRawQuery() != null) {
      for (String parameter : ws.getRawQuery().split("&")) {
        if (!parameter.isEmpty() && !parameter.equals("delta") && !parameter.startsWith("delta=")) {
          query.append(parameter).append('&');
        }
      }
    }
    query.append("delta=1");
    return URI.create(
        ws.getScheme()
            + "://"
            + ws.getRawAuthority()
            + (ws.getRawPath() == null ? "" : ws.getRawPath())
            + "?"
            + query
            + (ws.getRawFragment() == null ? "" : "#" + ws.getRawFragment()));
  }

  /** How long the clients have to converge after the last post. */
  private static final long DRAIN_NANOS = TimeUnit.SECONDS.toNanos(15);

  private final List<URI> bases;
  private final Scenario scenario;
  private final Duration warmup;
  private final Duration duration;
  private final double connectRate;
  private final WireOptions wire;
  private final HttpClient http;
  private final HookPoster poster;
  private final StalenessHistograms staleness = new StalenessHistograms();
  private final StalenessHistograms linkStaleness = new StalenessHistograms();
  private final List<WatchingClient> healthy = new ArrayList<>();
  private final List<WatchingClient> stalled = new ArrayList<>();
  private final Map<String, Integer> refused = new TreeMap<>();
  private WatchingClient linked; // Behind the slow link, if the scenario has one.
  private SlowLink link;
  private long postedAt;

  LoadRun(
      List<URI> bases,
      Scenario scenario,
      Duration warmup,
      Duration duration,
      double connectRate,
      WireOptions wire,
      HttpClient http) {
    this.bases = bases;
    this.scenario = scenario;
    this.warmup = warmup;
    this.duration = duration;
    this.connectRate = connectRate;
    this.wire = wire;
    this.http = http;
    int maxEvents =
        (int) Math.ceil(scenario.rate() * (warmup.toSeconds() + duration.toSeconds())) + 2;
    String runId = Long.toString(System.nanoTime() % 1_000_000, 36);
    this.poster = new HookPoster(bases, scenario, maxEvents, runId);
  }

  /** Runs the four phases and returns what was measured. */
  LoadTestReport.Run run() throws Exception {
    try (Fleet fleet = new Fleet(Runtime.getRuntime().availableProcessors(), wire.deflate())) {
      connect(fleet);
      Counters before = Counters.read(http, bases);
      MetricsSampler sampler = new MetricsSampler(http, bases);
      sampler.start();
      post();
      boolean converged = drain();
      sampler.stop();
      return measure(before, sampler, converged);
    } finally {
      poster.close();
      if (link != null) {
        link.close();
      }
    }
  }

  /**
   * Connects every client at a pace the servers' connection-rate limit admits (100/s each by
   * default), as a fleet of browsers would after a deploy, and waits for each one's initial_state;
   * a client refused anyway is reported, not hidden.
   */
  private void connect(Fleet fleet) throws Exception {
    long interval = (long) (1e9 / (connectRate * bases.size()));
    long next = System.nanoTime();
    for (int c = 0; c < scenario.clients(); c++) {
      String project = scenario.watchedBy(c);
      URI ws = socket(bases.get(c % bases.size()), project);
      long wait = next - System.nanoTime();
      if (wait > 0) {
        TimeUnit.NANOSECONDS.sleep(wait);
      }
      next += interval;
      if (c < scenario.slow()) {
        WatchingClient client = // Never measured.
            new WatchingClient(poster, staleness, scenario, project);
        stalled.add(client);
        fleet.connect(ws, client, Fleet.Mode.STALL);
      } else {
        WatchingClient client = new WatchingClient(poster, staleness, scenario, project);
        healthy.add(client);
        fleet.connect(ws, client, Fleet.Mode.WATCH);
      }
    }
    if (scenario.link() != null) {
      URI ws = socket(bases.get(0), null);
      link = new SlowLink(ws, scenario.link());
      linked = new WatchingClient(poster, linkStaleness);
      fleet.connect(ws, link.address(), linked, Fleet.Mode.WATCH);
    }
    List<WatchingClient> waiting = new ArrayList<>(healthy);
    if (linked != null) {
      waiting.add(linked);
    }
    for (WatchingClient client : waiting) {
      try {
        CompletableFuture.anyOf(client.ready, client.closed).get(60, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        client.closed.complete("no initial_state in 60 s");
      }
      if (!client.ready.isDone()) {
        refused.merge(client.closed.getNow("?"), 1, Integer::sum);
      }
    }
    healthy.removeIf(client -> !client.ready.isDone());
  }

  /**
   * The dashboard's socket on the server at {@code base}, as the clients open it: for {@code
   * project} only, if not null.
   */
  private URI socket(URI base, String project) {
    return wire.socket(
        URI.create(
            "ws://"
                + base.getHost()
                + ":"
                + base.getPort()
                + "/ws/dashboard"
                + (project == null ? "" : "?project=" + project)));
  }

  /** Posts the warm-up, then the measured events; returns once the servers answered them all. */
  private void post() throws InterruptedException {
    poster.post(
        warmup,
        duration,
        () -> {
          long now = System.nanoTime();
          staleness.start(now);
          linkStaleness.start(now);
          healthy.forEach(WatchingClient::startMeasuring);
          if (linked != null) {
            linked.startMeasuring();
          }
        });
    postedAt = System.nanoTime();
    poster.awaitResponses();
  }

  /**
   * Waits until every node holds the same view as the first, every session of the run is in it, and
   * every open client holds exactly that view; returns whether that happened in time. A client that
   * missed a patch's base has lost that session's state: the run has not converged, whatever its
   * view says, and is not waited for.
   */
  private boolean drain() throws Exception {
    Set<String> expected = Set.of(poster.sessionIds);
    long deadline = System.nanoTime() + DRAIN_NANOS;
    while (System.nanoTime() < deadline) {
      if (patchMisses() > 0) {
        return false;
      }
      Map<String, Long> truth = LoadTest.sessions(http, bases.get(0));
      List<Map<String, Long>> views = new ArrayList<>();
      for (URI other : bases.subList(1, bases.size())) {
        views.add(LoadTest.sessions(http, other));
      }
      boolean clients = true;
      Map<String, Map<String, Long>> byProject = new HashMap<>();
      for (WatchingClient client : watching()) {
        if (!client.closed.isDone()) {
          clients &= client.view().equals(expected(client, truth, byProject));
        }
      }
      if (clients && LoadTest.converged(views, truth, expected)) {
        return patchMisses() == 0;
      }
      Thread.sleep(100);
    }
    describeDivergence();
    return false;
  }

  /**
   * What {@code client} should hold: the server's view, or, for a client of one project, the run's
   * sessions posted in that project, at the server's versions, and any other session the server
   * files under it (its API, fetched once per project into {@code byProject}).
   */
  private Map<String, Long> expected(
      WatchingClient client, Map<String, Long> truth, Map<String, Map<String, Long>> byProject)
      throws Exception {
    if (client.project == null) {
      return truth;
    }
    Map<String, Long> filed = byProject.get(client.project);
    if (filed == null) {
      filed = LoadTest.sessions(http, bases.get(0), client.project);
      byProject.put(client.project, filed);
    }
    // This run's sessions by the project each was posted in, not by where the server filed it;
    // another run's (a running server's) as the server files them.
    Map<String, Long> its = new HashMap<>();
    for (int s = 0; s < poster.sessionIds.length; s++) {
      Long version = truth.get(poster.sessionIds[s]);
      if (version != null && client.project.equals(scenario.projectOf(s))) {
        its.put(poster.sessionIds[s], version);
      }
    }
    Set<String> ours = Set.of(poster.sessionIds);
    filed.forEach(
        (id, version) -> {
          if (!ours.contains(id)) {
            its.put(id, version);
          }
        });
    return its;
  }

  /** Prints how the first client that did not converge differs from what it should hold. */
  private void describeDivergence() throws Exception {
    Map<String, Long> truth = LoadTest.sessions(http, bases.get(0));
    Map<String, Map<String, Long>> byProject = new HashMap<>();
    for (WatchingClient client : watching()) {
      if (client.closed.isDone()) {
        continue;
      }
      Map<String, Long> view = client.view();
      Map<String, Long> expected = expected(client, truth, byProject);
      if (!view.equals(expected)) {
        Map<String, String> differences = new TreeMap<>();
        Set<String> ids = new HashSet<>(view.keySet());
        ids.addAll(expected.keySet());
        for (String id : ids) {
          if (!Objects.equals(view.get(id), expected.get(id))) {
            differences.put(id, "holds " + view.get(id) + ", server " + expected.get(id));
          }
        }
        System.out.println(
            "  not converged: a client of "
                + (client.project == null ? "every project" : client.project)
                + ": "
                + differences);
        return;
      }
    }
  }

  /** Patches the watching clients could not apply, over the whole run. */
  private long patchMisses() {
    return watching().stream().mapToLong(c -> c.patchMisses.get()).sum();
  }

  private List<WatchingClient> watching() {
    List<WatchingClient> all = new ArrayList<>(healthy);
    if (linked != null) {
      all.add(linked);
    }
    return all;
  }

  /** What the run took: the clients' staleness, the servers' work, the poster's pace. */
  private LoadTestReport.Run measure(Counters before, MetricsSampler sampler, boolean converged)
      throws InterruptedException {
    long finishedAt = System.nanoTime();
    long undelivered = 0;
    for (WatchingClient client : healthy) {
      if (!client.closed.isDone()) {
        undelivered += client.finish(finishedAt);
      }
    }
    long linkUndelivered =
        linked != null && !linked.closed.isDone() ? linked.finish(finishedAt) : 0;
    long drainMillis = (finishedAt - postedAt) / 1_000_000;
    Counters after;
    try {
      after = Counters.read(http, bases);
    } catch (IllegalStateException e) {
      LoadTestReport.Staleness seen = staleness.summary(undelivered);
      throw new IllegalStateException(
          String.format(
              Locale.ROOT,
              "%s; the clients saw p99 staleness %s%.0f ms, %s, %d of %d closed",
              e.getMessage(),
              seen.undelivered() > 0 ? ">= " : "",
              seen.p99(),
              converged ? "converged" : "not converged",
              healthy.stream().filter(c -> c.closed.isDone()).count(),
              healthy.size()),
          e);
    }
    double wallSeconds = (after.wallNanos - before.wallNanos) / 1e9;
    double seconds = duration.toMillis() / 1000.0;

    Map<String, Long> closes = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e :
        after.metrics.get(0).path("broadcast").path("closes").properties()) {
      long count = after.delta(before, "broadcast", "closes", e.getKey());
      if (count > 0) {
        closes.put(e.getKey(), count);
      }
    }
    LoadTestReport.RedisCounters redis =
        !after.metrics.get(0).has("redis")
            ? null
            : new LoadTestReport.RedisCounters(
                after.delta(before, "redis", "conflicts"),
                after.delta(before, "redis", "failed_writes"),
                after.delta(before, "redis", "disconnects"),
                after.delta(before, "redis", "received"));
    Map<String, Integer> healthyCloses = new LinkedHashMap<>();
    for (WatchingClient client : healthy) {
      if (client.closed.isDone()) {
        healthyCloses.merge(client.closed.getNow("?"), 1, Integer::sum);
      }
    }
    long wireBytes = healthy.stream().mapToLong(c -> c.wireBytes.get()).sum();
    long updates = healthy.stream().mapToLong(c -> c.sessionUpdates.get()).sum();
    long bytes = after.delta(before, "broadcast", "bytes_sent");
    long frames = after.delta(before, "broadcast", "frames_sent");
    long heapBefore = before.max("process", "heap_used_bytes");
    return new LoadTestReport.Run(
        scenario.name(),
        scenario.sessions(),
        scenario.rate(),
        scenario.clients(),
        scenario.slow(),
        after.metrics.get(0).path("strategy").asString("?"),
        bases.size(),
        staleness.summary(undelivered),
        healthy.stream().mapToLong(c -> c.frames.get()).average().orElse(0) / seconds,
        healthy.stream().mapToLong(c -> c.sessionUpdates.get()).average().orElse(0) / seconds,
        poster.sent,
        poster.failedPosts.get(),
        poster.postLatency.getValueAtPercentile(99) / 1e6,
        poster.maxLagNanos / 1e6,
        poster.lateEvents > 0,
        heapBefore / 1048576.0,
        sampler.maxHeapUsed / 1048576.0,
        Math.max(0, sampler.maxHeapUsed - heapBefore) / 1048576.0,
        sampler.maxQueuedBytes / 1024.0,
        after.max("process", "rss_bytes") / 1048576.0,
        after.delta(before, "process", "cpu_time_ns") / 1e9 / wallSeconds,
        (after.loadgenCpuNanos - before.loadgenCpuNanos) / 1e9 / wallSeconds,
        closes,
        redis,
        new LinkedHashMap<>(refused),
        healthyCloses,
        healthy.stream().filter(c -> c.closed.isDone()).count()
            + refused.values().stream().mapToInt(Integer::intValue).sum(),
        bytes / 1e6 / wallSeconds,
        frames == 0 ? 0 : bytes / frames,
        converged && patchMisses() == 0,
        drainMillis,
        null,
        staleness.windows(),
        linked == null ? null : linkResult(linkUndelivered),
        updates == 0 ? 0.0 : (double) wireBytes / updates,
        healthy.stream().mapToLong(c -> c.patchesApplied.get()).sum(),
        patchMisses(),
        (int) healthy.stream().filter(c -> c.deflated).count());
  }

  private LoadTestReport.LinkResult linkResult(long undelivered) {
    List<LoadTestReport.Window> windows = linkStaleness.windows();
    return new LoadTestReport.LinkResult(
        scenario.link().bytesPerSecond(),
        scenario.link().queueBytes(),
        linkStaleness.summary(undelivered),
        linkStaleness.p99From(windows.size() / 2),
        windows,
        !linked.closed.isDone() && linked.patchMisses.get() == 0,
        linked.closed.getNow(null));
  }

  /** The servers' counters and the load generator's CPU at one moment. */
  private static final class Counters {
    final List<JsonNode> metrics;
    final long loadgenCpuNanos;
    final long wallNanos;

    private Counters(List<JsonNode> metrics, long loadgenCpuNanos, long wallNanos) {
      this.metrics = metrics;
      this.loadgenCpuNanos = loadgenCpuNanos;
      this.wallNanos = wallNanos;
    }

    /**
     * Reads every server's metrics, asking a server that does not answer twice more (a server still
     * draining an unbounded backlog may take longer than one request's 10 s timeout). A server that
     * never answers fails the run: its counters would be read as zeros, and the report would show a
     * negative CPU and no strategy.
     */
    static Counters read(HttpClient http, List<URI> bases) throws InterruptedException {
      List<JsonNode> metrics = new ArrayList<>();
      for (URI base : bases) {
        JsonNode node = LoadTest.metrics(http, base);
        for (int retry = 0; retry < 2 && node.has("error"); retry++) {
          node = LoadTest.metrics(http, base);
        }
        if (node.has("error")) {
          throw new IllegalStateException(
              base.resolve("/api/metrics")
                  + " did not answer in 30 s: "
                  + node.path("error").asString());
        }
        metrics.add(node);
      }
      return new Counters(
          metrics,
          ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
              .getProcessCpuTime(),
          System.nanoTime());
    }

    /** How much a counter at {@code path} grew since {@code before}, summed over the nodes. */
    long delta(Counters before, String... path) {
      return LoadTest.delta(before.metrics, metrics, path);
    }

    /** The largest node's value at {@code path}: memory is per node, not summed. */
    long max(String... path) {
      long most = 0;
      for (JsonNode node : metrics) {
        JsonNode value = node;
        for (String field : path) {
          value = value.path(field);
        }
        most = Math.max(most, value.asLong());
      }
      return most;
    }
  }
}
