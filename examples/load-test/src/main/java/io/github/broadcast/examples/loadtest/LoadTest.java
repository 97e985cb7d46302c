package io.github.broadcast.examples.loadtest;

import com.sun.management.OperatingSystemMXBean;
import io.github.broadcast.examples.dashboard.core.Flags;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The load test of the original issue: N simulated sessions post hook events at R a second each, M
 * dashboard clients (K of them stalled) watch, and the report gives staleness percentiles,
 * throughput per client, server cost, disconnects and a convergence check, per scenario and per
 * strategy.
 *
 * <pre>
 * java -jar examples/load-test/target/load-test.jar --scenario all --out site/data/load-test
 * java -jar examples/load-test/target/load-test.jar --url http://127.0.0.1:8765/ \
 *     --sessions 10 --rate 3 --clients 3
 * java -jar examples/load-test/target/load-test.jar --scenario orig-10x3x1 --preset production \
 *     --delta on --deflate on
 * </pre>
 */
public final class LoadTest {

  private static final ObjectMapper mapper = new ObjectMapper();
  private static final String POOL_SIZE = "jdk.httpclient.connectionPoolSize";
  private static final List<String> STRATEGIES =
      List.of("sequential", "concurrent", "batched", "backpressure", "production");

  private LoadTest() {}

  /** Runs the load test; {@code --help} lists the options. Exits 2 on a bad option. */
  public static void main(String[] args) throws Exception {
    // JDK 17's HttpClient finds a pooled connection by a linear scan of its idle list, so once a
    // burst of posts has opened many connections, every post pays for all of them (the load
    // generator spent half its CPU there at 1,000 posts a second). A bounded pool keeps it short.
    if (System.getProperty(POOL_SIZE) == null) {
      System.setProperty(POOL_SIZE, "32");
    }
    try {
      run(args);
    } catch (IllegalArgumentException e) {
      System.err.println("load-test: " + e.getMessage());
      System.exit(2);
    }
  }

  static void run(String[] args) throws Exception {
    run(args, System.getenv());
  }

