package io.github.broadcast.examples.loadtest;

import io.github.broadcast.examples.loadtest.LoadTestReport.Run;
import io.github.broadcast.examples.loadtest.LoadTestReport.Staleness;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The Markdown report: one table per scenario, then the original issue's decision rules and the
 * targets, each checked against the measured figures.
 */
final class Report {

  /**
   * The p99 staleness a batched strategy must hold on the original issue's rows: issue 15's target
   * for the self-clocked default (an unbatched strategy: 20 ms).
   */
  static final double BATCHED_ORIGINAL_P99_MS = 25;

  /**
   * Issue 23's p99 staleness targets for the default (production) preset, by scenario: the original
   * issue's rows at the naive loops' order, then scale, then the stalled rows no worse than before.
   */
  static final Map<String, Double> PRODUCTION_P99_MS =
      Map.ofEntries(
          Map.entry("orig-5x2x1", 10.0),
          Map.entry("orig-10x3x1", 10.0),
          Map.entry("orig-15x5x1", 10.0),
          Map.entry("orig-10x3x3", 10.0),
          Map.entry("orig-20x5x5", 10.0),
          Map.entry("scale-50x10x500", 100.0),
          Map.entry("scale-100x10x1000", 400.0),
          Map.entry("scale-10x1x10000", 250.0),
          Map.entry("slow-20x5x5+1", 17.7),
          Map.entry("slow-50x10x100+5", 21.6));

  /** The client behind a slow link: p99 over the second half of its run. */
  static final double LINK_SECOND_HALF_P99_MS = 1_000;

  /** The other clients of the slow-link row: unaffected, at the original rows' order. */
  static final double LINK_OTHERS_P99_MS = 25;

  /** Server memory per page at ten thousand pages. */
  static final double RSS_PER_PAGE_KB = 50;

  /** The dashboard's default per-client outbox limit (its --max-outbox-bytes). */
  static final double OUTBOX_LIMIT_KB = 1024;

  /** Allowance over limit x stalled clients: the healthy clients' own queues. */
  static final double QUEUED_SLACK_KB = 512;

  private Report() {}

  /**
   * Writes {@code DIR/report.md} again from {@code DIR/report.json}, for each folder given: the
   * Markdown follows this class, the figures stay as measured. {@code java -cp load-test.jar
   * io.github.broadcast.examples.loadtest.Report site/data/load-test}
   */
  public static void main(String[] args) throws IOException {
    for (String dir : args) {
      Path folder = Path.of(dir);
      Files.writeString(
          folder.resolve("report.md"),
          markdown(LoadTestReport.read(folder.resolve("report.json"))),
          StandardCharsets.UTF_8);
    }
  }

