package io.github.broadcast.site;

import io.github.broadcast.examples.loadtest.LoadTestReport;
import io.github.broadcast.examples.loadtest.LoadTestReport.Run;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * What a page's {@code {{...}}} lines expand to, all generated from the measured data:
 *
 * <ul>
 *   <li>{@code {{plot NAME}}}: an SVG chart written to {@code plots/NAME.svg} and an image of it;
 *   <li>{@code {{include FILE}}}: a Markdown file of the data folder (the load test's report), its
 *       title dropped and its headings moved one level down;
 *   <li>{@code {{load-table p99|frames}}}: the load test's p99 staleness (ms) or frames per second
 *       per client, one row per scenario, one column per strategy;
 *   <li>{@code {{jmh-table Benchmark.method key=value ...}}}: a table of a JMH benchmark's scores,
 *       one column per preset, one row per other parameter combination; from {@code jmh/jmh.json},
 *       or from the JMH JSON file that {@code data=FILE} names;
 *   <li>{@code {{servers-table DIR[=LABEL] DIR[=LABEL] ...}}}: the load-test reports in those data
 *       folders side by side, on the rows of the first (scenario and strategy): p50 and p99
 *       staleness, frames per second per client, server CPU and RSS, healthy clients closed; each
 *       labelled with LABEL (underscores read as spaces), or else the report's server;
 *   <li>{@code {{snippet PATH NAME}}}: the lines of the repository's file {@code PATH} between a
 *       {@code snippet:NAME} comment and the next {@code snippet:end} ({@code //}, {@code #} or
 *       {@code <!-- -->}), common indentation removed, as a fenced code block. Snippets come from
 *       compiled and tested sources, so the site cannot show code that no longer builds.
 * </ul>
 */
final class Fragments {

  private static final ObjectMapper mapper = new ObjectMapper();
  static final String LOAD_TEST = "load-test/report.json";
  static final String JMH = "jmh/jmh.json";

  private final Path data;
  private final Path out;
  private final Path root;

  /** Reads measured data from {@code data} and snippets from the repository {@code root}. */
  Fragments(Path data, Path out, Path root) {
    this.data = data;
    this.out = out;
    this.root = root.toAbsolutePath().normalize();
  }

  /** The Markdown (or HTML block) a directive line stands for. */
  String expand(String directive, String page) throws IOException {
    String[] words = directive.strip().split("\\s+");
    switch (words[0]) {
      case "plot":
        return plot(arg(words, 1, directive, page));
      case "include":
        return include(arg(words, 1, directive, page));
      case "servers-table":
        return serversTable(List.of(words).subList(1, words.length), directive, page);
      case "snippet":
        return snippet(arg(words, 1, directive, page), arg(words, 2, directive, page), page);
      case "load-table":
        return loadTable(arg(words, 1, directive, page));
      case "jmh-table":
        Map<String, String> filter = new LinkedHashMap<>();
        for (int i = 2; i < words.length; i++) {
          String[] kv = words[i].split("=", 2);
          if (kv.length != 2) {
            throw new IllegalArgumentException(
                page + ": {{" + directive + "}}: " + words[i] + " (expected: key=value)");
          }
          filter.put(kv[0], kv[1]);
        }
        return jmhTable(arg(words, 1, directive, page), filter);
      default:
        throw new IllegalArgumentException(
            page
                + ": {{"
                + directive
                + "}} (expected: plot, include, snippet, servers-table,"
                + " load-table or jmh-table)");
    }
  }

  private static String arg(String[] words, int i, String directive, String page) {
    if (words.length <= i) {
      throw new IllegalArgumentException(page + ": {{" + directive + "}}: missing argument");
    }
    return words[i];
  }

  private JsonNode json(String file) throws IOException {
    return mapper.readTree(existing(file).toFile());
  }

  /** The data file {@code file}, or an exception saying how to make it. */
  private Path existing(String file) throws IOException {
    Path path = data.resolve(file);
    if (!Files.isRegularFile(path)) {
      throw new IOException(
          "no data at "
              + path
              + " (run the load test or JMH; see "
              + "benchmarks.md for the commands)");
    }
    return path;
  }

  private String serversTable(List<String> dirs, String directive, String page) throws IOException {
    if (dirs.size() < 2) {
      throw new IllegalArgumentException(
          page + ": {{" + directive + "}}: expected two or more report folders");
    }
    List<LoadTestReport> reports = new ArrayList<>();
    List<String> labels = new ArrayList<>();
    for (String arg : dirs) {
      String[] dirAndLabel = arg.split("=", 2);
      LoadTestReport report = LoadTestReport.read(existing(dirAndLabel[0] + "/report.json"));
      reports.add(report);
      labels.add(
          dirAndLabel.length == 2
              ? dirAndLabel[1].replace('_', ' ')
              : report.server() == null ? "grizzly" : report.server());
    }
    StringBuilder md = new StringBuilder("| scenario | strategy | run | p50 ms | p99 ms |");
    md.append(
        " frames/s/client | server CPU cores | CPU µs/update | wire B/update | server RSS MB |");
    md.append(" healthy clients closed |\n");
    md.append("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Run first : reports.get(0).runs()) {
      for (int r = 0; r < reports.size(); r++) {
        for (Run run : reports.get(r).runs()) {
          if (!run.scenario().equals(first.scenario())
              || !run.strategy().equals(first.strategy())) {
            continue;
          }
          md.append("| ")
              .append(run.scenario())
              .append(" | ")
              .append(run.strategy())
              .append(" | ")
              .append(labels.get(r));
          if (run.failed()) {
            md.append(" | failed | | | | | | | |\n");
            continue;
          }
          md.append(" | ")
              .append(Svg.number(run.stalenessMs().p50()))
              .append(" | ")
              .append(Svg.number(run.stalenessMs().p99()))
              .append(" | ")
              .append(Svg.number(run.framesPerSPerClient()))
              .append(" | ")
              .append(Svg.number(run.serverCpuCores()))
              .append(" | ")
              .append(Svg.number(run.cpuMicrosPerUpdate()))
              .append(" | ")
              .append(run.wireBytesPerUpdate() == null ? "-" : Svg.number(run.wireBytesPerUpdate()))
              .append(" | ")
              .append(Svg.number(run.serverRssMb()))
              .append(" | ")
              .append(run.healthyClientsClosed())
              .append(" |\n");
        }
      }
    }
    return md.toString();
  }

  private String snippet(String file, String name, String page) throws IOException {
    Path path = root.resolve(file).normalize();
    if (!path.startsWith(root) || !Files.isRegularFile(path)) {
      throw new IOException(page + ": snippet: no file " + path);
    }
    List<String> lines = Files.readAllLines(path, StandardCharsets.UTF_8);
    int start = -1;
    int end = -1;
    for (int i = 0; i < lines.size(); i++) {
      String marker = snippetMarker(lines.get(i));
      if (start < 0 && name.equals(marker)) {
        start = i + 1;
      } else if (start >= 0 && "end".equals(marker)) {
        end = i;
        break;
      }
    }
    if (start < 0 || end < 0) {
      throw new IOException(
          page + ": snippet: no lines between snippet:" + name + " and snippet:end in " + path);
    }
    while (start < end && lines.get(start).isBlank()) {
      start++;
    }
    while (end > start && lines.get(end - 1).isBlank()) {
      end--;
    }
    List<String> body = lines.subList(start, end);
    int indent = Integer.MAX_VALUE;
    for (String line : body) {
      if (!line.isBlank()) {
        indent = Math.min(indent, line.length() - line.stripLeading().length());
      }
    }
    String language =
        file.endsWith(".java")
            ? "java"
            : file.endsWith(".xml")
                ? "xml"
                : file.endsWith(".properties")
                    ? "properties"
                    : file.endsWith(".html") ? "js" : ""; // A page's module script.
    StringBuilder md = new StringBuilder("```").append(language).append('\n');
    for (String line : body) {
      md.append(line.isBlank() ? "" : line.substring(indent)).append('\n');
    }
    return md.append("```\n\n<p class=\"source\">From <code>")
        .append(file)
        .append(
            file.endsWith(".html")
                ? "</code>, run by the build in Chromium.</p>\n"
                : "</code>, compiled and run by the build.</p>\n")
        .toString();
  }

  /** The NAME of a {@code snippet:NAME} comment line, or null for any other line. */
  static String snippetMarker(String line) {
    String text = line.strip();
    for (String prefix : new String[] {"//", "#", "<!--"}) {
      if (text.startsWith(prefix)) {
        text = text.substring(prefix.length()).strip();
        if (text.endsWith("-->")) {
          text = text.substring(0, text.length() - 3).strip();
        }
        return text.startsWith("snippet:") ? text.substring("snippet:".length()).strip() : null;
      }
    }
    return null;
  }

  private String include(String file) throws IOException {
    Path path = data.resolve(file).normalize();
    if (!path.startsWith(data.normalize()) || !Files.isRegularFile(path)) {
      throw new IOException("include: no file " + path);
    }
    StringBuilder md = new StringBuilder();
    boolean titleDropped = false;
    for (String line : Files.readAllLines(path, StandardCharsets.UTF_8)) {
      if (!titleDropped && line.startsWith("# ")) {
        titleDropped = true;
        continue;
      }
      md.append(line.startsWith("#") ? "#" + line : line).append('\n');
    }
    return md.toString();
  }

  // ---- Plots ---------------------------------------------------------------------------------

  private static final List<String> STRATEGIES =
      List.of("sequential", "concurrent", "batched", "backpressure", "production");

  private String plot(String name) throws IOException {
    String svg;
    String alt;
    switch (name) {
      case "load-p99":
        alt = "p99 staleness by scenario and strategy";
        svg = loadPlot(alt, "p99 staleness, ms", run -> run.stalenessMs().p99());
        break;
      case "load-frames":
        alt = "WebSocket frames per second per client";
        svg = loadPlot(alt, "frames/s per client", Run::framesPerSPerClient);
        break;
      case "jmh-publish":
        alt = "Publish throughput by clients and preset (JMH, SMALL sessions, no stalled client)";
        svg = jmhPlot(alt);
        break;
      default:
        throw new IllegalArgumentException(
            "{{plot " + name + "}} (expected: load-p99, load-frames or jmh-publish)");
    }
    Path file = out.resolve("plots").resolve(name + ".svg");
    Files.createDirectories(file.getParent());
    Files.writeString(file, svg, StandardCharsets.UTF_8);
    return "<figure class=\"plot\"><img src=\"plots/"
        + name
        + ".svg\" alt=\""
        + Svg.escape(alt)
        + "\"><figcaption>"
        + Svg.escape(alt)
        + "</figcaption></figure>\n";
  }

  private String loadTable(String metric) throws IOException {
    ToDoubleFunction<Run> value;
    switch (metric) {
      case "p99":
        value = run -> run.stalenessMs().p99();
        break;
      case "frames":
        value = Run::framesPerSPerClient;
        break;
      default:
        throw new IllegalArgumentException(
            "{{load-table " + metric + "}} (expected: p99 or frames)");
    }
    Grid grid = loadGrid(value);
    StringBuilder md = new StringBuilder("| scenario | ");
    md.append(String.join(" | ", grid.series)).append(" |\n|---|");
    md.append("---:|".repeat(grid.series.size())).append('\n');
    for (int c = 0; c < grid.categories.size(); c++) {
      md.append("| ").append(grid.categories.get(c));
      for (int s = 0; s < grid.series.size(); s++) {
        double v = grid.values[c][s];
        md.append(" | ").append(Double.isNaN(v) ? "failed" : Svg.number(v));
      }
      md.append(" |\n");
    }
    return md.toString();
  }

  /** Load-test runs as scenario x strategy values, scenarios in run order. */
  private record Grid(List<String> categories, List<String> series, double[][] values) {}

  private Grid loadGrid(ToDoubleFunction<Run> metric) throws IOException {
    LoadTestReport report = LoadTestReport.read(existing(LOAD_TEST));
    Map<String, Map<String, Double>> byScenario = new LinkedHashMap<>();
    Set<String> strategies = new LinkedHashSet<>();
    for (Run run : report.runs()) {
      String strategy = run.strategy();
      strategies.add(strategy);
      double value = run.failed() ? Double.NaN : metric.applyAsDouble(run);
      byScenario.computeIfAbsent(run.scenario(), k -> new LinkedHashMap<>()).put(strategy, value);
    }
    List<String> series = new ArrayList<>(strategies);
    series.sort((a, b) -> Integer.compare(order(a), order(b)));
    List<String> categories = new ArrayList<>(byScenario.keySet());
    double[][] values = new double[categories.size()][series.size()];
    for (int c = 0; c < categories.size(); c++) {
      for (int s = 0; s < series.size(); s++) {
        values[c][s] = byScenario.get(categories.get(c)).getOrDefault(series.get(s), Double.NaN);
      }
    }
    return new Grid(categories, series, values);
  }

  private String loadPlot(String title, String unit, ToDoubleFunction<Run> metric)
      throws IOException {
    Grid grid = loadGrid(metric);
    return Svg.groupedBars(title, unit, true, grid.categories, grid.series, grid.values);
  }

  private static int order(String strategy) {
    int i = STRATEGIES.indexOf(strategy);
    return i < 0 ? STRATEGIES.size() : i;
  }

  private String jmhPlot(String title) throws IOException {
    Map<String, Map<String, Double>> byClients =
        new TreeMap<>((a, b) -> Integer.compare(Integer.parseInt(a), Integer.parseInt(b)));
    Set<String> presets = new LinkedHashSet<>();
    for (JsonNode result : json(JMH)) {
      JsonNode params = result.path("params");
      if (!result.path("benchmark").asString().endsWith("PublishBenchmark.publish")
          || !params.path("payload").asString().equals("SMALL")
          || !params.path("stalled").asString().equals("0")) {
        continue;
      }
      String preset = params.path("preset").asString().toLowerCase(Locale.ROOT);
      presets.add(preset);
      byClients
          .computeIfAbsent(params.path("clients").asString(), k -> new LinkedHashMap<>())
          .put(preset, result.path("primaryMetric").path("score").asDouble());
    }
    List<String> series = new ArrayList<>(presets);
    series.sort((a, b) -> Integer.compare(order(a), order(b)));
    List<String> categories = new ArrayList<>();
    double[][] values = new double[byClients.size()][series.size()];
    int c = 0;
    for (Map.Entry<String, Map<String, Double>> e : byClients.entrySet()) {
      categories.add(e.getKey() + (e.getKey().equals("1") ? " client" : " clients"));
      for (int s = 0; s < series.size(); s++) {
        values[c][s] = e.getValue().getOrDefault(series.get(s), Double.NaN);
      }
      c++;
    }
    return Svg.groupedBars(title, "publishes/s", true, categories, series, values);
  }

  // ---- JMH tables ----------------------------------------------------------------------------

  private String jmhTable(String benchmark, Map<String, String> filter) throws IOException {
    String file = filter.containsKey("data") ? filter.remove("data") : JMH;
    Map<String, Map<String, String>> rows = new LinkedHashMap<>();
    Set<String> columns = new LinkedHashSet<>();
    List<String> rowParams = null;
    String unit = null;
    for (JsonNode result : json(file)) {
      if (!result.path("benchmark").asString().endsWith("." + benchmark)) {
        continue;
      }
      JsonNode params = result.path("params");
      boolean matches = true;
      for (Map.Entry<String, String> f : filter.entrySet()) {
        matches &= params.path(f.getKey()).asString().equals(f.getValue());
      }
      if (!matches) {
        continue;
      }
      List<String> keys = new ArrayList<>();
      keys.addAll(params.propertyNames());
      keys.removeAll(filter.keySet());
      keys.remove("preset");
      rowParams = keys;
      StringBuilder row = new StringBuilder();
      for (String k : keys) {
        row.append(row.length() == 0 ? "" : " | ").append(params.path(k).asString());
      }
      String column =
          params.has("preset")
              ? params.path("preset").asString().toLowerCase(Locale.ROOT)
              : "score";
      columns.add(column);
      unit = result.path("primaryMetric").path("scoreUnit").asString();
      rows.computeIfAbsent(row.toString(), k -> new LinkedHashMap<>())
          .put(column, format(result.path("primaryMetric").path("score").asDouble()));
    }
    if (rows.isEmpty()) {
      throw new IllegalArgumentException(
          "{{jmh-table "
              + benchmark
              + " "
              + filter
              + "}}: no such results in "
              + data.resolve(file));
    }
    StringBuilder md = new StringBuilder();
    md.append("| ").append(String.join(" | ", rowParams));
    for (String column : columns) {
      md.append(" | ").append(column);
    }
    md.append(" |\n|");
    md.append("---:|".repeat(rowParams.size() + columns.size())).append('\n');
    for (Map.Entry<String, Map<String, String>> row : rows.entrySet()) {
      md.append("| ").append(row.getKey());
      for (String column : columns) {
        md.append(" | ").append(row.getValue().getOrDefault(column, "-"));
      }
      md.append(" |\n");
    }
    md.append("\nUnit: ").append(unit).append(" (JMH score; see the raw JSON for errors).\n");
    return md.toString();
  }

  private static String format(double v) {
    DecimalFormat f =
        new DecimalFormat(
            v >= 100 ? "#,##0" : "#,##0.0#", DecimalFormatSymbols.getInstance(Locale.ROOT));
    return f.format(v);
  }
}