  static void run(String[] args, Map<String, String> env) throws Exception {
    Flags.Result o = FLAGS.parse(args, env);
    o.warnings().forEach(warning -> System.err.println("load-test: " + warning));
    if (o.toggled("help")) {
      System.out.println(FLAGS.usage());
      return;
    }
    Duration duration = Duration.ofSeconds(positive(o, "duration"));
    Duration warmup = Duration.ofSeconds(nonNegative(o, "warmup"));
    double connectRate = positiveDouble(o, "connect-rate");
    LoadRun.WireOptions wire = wireOptions(o);
    Path out = Path.of(o.get("out"));
    ServerProcess.Kind kind = serverKind(o.get("server"));
    Path jar = o.given("jar") ? Path.of(o.get("jar")) : kind.defaultJar;
    List<String> serverArgs = serverArgs(kind, wire);

    List<Scenario> scenarios = new ArrayList<>();
    String scenarioName = o.get("scenario");
    if (!o.given("scenario")) {
      scenarios.add(
          new Scenario(
              "custom",
              positive(o, "sessions"),
              positiveDouble(o, "rate"),
              positive(o, "clients"),
              nonNegative(o, "slow"),
              null,
              0,
              0,
              List.of(),
              nonNegative(o, "topics")));
    } else if (scenarioName.equals("all")) {
      scenarios.addAll(Scenario.PRESETS.values());
    } else {
      for (String name : scenarioName.split(",")) {
        Scenario s = Scenario.PRESETS.get(name.strip());
        if (s == null) {
          throw new IllegalArgumentException(
              "--scenario : "
                  + name
                  + " (expected: all, or one of "
                  + Scenario.PRESETS.keySet()
                  + ")");
        }
        scenarios.add(s);
      }
    }
    if (o.given("url") && (o.given("preset") || o.given("server"))) {
      throw new IllegalArgumentException(
          "--preset or --server : with --url (expected: one of them; --url tests the running"
              + " server as is)");
    }
    List<String> strategies = o.given("preset") ? List.of(o.get("preset").split(",")) : STRATEGIES;
    for (String s : strategies) {
      if (!STRATEGIES.contains(s)) {
        throw new IllegalArgumentException("--preset : " + s + " (expected: " + STRATEGIES + ")");
      }
    }
    if (o.given("url")) {
      strategies = List.of("(running server)"); // Each run reports the servers' own strategy.
    }

    Files.createDirectories(out);
    List<LoadTestReport.Run> runs = new ArrayList<>();
    long started = System.nanoTime();
    for (Scenario scenario : scenarios) {
      for (String strategy : strategies) {
        System.out.printf("%s, %s ...%n", scenario, strategy);
        LoadTestReport.Run run;
        try {
          if (o.given("url")) {
            List<URI> bases = new ArrayList<>();
            for (String url : o.get("url").split(",")) {
              bases.add(URI.create(url.strip()));
            }
            run = runOnce(bases, scenario, warmup, duration, connectRate, wire);
          } else {
            List<String> extra = new ArrayList<>(serverArgs);
            extra.addAll(scenario.serverArgs());
            try (ServerProcess server = ServerProcess.start(kind, jar, strategy, extra)) {
              run = runOnce(List.of(server.base), scenario, warmup, duration, connectRate, wire);
            }
          }
        } catch (InterruptedException e) {
          throw e;
        } catch (Exception e) {
          // One run failing (a server out of memory, say) is a result, not the end of the report.
          run = LoadTestReport.Run.failed(scenario, strategy, String.valueOf(e.getMessage()));
        }
        runs.add(run);
        System.out.println("  " + (run.failed() ? "error: " + run.error() : summary(run)));
      }
    }
    LoadTestReport report =
        new LoadTestReport(
            Instant.now().toString(),
            Runtime.getRuntime().availableProcessors(),
            ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize(),
            System.getProperty("java.version"),
            "java -jar examples/load-test/target/load-test.jar " + String.join(" ", args),
            o.given("url") ? "(running server)" : String.join(" ", fixedArgs(kind, serverArgs)),
            o.given("url") ? "(running server)" : kind.name().toLowerCase(Locale.ROOT),
            wire.delta(),
            wire.deflate(),
            warmup.toSeconds(),
            duration.toSeconds(),
            (System.nanoTime() - started) / 1e9,
            runs);
    report.write(out.resolve("report.json"));
    Files.writeString(out.resolve("report.md"), Report.markdown(report));
    System.out.println("report: " + out.resolve("report.md") + " and report.json");
  }

  /** One scenario against running servers (clients and posts spread across them). */
  static LoadTestReport.Run runOnce(
      List<URI> bases,
      Scenario scenario,
      Duration warmup,
      Duration duration,
      double connectRate,
      LoadRun.WireOptions wire)
      throws Exception {
    return new LoadRun(
            bases,
            scenario,
            warmup,
            scenario.durationS() > 0 ? Duration.ofSeconds(scenario.durationS()) : duration,
            scenario.connectRate() > 0 ? scenario.connectRate() : connectRate,
            wire,
            newHttpClient())
        .run();
  }

  /** How the clients speak: {@code --delta} and {@code --deflate}. */
  static LoadRun.WireOptions wireOptions(Flags.Result o) {
    return new LoadRun.WireOptions(onOff(o, "delta"), onOff(o, "deflate"));
  }

  /**
   * Options the dashboard that {@code --preset} starts needs for the clients' {@code wire}: with
   * deflate on, dashboard-server's {@code --permessage-deflate on} (Spring Boot's Tomcat negotiates
   * the extension without being asked).
   */
  static List<String> serverArgs(ServerProcess.Kind kind, LoadRun.WireOptions wire) {
    return wire.deflate() && kind == ServerProcess.Kind.GRIZZLY
        ? List.of("--permessage-deflate", "on")
        : List.of();
  }