  static String markdown(LoadTestReport report) {
    StringBuilder md = new StringBuilder();
    md.append("# Load test report\n\n");
    md.append(
        String.format(
            Locale.ROOT,
            "%s, %d cores, %.0f GiB, Java %s; %d s warm-up and %d s measured per run; %.0f s in"
                + " all.%n%n",
            report.date(),
            report.cores(),
            report.memoryBytes() / (double) (1L << 30),
            report.java(),
            report.warmupS(),
            report.durationS(),
            report.wallS()));
    md.append("Command: `").append(report.command()).append("`\n\n");
    md.append("Staleness: event k of a session sent at t; for a healthy client, the first moment ")
        .append("it holds event_count >= k, minus t. An event a client never received counts as ")
        .append("stale until the end of the run (marked &ge;: a lower bound). Stalled clients are ")
        .append("left out of it and show under closes. Servers: ")
        .append(serverName(report.server()))
        .append(", started with `")
        .append(report.serverArgs())
        .append("`.");
    if (report.delta() != null || report.deflate() != null) {
      md.append(" Clients: patches (`--delta`) ")
          .append(onOff(report.delta()))
          .append(", permessage-deflate offered (`--deflate`) ")
          .append(onOff(report.deflate()))
          .append(
              ". Wire B/update: bytes the healthy clients received on the socket (frame headers")
          .append(" and payloads, compressed as sent) per session update they received.");
    }
    md.append('\n');

    Map<String, List<Run>> byScenario = new LinkedHashMap<>();
    for (Run run : report.runs()) {
      byScenario.computeIfAbsent(run.scenario(), k -> new ArrayList<>()).add(run);
    }
    for (Map.Entry<String, List<Run>> entry : byScenario.entrySet()) {
      Run first = entry.getValue().get(0);
      md.append(
          String.format(
              Locale.ROOT,
              "%n## %s: %d sessions x %s events/s, %d client%s%s%s%n%n",
              entry.getKey(),
              first.sessions(),
              num(first.rate()),
              first.clients(),
              first.clients() == 1 ? "" : "s",
              first.slow() > 0 ? ", " + first.slow() + " stalled" : "",
              first.link() != null
                  ? ", 1 more behind a "
                      + first.link().bytesPerSecond() / 1024
                      + " KB/s link ("
                      + first.link().queueBytes() / 1024
                      + " KB queue)"
                  : ""));
      md.append("| strategy | p50 ms | p90 ms | p99 ms | max ms | frames/s/client | ")
          .append("updates/s/client | MB/s out | wire B/update | POST p99 ms | heap max MB | ")
          .append("queued max KB | RSS MB | server CPU | CPU µs/update | loadgen CPU | closes | ")
          .append("patches (misses) | converged |\n");
      md.append("|---|").append("---:|".repeat(15)).append("---|---:|---|\n");
      for (Run run : entry.getValue()) {
        if (run.failed()) {
          md.append("| ")
              .append(run.strategy())
              .append(" | run failed: ")
              .append(run.error().replace('|', '/'))
              .append(" ||||||||||||||||| no |\n");
          continue;
        }
        Staleness st = run.stalenessMs();
        md.append(
            String.format(
                Locale.ROOT,
                "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %.0f | %.0f | %.0f | %.2f |"
                    + " %s | %.2f | %s | %s | %s%s%s |%n",
                run.label(),
                atLeast(st, st.p50()),
                atLeast(st, st.p90()),
                atLeast(st, st.p99()),
                atLeast(st, st.max()),
                num(run.framesPerSPerClient()),
                num(run.updatesPerSPerClient()),
                num(run.serverMbSentPerS()),
                wireBytes(report, run),
                num(run.postP99Ms()),
                run.serverHeapMaxMb(),
                run.serverQueuedMaxKb(),
                run.serverRssMb(),
                run.serverCpuCores(),
                num(cpuMicrosPerUpdate(run)),
                run.loadgenCpuCores(),
                closes(run),
                patches(run),
                run.converged() ? "yes" : "**no**",
                run.patchMissCount() > 0 ? " (" + run.patchMissCount() + " patches missed)" : "",
                run.posterFellBehind() ? " (poster behind)" : ""));
      }
      for (Run run : entry.getValue()) {
        if (run.redis() != null) {
          LoadTestReport.RedisCounters redis = run.redis();
          md.append(
              String.format(
                  Locale.ROOT,
                  "%n%s: %d nodes on one Redis; CPU, MB/s and closes are summed over the nodes,"
                      + " heap and RSS are the largest node's. Redis: %d updates received over"
                      + " pub/sub, %d conflicts retried, %d writes failed, %d disconnects.%n",
                  run.label(),
                  run.nodeCount(),
                  redis.received(),
                  redis.conflicts(),
                  redis.failedWrites(),
                  redis.disconnects()));
        }
      }
    }
    windows(md, byScenario);
    decisions(md, byScenario);
    targets(md, byScenario, Boolean.TRUE.equals(report.delta()));
    return md.toString();
  }

  /**
   * p99 staleness per 10 s of the measured runs that lasted long enough to have several windows,
   * and the slow-link client's apart: whether a strategy's clients fall further behind shows here.
   */
  private static void windows(StringBuilder md, Map<String, List<Run>> byScenario) {
    StringBuilder rows = new StringBuilder();
    int most = 0;
    for (List<Run> runs : byScenario.values()) {
      for (Run run : runs) {
        if (run.failed() || run.windows() == null || run.windows().size() < 2) {
          continue;
        }
        most = Math.max(most, run.windows().size());
        rows.append(windowRow(run.scenario(), run.label(), run.windows()));
        if (run.link() != null) {
          rows.append(
              windowRow(
                  run.scenario(), run.label() + ", the slow link's client", run.link().windows()));
        }
      }
    }
    if (rows.length() == 0) {
      return;
    }
    md.append("\n## p99 staleness per 10 s, in ms\n\n| scenario | strategy |");
    for (int w = 0; w < most; w++) {
      md.append(' ').append(w * 10).append("-").append(w * 10 + 10).append(" s |");
    }
    md.append("\n|---|---|").append("---:|".repeat(most)).append('\n').append(rows);
  }

