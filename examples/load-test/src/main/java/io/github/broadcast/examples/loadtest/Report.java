package io.github.broadcast.examples.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The Markdown report: one table per scenario, then the original issue's decision rules and the
 * targets, each checked against the measured figures.
 */
final class Report {

  /** The dashboard's default flush interval (its --flush-interval), for the batched targets. */
  static final double FLUSH_MS = 200;
  /** The dashboard's default per-client outbox limit (its --max-outbox-bytes). */
  static final double OUTBOX_LIMIT_KB = 1024;
  /** Allowance over limit x stalled clients: the healthy clients' own queues. */
  static final double QUEUED_SLACK_KB = 512;

  private Report() {}

  static boolean batched(String strategy) {
    return strategy.equals("batched") || strategy.equals("production");
  }

  static boolean bounded(String strategy) {
    return strategy.equals("backpressure") || strategy.equals("production");
  }

  static String markdown(JsonNode report) {
    StringBuilder md = new StringBuilder();
    md.append("# Load test report\n\n");
    md.append(String.format(Locale.ROOT,
        "%s, %d cores, %.0f GiB, Java %s; %d s warm-up and %d s measured per run; %.0f s in all.%n%n",
        report.path("date").asText(), report.path("cores").asInt(),
        report.path("memory_bytes").asDouble() / (1L << 30), report.path("java").asText(),
        report.path("warmup_s").asInt(), report.path("duration_s").asInt(),
        report.path("wall_s").asDouble()));
    md.append("Command: `").append(report.path("command").asText()).append("`\n\n");
    md.append("Staleness: event k of a session sent at t; for a healthy client, the first moment ")
        .append("it holds event_count >= k, minus t. An event a client never received counts as ")
        .append("stale until the end of the run (marked &ge;: a lower bound). Stalled clients are ")
        .append("left out of it and show under closes. Servers started with `")
        .append(report.path("server_args").asText()).append("`.\n");

    Map<String, List<JsonNode>> byScenario = new LinkedHashMap<>();
    for (JsonNode run : report.path("runs")) {
      byScenario.computeIfAbsent(run.path("scenario").asText(), k -> new java.util.ArrayList<>())
          .add(run);
    }
    for (Map.Entry<String, List<JsonNode>> entry : byScenario.entrySet()) {
      JsonNode first = entry.getValue().get(0);
      md.append(String.format(Locale.ROOT,
          "%n## %s: %d sessions x %s events/s, %d client%s%s%n%n", entry.getKey(),
          first.path("sessions").asInt(), num(first.path("rate").asDouble()),
          first.path("clients").asInt(), first.path("clients").asInt() == 1 ? "" : "s",
          first.path("slow").asInt() > 0 ? ", " + first.path("slow").asInt() + " stalled" : ""));
      md.append("| strategy | p50 ms | p90 ms | p99 ms | max ms | frames/s/client | ")
          .append("updates/s/client | MB/s out | POST p99 ms | heap max MB | queued max KB | RSS MB | ")
          .append("server CPU | loadgen CPU | closes | converged |\n");
      md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n");
      for (JsonNode run : entry.getValue()) {
        if (run.has("error")) {
          md.append("| ").append(run.path("strategy").asText()).append(" | run failed: ")
              .append(run.path("error").asText().replace('|', '/'))
              .append(" |||||||||||||| no |\n");
          continue;
        }
        JsonNode st = run.path("staleness_ms");
        md.append(String.format(Locale.ROOT,
            "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %.0f | %.0f | %.0f | %.2f | %.2f | %s | %s%s |%n",
            label(run), atLeast(st, "p50"),
            atLeast(st, "p90"), atLeast(st, "p99"), atLeast(st, "max"),
            num(run.path("frames_per_s_per_client").asDouble()),
            num(run.path("updates_per_s_per_client").asDouble()),
            num(run.path("server_mb_sent_per_s").asDouble()),
            num(run.path("post_p99_ms").asDouble()), run.path("server_heap_max_mb").asDouble(),
            run.path("server_queued_max_kb").asDouble(), run.path("server_rss_mb").asDouble(), run.path("server_cpu_cores").asDouble(),
            run.path("loadgen_cpu_cores").asDouble(), closes(run),
            run.path("converged").asBoolean() ? "yes" : "**no**",
            run.path("poster_fell_behind").asBoolean() ? " (poster behind)" : ""));
      }
      for (JsonNode run : entry.getValue()) {
        if (run.has("redis")) {
          JsonNode redis = run.path("redis");
          md.append(String.format(Locale.ROOT,
              "%n%s: %d nodes on one Redis; CPU, MB/s and closes are summed over the nodes, heap "
                  + "and RSS are the largest node's. Redis: %d updates received over pub/sub, "
                  + "%d conflicts retried, %d writes failed, %d disconnects.%n",
              label(run), run.path("nodes").asInt(), redis.path("received").asLong(),
              redis.path("conflicts").asLong(), redis.path("failed_writes").asLong(),
              redis.path("disconnects").asLong()));
        }
      }
    }
    decisions(md, byScenario);
    targets(md, byScenario);
    return md.toString();
  }