  /** What every dashboard the load test starts is given beyond its port and preset. */
  private static List<String> fixedArgs(ServerProcess.Kind kind, List<String> serverArgs) {
    List<String> all = new ArrayList<>(kind.fixedArgs);
    all.addAll(serverArgs);
    return all;
  }

  private static HttpClient newHttpClient() {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10))
        .build();
  }

  /**
   * The convergence check: the server holds every session of the run, and every open healthy client
   * holds exactly the server's view (the same sessions at the same versions).
   */
  static boolean converged(
      List<Map<String, Long>> views, Map<String, Long> truth, Set<String> expected) {
    if (!truth.keySet().containsAll(expected)) {
      return false;
    }
    for (Map<String, Long> view : views) {
      if (!view.equals(truth)) {
        return false;
      }
    }
    return true;
  }

  static String summary(LoadTestReport.Run run) {
    LoadTestReport.Staleness st = run.stalenessMs();
    return String.format(
        Locale.ROOT,
        "staleness p50 %.1f p99 %.1f max %.1f ms; %.1f frames/s/client; %.0f wire B/update;"
            + " patches %d (%d missed); converged %s; closes %s",
        st.p50(),
        st.p99(),
        st.max(),
        run.framesPerSPerClient(),
        run.wireBytesPerUpdate() == null ? 0.0 : run.wireBytesPerUpdate(),
        run.patchesApplied() == null ? 0 : run.patchesApplied(),
        run.patchMissCount(),
        run.converged(),
        run.serverCloses());
  }

  /** How much a counter at {@code path} grew, summed over the nodes. */
  static long delta(List<JsonNode> before, List<JsonNode> after, String... path) {
    long sum = 0;
    for (int n = 0; n < after.size(); n++) {
      JsonNode b = before.get(n);
      JsonNode a = after.get(n);
      for (String field : path) {
        b = b.path(field);
        a = a.path(field);
      }
      sum += a.asLong() - b.asLong();
    }
    return sum;
  }

  /** Every node's /api/metrics, in the order of {@code bases}. */
  static List<JsonNode> metrics(HttpClient http, List<URI> bases) throws InterruptedException {
    List<JsonNode> all = new ArrayList<>();
    for (URI base : bases) {
      all.add(metrics(http, base));
    }
    return all;
  }

  /** The server's /api/metrics, or an empty object if it does not answer (it may have died). */
  static JsonNode metrics(HttpClient http, URI base) throws InterruptedException {
    try {
      return mapper.readTree(
          http.send(
                  HttpRequest.newBuilder(base.resolve("/api/metrics"))
                      .timeout(Duration.ofSeconds(10))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body());
    } catch (IOException | JacksonException e) {
      return mapper.createObjectNode().put("error", String.valueOf(e.getMessage()));
    }
  }

  /** The server's sessions: id to version. */
  static Map<String, Long> sessions(HttpClient http, URI base) throws Exception {
    return sessions(http, base, null);
  }

  /** The server's sessions of {@code project} (null: all of them): id to version. */
  static Map<String, Long> sessions(HttpClient http, URI base, String project) throws Exception {
    JsonNode body;
    try {
      body =
          mapper.readTree(
              http.send(
                      HttpRequest.newBuilder(
                              base.resolve(
                                  "/api/sessions" + (project == null ? "" : "?project=" + project)))
                          .timeout(Duration.ofSeconds(10))
                          .build(),
                      HttpResponse.BodyHandlers.ofString())
                  .body());
    } catch (IOException | JacksonException e) {
      return Map.of();
    }
    Map<String, Long> versions = new HashMap<>();
    for (JsonNode s : body.path("sessions")) {
      versions.put(s.path("session_id").asString(), s.path("version").asLong());
    }
    return versions;
  }

  private static long processCpuNanos() {
    return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** Every flag, with its variable ({@code LOAD_TEST_DURATION}), default and help. */
  static final Flags FLAGS =
      Flags.newBuilder(
              "java -jar load-test.jar",
              "Drives the example dashboard with simulated hooks and watching clients, and reports"
                  + " delivery latency, staleness and the server's cost per update.",
              "LOAD_TEST_")
          .flag(
              "preset",
              "NAME[,NAME]",
              String.join(",", STRATEGIES),
              "start the dashboard (--jar) per run with each of these presets")
          .flag(
              "url",
              "URL[,URL]",
              "",
              "or test running servers as they are (clients and posts spread across them)")
          .flag(
              "scenario",
              "NAME[,NAME]|all",
              "",
              "preset scenarios: " + Scenario.PRESETS.keySet() + "; empty = a custom one")
          .flag("sessions", "N", "10", "a custom scenario: sessions")
          .flag("rate", "R", "3", "a custom scenario: hook events a second per session")
          .flag("clients", "M", "1", "a custom scenario: watching clients")
          .flag("slow", "K", "0", "a custom scenario: clients that read slowly")
          .flag(
              "topics",
              "T",
              "0",
              "a custom scenario: sessions spread over T projects, each client watching one"
                  + " (?project=); 0 = every client watches every session")
          .flag("duration", "S", "5", "measured seconds per run")
          .flag("warmup", "S", "2", "unmeasured seconds before each run")
          .flag(
              "connect-rate",
              "R",
              "80",
              "client connections a second, per server (the dashboard admits 100 a second)")
          .flag("out", "DIR", "target/load-test", "where report.md and report.json go")
          .flag(
              "server",
              "grizzly|spring",
              "grizzly",
              "which dashboard --preset starts: dashboard-server, or spring-boot-dashboard (Spring"
                  + " Boot on Tomcat)")
          .flag(
              "jar",
              "PATH",
              "",
              "its jar; empty = "
                  + ServerProcess.Kind.GRIZZLY.defaultJar
                  + " or "
                  + ServerProcess.Kind.SPRING.defaultJar)
          .flag(
              "delta",
              "on|off",
              "off",
              "on | off: clients connect with ?delta=1 and take each update as a merge patch of"
                  + " the version they hold (a patch whose base a client does not hold is a miss)")
          .flag(
              "deflate",
              "on|off",
              "off",
              "on | off: clients offer permessage-deflate as browsers do; the grizzly dashboard"
                  + " --preset starts is given --permessage-deflate on")
          .deprecated("strategy", "preset")
          .build();

  static ServerProcess.Kind serverKind(String name) {
    for (ServerProcess.Kind kind : ServerProcess.Kind.values()) {
      if (kind.name().equalsIgnoreCase(name)) {
        return kind;
      }
    }
    throw new IllegalArgumentException("--server : " + name + " (expected: grizzly or spring)");
  }

  private static int positive(Flags.Result o, String name) {
    int value = nonNegative(o, name);
    if (value == 0) {
      throw new IllegalArgumentException("--" + name + " : 0 (expected: > 0)");
    }
    return value;
  }

  private static int nonNegative(Flags.Result o, String name) {
    String raw = o.get(name);
    try {
      int value = Integer.parseInt(raw);
      if (value < 0) {
        throw new IllegalArgumentException("--" + name + " : " + raw + " (expected: >= 0)");
      }
      return value;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + name + " : " + raw + " (expected: a whole number)");
    }
  }

  private static boolean onOff(Flags.Result o, String name) {
    String raw = o.get(name);
    switch (raw.strip().toLowerCase(Locale.ROOT)) {
      case "on":
        return true;
      case "off":
        return false;
      default:
        throw new IllegalArgumentException("--" + name + " : " + raw + " (expected: on or off)");
    }
  }

  private static double positiveDouble(Flags.Result o, String name) {
    String raw = o.get(name);
    try {
      double value = Double.parseDouble(raw);
      if (!(value > 0)) {
        throw new IllegalArgumentException("--" + name + " : " + raw + " (expected: > 0)");
      }
      return value;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + name + " : " + raw + " (expected: a number)");
    }
  }
}