  private static String windowRow(
      String scenario, String label, List<LoadTestReport.Window> windows) {
    StringBuilder row = new StringBuilder("| " + scenario + " | " + label + " |");
    for (LoadTestReport.Window window : windows) {
      row.append(' ').append(window.samples() == 0 ? "-" : num(window.p99())).append(" |");
    }
    return row.append('\n').toString();
  }

  /** The original issue's two questions, answered from the sequential and batched rows. */
  private static void decisions(StringBuilder md, Map<String, List<Run>> byScenario) {
    StringBuilder slow = new StringBuilder();
    StringBuilder scaled = new StringBuilder();
    double worst = 0;
    StringBuilder rates = new StringBuilder();
    double highestRate = 0;
    for (List<Run> runs : byScenario.values()) {
      for (Run run : runs) {
        if (run.failed() || run.slow() > 0) {
          continue;
        }
        String strategy = run.strategy();
        boolean original = run.scenario().startsWith("orig-");
        if (strategy.equals("sequential") && run.sessions() >= 10) {
          double p99 = run.stalenessMs().p99();
          if (original) {
            worst = Math.max(worst, p99);
            slow.append(
                String.format(
                    Locale.ROOT,
                    "%s%s %s ms",
                    slow.length() == 0 ? "" : ", ",
                    run.scenario(),
                    num(p99)));
          } else {
            scaled.append(
                String.format(
                    Locale.ROOT,
                    "%s%s %s ms",
                    scaled.length() == 0 ? "" : ", ",
                    run.scenario(),
                    atLeast(run.stalenessMs(), run.stalenessMs().p99())));
          }
        }
        if (strategy.equals("sequential") || strategy.equals("production")) {
          double rate = run.framesPerSPerClient();
          if (strategy.equals("sequential")) {
            highestRate = Math.max(highestRate, rate);
          }
          if (run.scenario().startsWith("orig-")) {
            rates.append(
                String.format(
                    Locale.ROOT,
                    "%s%s %s %s",
                    rates.length() == 0 ? "" : ", ",
                    run.scenario(),
                    strategy,
                    num(rate)));
          }
        }
      }
    }
    if (slow.length() == 0 && rates.length() == 0) {
      return;
    }
    md.append("\n## The original issue's decision rules\n\n");
    if (slow.length() > 0) {
      md.append(
          String.format(
              Locale.ROOT,
              "- Does sequential broadcast exceed 50 ms at 10+ sessions? On the original issue's "
                  + "table, **%s** (p99 staleness: %s).%n",
              worst > 50 ? "yes" : "no",
              slow));
      if (scaled.length() > 0) {
        md.append("  Past it, with more clients: ").append(scaled).append(".\n");
      }
    }
    if (rates.length() > 0) {
      md.append(
          String.format(
              Locale.ROOT,
              "- Does the message rate exceed 30 messages/s/client? Unbatched, **%s** (up to %s "
                  + "frames/s/client); frames/s/client per row: %s.%n",
              highestRate > 30 ? "yes" : "no",
              num(highestRate),
              rates));
    }
  }

  /**
   * The server's CPU time per session update delivered to a client, in microseconds: the cost of
   * fan-out, comparable across servers and presets whatever their frame sizes.
   */
  static double cpuMicrosPerUpdate(Run run) {
    return run.cpuMicrosPerUpdate();
  }