  /** The original issue's two questions, answered from the sequential and batched rows. */
  private static void decisions(StringBuilder md, Map<String, List<JsonNode>> byScenario) {
    StringBuilder slow = new StringBuilder();
    StringBuilder scaled = new StringBuilder();
    double worst = 0;
    StringBuilder rates = new StringBuilder();
    double highestRate = 0;
    for (List<JsonNode> runs : byScenario.values()) {
      for (JsonNode run : runs) {
        if (run.has("error") || run.path("slow").asInt() > 0) {
          continue;
        }
        String strategy = run.path("strategy").asText();
        boolean original = run.path("scenario").asText().startsWith("orig-");
        if (strategy.equals("sequential") && run.path("sessions").asInt() >= 10) {
          double p99 = run.path("staleness_ms").path("p99").asDouble();
          if (original) {
            worst = Math.max(worst, p99);
            slow.append(String.format(Locale.ROOT, "%s%s %s ms",
                slow.length() == 0 ? "" : ", ", run.path("scenario").asText(), num(p99)));
          } else {
            scaled.append(String.format(Locale.ROOT, "%s%s %s ms",
                scaled.length() == 0 ? "" : ", ", run.path("scenario").asText(),
                atLeast(run.path("staleness_ms"), "p99")));
          }
        }
        if (strategy.equals("sequential") || strategy.equals("production")) {
          double rate = run.path("frames_per_s_per_client").asDouble();
          if (strategy.equals("sequential")) {
            highestRate = Math.max(highestRate, rate);
          }
          if (run.path("scenario").asText().startsWith("orig-")) {
            rates.append(String.format(Locale.ROOT, "%s%s %s %s", rates.length() == 0 ? "" : ", ",
                run.path("scenario").asText(), strategy, num(rate)));
          }
        }
      }
    }
    if (slow.length() == 0 && rates.length() == 0) {
      return;
    }
    md.append("\n## The original issue's decision rules\n\n");
    if (slow.length() > 0) {
      md.append(String.format(Locale.ROOT,
          "- Does sequential broadcast exceed 50 ms at 10+ sessions? On the original issue's "
              + "table, **%s** (p99 staleness: %s).%n",
          worst > 50 ? "yes" : "no", slow));
      if (scaled.length() > 0) {
        md.append("  Past it, with more clients: ").append(scaled).append(".\n");
      }
    }
    if (rates.length() > 0) {
      md.append(String.format(Locale.ROOT,
          "- Does the message rate exceed 30 messages/s/client? Unbatched, **%s** (up to %s "
              + "frames/s/client); frames/s/client per row: %s.%n",
          highestRate > 30 ? "yes" : "no", num(highestRate), rates));
    }
  }