  /**
   * The targets: one line per check, with the measured figure and whether it holds; with
   * {@code delta} (clients took patches), no patch missed on any row.
   */
  private static void targets(StringBuilder md, Map<String, List<Run>> byScenario, boolean delta) {
    StringBuilder rows = new StringBuilder();
    for (List<Run> runs : byScenario.values()) {
      for (Run run : runs) {
        String strategy = run.strategy();
        String scenario = run.scenario();
        if (run.failed()) {
          rows.append(row(scenario, run.label(), "the run", "completes", "failed", false));
          continue;
        }
        if (run.postFailures() > 0 || strategy.equals("production")) {
          // A post that failed is an event no client can receive: the rest of the row is suspect.
          rows.append(
              row(
                  scenario,
                  run.label(),
                  "hook posts failed",
                  "0",
                  String.valueOf(run.postFailures()),
                  run.postFailures() == 0));
        }
        if (delta || run.patchMissCount() > 0) {
          long missed = run.patchMissCount();
          rows.append(
              row(
                  scenario,
                  run.label(),
                  "patches missed (base not held)",
                  "0",
                  Long.toString(missed),
                  missed == 0));
        }
        double p99 = run.stalenessMs().p99();
        boolean converged = run.converged();
        Double target = strategy.equals("production") ? PRODUCTION_P99_MS.get(scenario) : null;
        if (target != null) {
          rows.append(
              row(
                  scenario,
                  run.label(),
                  "p99 staleness",
                  "<= " + num(target) + " ms",
                  num(p99) + " ms",
                  p99 <= target));
        } else if (scenario.startsWith("orig-") && !strategy.equals("sequential")) {
          double limit = run.batched() ? BATCHED_ORIGINAL_P99_MS : 20;
          rows.append(
              row(
                  scenario,
                  run.label(),
                  "p99 staleness",
                  "<= " + num(limit) + " ms",
                  num(p99) + " ms",
                  p99 <= limit));
          rows.append(
              row(scenario, run.label(), "converged", "yes", converged ? "yes" : "no", converged));
        }
        if (run.slow() > 0) {
          Run base = baseline(byScenario, run);
          if (base != null && !strategy.equals("sequential")) {
            double limit = 1.5 * base.stalenessMs().p99();
            rows.append(
                row(
                    scenario,
                    run.label(),
                    "healthy p99 vs " + base.scenario(),
                    "<= " + num(limit) + " ms (1.5x)",
                    num(p99) + " ms",
                    p99 <= limit));
          }
          if (strategy.equals("sequential") && base != null) {
            double before = base.stalenessMs().p99();
            rows.append(
                row(
                    scenario,
                    run.label(),
                    "shows the stall",
                    "p99 > 1.5x " + num(before) + " ms",
                    num(p99) + " ms",
                    p99 > 1.5 * before));
          }
          if (run.bounded()) {
            double limit = OUTBOX_LIMIT_KB * run.slow() + QUEUED_SLACK_KB;
            double queued = run.serverQueuedMaxKb();
            rows.append(
                row(
                    scenario,
                    run.label(),
                    "queued bytes",
                    "<= " + num(limit) + " KB",
                    num(queued) + " KB",
                    queued <= limit));
          }
        }
        if (scenario.startsWith("scale-") && strategy.equals("production")) {
          boolean onTime = !run.posterFellBehind();
          rows.append(
              row(
                  scenario,
                  run.label(),
                  "posting on schedule",
                  "yes",
                  onTime ? "yes" : "no (max lag " + num(run.posterMaxLagMs()) + " ms)",
                  onTime));
          rows.append(
              row(scenario, run.label(), "converged", "yes", converged ? "yes" : "no", converged));
          if (run.clients() >= 10_000) {
            double perPage = run.serverRssMb() * 1024 / run.clients();
            rows.append(
                row(
                    scenario,
                    run.label(),
                    "server RSS per page",
                    "<= " + num(RSS_PER_PAGE_KB) + " KB",
                    num(perPage) + " KB",
                    perPage <= RSS_PER_PAGE_KB));
          }
          long dropped = run.healthyClientsClosed();
          rows.append(
              row(
                  scenario,
                  run.label(),
                  "healthy clients dropped",
                  "0",
                  Long.toString(dropped),
                  dropped == 0));
        }
      }
    }
    linkTargets(rows, byScenario);
    if (rows.length() == 0) {
      return;
    }
    md.append("\n## Targets\n\n");
    md.append("| scenario | strategy | check | target | measured | met |\n");
    md.append("|---|---|---|---|---:|---|\n");
    md.append(rows);
  }

  /** The slow-link row: its client keeps up, converges, and the others do not notice it. */
  private static void linkTargets(StringBuilder rows, Map<String, List<Run>> byScenario) {
    for (List<Run> runs : byScenario.values()) {
      for (Run run : runs) {
        if (run.failed() || run.link() == null || !run.strategy().equals("production")) {
          continue;
        }
        LoadTestReport.LinkResult link = run.link();
        rows.append(
            row(
                run.scenario(),
                run.label(),
                "slow link's p99, second half",
                "<= " + num(LINK_SECOND_HALF_P99_MS) + " ms",
                num(link.secondHalfP99Ms()) + " ms",
                link.secondHalfP99Ms() <= LINK_SECOND_HALF_P99_MS));
        rows.append(
            row(
                run.scenario(),
                run.label(),
                "slow link's client converged",
                "yes",
                link.converged() && run.converged() ? "yes" : "no",
                link.converged() && run.converged()));
        double others = run.stalenessMs().p99();
        rows.append(
            row(
                run.scenario(),
                run.label(),
                "the other clients' p99",
                "<= " + num(LINK_OTHERS_P99_MS) + " ms",
                num(others) + " ms",
                others <= LINK_OTHERS_P99_MS));
      }
    }
  }

  private static String serverName(String server) {
    if (server == null || server.equals("grizzly")) {
      return "dashboard-server (Tyrus on Grizzly)";
    }
    return server.equals("spring") ? "spring-boot-dashboard (Spring Boot on Tomcat)" : server;
  }

  /** The same row without stalled clients, run with the same strategy, if the report has it. */
  private static Run baseline(Map<String, List<Run>> byScenario, Run slowRun) {
    for (List<Run> runs : byScenario.values()) {
      for (Run run : runs) {
        if (!run.failed()
            && run.slow() == 0
            && run.sessions() == slowRun.sessions()
            && run.rate() == slowRun.rate()
            && run.clients() == slowRun.clients()
            && run.strategy().equals(slowRun.strategy())) {
          return run;
        }
      }
    }
    return null;
  }

  private static String row(
      String scenario, String strategy, String check, String target, String measured, boolean met) {
    return "| "
        + scenario
        + " | "
        + strategy
        + " | "
        + check
        + " | "
        + target
        + " | "
        + measured
        + " | "
        + (met ? "yes" : "**no**")
        + " |\n";
  }

  /** A staleness figure, marked as a lower bound when some events were never delivered. */
  private static String atLeast(Staleness staleness, double value) {
    return (staleness.undelivered() > 0 ? "&ge; " : "") + num(value);
  }

  private static String onOff(Boolean value) {
    return Boolean.TRUE.equals(value) ? "on" : "off";
  }

  /**
   * Wire bytes per session update, "-" when the report does not have them, marked when deflate was
   * offered and no client got it.
   */
  private static String wireBytes(LoadTestReport report, Run run) {
    if (run.wireBytesPerUpdate() == null) {
      return "-";
    }
    boolean refused =
        Boolean.TRUE.equals(report.deflate())
            && run.deflatedClients() != null
            && run.deflatedClients() == 0;
    return num(run.wireBytesPerUpdate()) + (refused ? " (deflate refused)" : "");
  }

  /** Patches applied and missed, "-" when the report does not have them. */
  private static String patches(Run run) {
    if (run.patchesApplied() == null) {
      return "-";
    }
    String misses = run.patchMissCount() > 0 ? "**" + run.patchMissCount() + "**" : "0";
    return run.patchesApplied() + " (" + misses + ")";
  }

  /** The server's closes by reason, then what healthy clients saw: refusals and closes. */
  private static String closes(Run run) {
    StringBuilder out = new StringBuilder();
    for (Map.Entry<String, Long> e : orEmpty(run.serverCloses()).entrySet()) {
      out.append(out.length() == 0 ? "" : ", ").append(e.getKey()).append(' ').append(e.getValue());
    }
    for (Map.Entry<String, Integer> e : orEmpty(run.clientsRefused()).entrySet()) {
      out.append(out.length() == 0 ? "" : ", ")
          .append("refused (")
          .append(e.getKey())
          .append(") ")
          .append(e.getValue());
    }
    for (Map.Entry<String, Integer> e : orEmpty(run.healthyCloses()).entrySet()) {
      out.append(out.length() == 0 ? "" : ", ")
          .append("healthy closed (")
          .append(e.getKey())
          .append(") ")
          .append(e.getValue());
    }
    return out.length() == 0 ? "-" : out.toString().replace('|', '/');
  }

  private static <V> Map<String, V> orEmpty(Map<String, V> map) {
    return map == null ? Map.of() : map;
  }

  static String num(double value) {
    if (value >= 100) {
      return String.format(Locale.ROOT, "%.0f", value);
    }
    if (value >= 10) {
      return String.format(Locale.ROOT, "%.1f", value);
    }
    return String.format(Locale.ROOT, "%.2f", value);
  }
}