  /** The targets: one line per check, with the measured figure and whether it holds. */
  private static void targets(StringBuilder md, Map<String, List<JsonNode>> byScenario) {
    StringBuilder rows = new StringBuilder();
    for (List<JsonNode> runs : byScenario.values()) {
      for (JsonNode run : runs) {
        String strategy = run.path("strategy").asText();
        String scenario = run.path("scenario").asText();
        if (run.has("error")) {
          rows.append(row(scenario, label(run), "the run", "completes", "failed", false));
          continue;
        }
        double p99 = run.path("staleness_ms").path("p99").asDouble();
        boolean converged = run.path("converged").asBoolean();
        if (scenario.startsWith("orig-") && !strategy.equals("sequential")) {
          double limit = batched(strategy) ? FLUSH_MS + 20 : 20;
          rows.append(row(scenario, label(run), "p99 staleness", "<= " + num(limit) + " ms",
              num(p99) + " ms", p99 <= limit));
          rows.append(row(scenario, label(run), "converged", "yes", converged ? "yes" : "no",
              converged));
        }
        if (run.path("slow").asInt() > 0) {
          JsonNode base = baseline(byScenario, run);
          if (base != null && !strategy.equals("sequential")) {
            double limit = 1.5 * base.path("staleness_ms").path("p99").asDouble();
            rows.append(row(scenario, label(run), "healthy p99 vs " + base.path("scenario").asText(),
                "<= " + num(limit) + " ms (1.5x)", num(p99) + " ms", p99 <= limit));
          }
          if (strategy.equals("sequential") && base != null) {
            double before = base.path("staleness_ms").path("p99").asDouble();
            rows.append(row(scenario, label(run), "shows the stall",
                "p99 > 1.5x " + num(before) + " ms", num(p99) + " ms", p99 > 1.5 * before));
          }
          if (bounded(strategy)) {
            double limit = OUTBOX_LIMIT_KB * run.path("slow").asInt() + QUEUED_SLACK_KB;
            double queued = run.path("server_queued_max_kb").asDouble();
            rows.append(row(scenario, label(run), "queued bytes", "<= " + num(limit) + " KB",
                num(queued) + " KB", queued <= limit));
          }
        }
        if ((scenario.equals("scale-50x10x500") || scenario.equals("scale-100x10x1000"))
            && strategy.equals("production")) {
          boolean onTime = !run.path("poster_fell_behind").asBoolean();
          rows.append(row(scenario, label(run), "posting on schedule", "yes",
              onTime ? "yes" : "no (max lag " + num(run.path("poster_max_lag_ms").asDouble())
                  + " ms)", onTime));
          rows.append(row(scenario, label(run), "p99 staleness", "<= 250 ms", num(p99) + " ms",
              p99 <= 250));
          rows.append(row(scenario, label(run), "converged", "yes", converged ? "yes" : "no",
              converged));
          long dropped = run.path("healthy_clients_closed").asLong();
          rows.append(row(scenario, label(run), "healthy clients dropped", "0",
              Long.toString(dropped), dropped == 0));
        }
      }
    }
    if (rows.length() == 0) {
      return;
    }
    md.append("\n## Targets\n\n");
    md.append("| scenario | strategy | check | target | measured | met |\n");
    md.append("|---|---|---|---|---:|---|\n");
    md.append(rows);
  }

  /** The same row without stalled clients, run with the same strategy, if the report has it. */
  private static JsonNode baseline(Map<String, List<JsonNode>> byScenario, JsonNode slowRun) {
    for (List<JsonNode> runs : byScenario.values()) {
      for (JsonNode run : runs) {
        if (!run.has("error") && run.path("slow").asInt() == 0
            && run.path("sessions").asInt() == slowRun.path("sessions").asInt()
            && run.path("rate").asDouble() == slowRun.path("rate").asDouble()
            && run.path("clients").asInt() == slowRun.path("clients").asInt()
            && run.path("strategy").asText().equals(slowRun.path("strategy").asText())) {
          return run;
        }
      }
    }
    return null;
  }

  /** The strategy, and how many nodes served the run when there were several. */
  static String label(JsonNode run) {
    int nodes = run.path("nodes").asInt(1);
    return run.path("strategy").asText() + (nodes > 1 ? ", " + nodes + " nodes" : "");
  }

  private static String row(String scenario, String strategy, String check, String target,
      String measured, boolean met) {
    return "| " + scenario + " | " + strategy + " | " + check + " | " + target + " | "
        + measured + " | " + (met ? "yes" : "**no**") + " |\n";
  }

  /** A staleness figure, marked as a lower bound when some events were never delivered. */
  private static String atLeast(JsonNode staleness, String field) {
    return (staleness.path("undelivered").asLong() > 0 ? "&ge; " : "")
        + num(staleness.path(field).asDouble());
  }

  /** The server's closes by reason, then what healthy clients saw: refusals and closes. */
  private static String closes(JsonNode run) {
    StringBuilder out = new StringBuilder();
    for (Map.Entry<String, JsonNode> e : run.path("server_closes").properties()) {
      out.append(out.length() == 0 ? "" : ", ").append(e.getKey()).append(' ')
          .append(e.getValue().asLong());
    }
    for (Map.Entry<String, JsonNode> e : run.path("clients_refused").properties()) {
      out.append(out.length() == 0 ? "" : ", ").append("refused (").append(e.getKey())
          .append(") ").append(e.getValue().asLong());
    }
    for (Map.Entry<String, JsonNode> e : run.path("healthy_closes").properties()) {
      out.append(out.length() == 0 ? "" : ", ").append("healthy closed (").append(e.getKey())
          .append(") ").append(e.getValue().asLong());
    }
    return out.length() == 0 ? "-" : out.toString().replace('|', '/');
  }

  private static String num(double value) {
    if (value >= 100) {
      return String.format(Locale.ROOT, "%.0f", value);
    }
    if (value >= 10) {
      return String.format(Locale.ROOT, "%.1f", value);
    }
    return String.format(Locale.ROOT, "%.2f", value);
  }
}
